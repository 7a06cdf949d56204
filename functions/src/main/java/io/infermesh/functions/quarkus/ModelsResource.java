package io.infermesh.functions.quarkus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.infermesh.functions.api.ProblemException;
import io.infermesh.functions.models.ModelCatalog;
import io.infermesh.functions.models.Publisher;
import io.infermesh.store.ModelRef;
import io.infermesh.store.ModelStoreException;
import io.infermesh.store.TagStore.TagEntry;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Manifest;
import io.smallrye.common.annotation.RunOnVirtualThread;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The model store over HTTP: blobs by CID, tags, published models ({@code /v1/blobs}, {@code /v1/models}). */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
@RunOnVirtualThread
public class ModelsResource {
    /** How long a blob download redirect stays valid. */
    static final Duration DOWNLOAD_URL_VALIDITY = Duration.ofMinutes(5);
    /** The most models one page of {@code GET /v1/models} holds. */
    static final int MAX_PAGE = 1000;

    @Inject
    Gateway gateway;

    @Inject
    Callers callers;

    @POST
    @Path("/blobs/missing")
    public ObjectNode missing(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, byte[] body) {
        callers.require(authorization);
        JsonNode cids = Json.read(body).get("cids");
        if (cids == null || !cids.isArray()) {
            throw ProblemException.invalid("\"cids\" must be an array of CID strings");
        }
        if (cids.size() > 10_000) {
            throw ProblemException.invalid("ask about at most 10000 CIDs at a time");
        }
        List<Cid> parsed = new ArrayList<>(cids.size());
        for (JsonNode c : cids) {
            if (!c.isTextual()) {
                throw ProblemException.invalid("every item of \"cids\" must be a CID string");
            }
            parsed.add(cid(c.textValue()));
        }
        ObjectNode out = Json.object();
        ArrayNode missing = out.putArray("missing");
        gateway.publisher().missing(parsed).forEach(c -> missing.add(c.toString()));
        return out;
    }

    @PUT
    @Path("/blobs/{cid}")
    @Consumes(MediaType.WILDCARD)
    public Response putBlob(
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @HeaderParam(HttpHeaders.CONTENT_LENGTH) Long length,
            @PathParam("cid") String cidText,
            InputStream body) {
        callers.require(authorization);
        Cid cid = cid(cidText);
        Publisher.Upload upload = gateway.publisher().upload(cid, body, length == null ? -1 : length);
        ObjectNode out = Json.object();
        out.put("cid", upload.cid().toString());
        out.put("sizeBytes", upload.sizeBytes());
        upload.sha256Hex().ifPresent(h -> out.put("sha256", h));
        return Response.status(upload.created() ? 201 : 200).entity(out).build();
    }

    @GET
    @Path("/blobs/{cid}")
    public Response getBlob(
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @PathParam("cid") String text) {
        callers.require(authorization);
        Cid cid = cid(text);
        if (!gateway.blobs().exists(cid)) {
            throw new ProblemException(404, "not_found", "the store has no blob " + cid);
        }
        return Response.temporaryRedirect(gateway.blobs().presignGet(cid, DOWNLOAD_URL_VALIDITY))
                .build();
    }

    @GET
    @Path("/models")
    public ObjectNode list(
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @QueryParam("q") String q,
            @QueryParam("owner") String owner,
            @QueryParam("task") String task,
            @QueryParam("after") String after,
            @QueryParam("limit") String limit) {
        callers.require(authorization);
        if (q != null && q.length() > 200) {
            throw ProblemException.invalid("\"q\" is at most 200 characters");
        }
        Optional<EthAddress> o =
                Optional.ofNullable(owner).filter(s -> !s.isEmpty()).map(s -> Json.address("owner", s));
        ModelCatalog.Page page = gateway.catalog()
                .list(
                        Optional.ofNullable(q),
                        o,
                        Optional.ofNullable(task).filter(s -> !s.isEmpty()),
                        Optional.ofNullable(after).filter(s -> !s.isEmpty()),
                        limit(limit));
        ObjectNode out = Json.object();
        out.put("object", "list");
        ArrayNode data = out.putArray("data");
        page.listings().forEach(l -> model(data.addObject(), l.name(), l.tag(), l.manifest()));
        out.put("has_more", page.hasMore());
        return out;
    }

    private static int limit(String text) {
        if (text == null || text.isEmpty()) {
            return Integer.MAX_VALUE;
        }
        try {
            int n = Integer.parseInt(text);
            if (n >= 1 && n <= MAX_PAGE) {
                return n;
            }
        } catch (NumberFormatException notANumber) {
            // refused below
        }
        throw ProblemException.invalid("\"limit\" must be a whole number from 1 to " + MAX_PAGE + ", not '" + text
                + "'; leave it out for every model");
    }

    @GET
    @Path("/models/{org}/{name}")
    public ObjectNode get(
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @PathParam("org") String org,
            @PathParam("name") String name) {
        callers.require(authorization);
        return detail(ModelCatalog.parseRef(org + "/" + name));
    }

    /**
     * The same model addressed by one id, as OpenAI clients send it: {@code GET /v1/models/org%2Fname:tag} (the
     * official clients percent-encode the slash of a path parameter).
     */
    @GET
    @Path("/models/{id}")
    public ObjectNode getById(
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @PathParam("id") String id) {
        callers.require(authorization);
        return detail(ModelCatalog.parseRef(id));
    }

    private ObjectNode detail(ModelRef ref) {
        List<TagEntry> tags = gateway.catalog().tags(ref.org(), ref.model());
        Optional<TagEntry> named =
                tags.stream().filter(t -> t.ref().tag().equals(ref.tag())).findFirst();
        if (named.isEmpty() && !ref.tag().equals(ModelRef.DEFAULT_TAG)) {
            List<String> have = tags.stream().map(t -> t.ref().tag()).toList();
            throw new ProblemException(
                    404,
                    "model_not_found",
                    ref.repository() + " has no tag '" + ref.tag() + "'; its tags: " + String.join(", ", have));
        }
        // no latest: the model is shown under the tag the listing shows it under
        TagEntry shown = named.orElseGet(
                () -> tags.stream().reduce(ModelCatalog::preferred).orElseThrow());
        ObjectNode out = Json.object();
        model(out, ref.repository(), shown, gateway.catalog().manifest(shown.manifest()));
        ArrayNode all = out.putArray("tags");
        tags.forEach(t -> tagEntry(all.addObject(), t));
        return out;
    }

    @PUT
    @Path("/models/{org}/{name}/tags/{tag}")
    public ObjectNode publish(
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @PathParam("org") String org,
            @PathParam("name") String name,
            @PathParam("tag") String tag,
            byte[] body) {
        EthAddress caller = callers.require(authorization).account();
        ModelRef ref = ref(org, name, tag);
        JsonNode req = Json.read(body);
        Cid manifest = cid(Json.text(req, "manifestCid"));
        TagEntry entry = gateway.publisher().publish(ref, manifest, Json.text(req, "signature"), caller);
        return tagEntry(Json.object(), entry);
    }

    @GET
    @Path("/models/{org}/{name}/tags/{tag}")
    public ObjectNode getTag(
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @PathParam("org") String org,
            @PathParam("name") String name,
            @PathParam("tag") String tag) {
        callers.require(authorization);
        ModelCatalog.Resolved r = gateway.catalog().resolve(ref(org, name, tag));
        ObjectNode out = Json.object();
        out.put("ref", r.ref().toString());
        out.put("manifestCid", r.manifestCid().toString());
        out.set("manifest", r.manifest().toJson());
        return out;
    }

    @GET
    @Path("/models/{org}/{name}/tags/{tag}/history")
    public ObjectNode history(
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @PathParam("org") String org,
            @PathParam("name") String name,
            @PathParam("tag") String tag) {
        callers.require(authorization);
        ObjectNode out = Json.object();
        ArrayNode history = out.putArray("history");
        gateway.catalog().history(ref(org, name, tag)).forEach(t -> tagEntry(history.addObject(), t));
        return out;
    }

    static Cid cid(String text) {
        try {
            return Cid.parse(text);
        } catch (ModelStoreException | IllegalArgumentException e) {
            throw ProblemException.invalid("'" + text + "' is not a CID: " + e.getMessage());
        }
    }

    private static ModelRef ref(String org, String name, String tag) {
        try {
            return new ModelRef(org, name, tag);
        } catch (ModelStoreException e) {
            throw new ProblemException(404, "model_not_found", e.getMessage());
        }
    }

    /** A model in OpenAI's shape ({@code id}, {@code object}, {@code created}, {@code owned_by}) and ours. */
    private static void model(ObjectNode o, String name, TagEntry tag, Manifest m) {
        o.put("id", tag.ref().toString());
        o.put("object", "model");
        o.put("created", tag.at().getEpochSecond());
        o.put("owned_by", m.owner().value());
        o.put("name", name);
        o.put("tag", tag.ref().tag());
        o.put("manifestCid", tag.manifest().toString());
        o.put("owner", m.owner().value());
        o.put("task", m.task());
        o.put("framework", m.framework().wireName());
        o.put("pricePerRequestWei", m.pricePerRequest().toString());
        o.put("totalBytes", m.totalBytes());
    }

    private static ObjectNode tagEntry(ObjectNode o, TagEntry t) {
        o.put("ref", t.ref().toString());
        o.put("manifestCid", t.manifest().toString());
        o.put("at", t.at().toString());
        return o;
    }
}
