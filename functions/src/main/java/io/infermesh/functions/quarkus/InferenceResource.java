package io.infermesh.functions.quarkus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.infermesh.functions.IdempotencyKey;
import io.infermesh.functions.RequestId;
import io.infermesh.functions.api.ProblemException;
import io.infermesh.functions.inference.Caller;
import io.infermesh.functions.inference.KserveBinary;
import io.infermesh.functions.inference.KserveJson;
import io.infermesh.functions.inference.PaidInference;
import io.infermesh.functions.inference.Phases;
import io.infermesh.functions.models.ModelCatalog;
import io.infermesh.functions.routing.LoadSpecs;
import io.infermesh.store.ModelRef;
import io.infermesh.store.manifest.TensorSpec;
import io.smallrye.common.annotation.RunOnVirtualThread;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * KServe v2 REST ({@code /v2/...}): health, metadata and paid inference on JSON tensors, or binary ones with the
 * binary tensor data extension ({@link KserveBinary}). Inference runs through {@link PaidInference}; this class only
 * translates the protocol. {@link EmbeddingsResource} is the OpenAI-compatible twin.
 */
@Path("/v2")
@Produces(MediaType.APPLICATION_JSON)
@RunOnVirtualThread
public class InferenceResource {
    public static final String COST_HEADER = "Infermesh-Cost-Wei";
    static final String SERVER_TIMING = "Server-Timing";
    static final String TEXT_EMBEDDING = "text-embedding";

    @Inject
    Gateway gateway;

    @Inject
    Callers callers;

    @POST
    @Path("models/{org}/{name}/infer")
    @Consumes(MediaType.WILDCARD)
    @Produces({MediaType.APPLICATION_JSON, MediaType.APPLICATION_OCTET_STREAM})
    public Response infer(
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @HeaderParam(RequestIds.HEADER) String requestId,
            @HeaderParam(RequestIds.CALL_HEADER) String callId,
            @HeaderParam("Idempotency-Key") String idempotencyKey,
            @HeaderParam(KserveBinary.HEADER_LENGTH) String headerLength,
            @PathParam("org") String org,
            @PathParam("name") String name,
            InputStream in) {
        return inferVersion(authorization, requestId, callId, idempotencyKey, headerLength, org, name, null, in);
    }

    /** {@code version}: a manifest CID the model's tags point or pointed at; null for the tag in {@code name}. */
    @POST
    @Path("models/{org}/{name}/versions/{version}/infer")
    @Consumes(MediaType.WILDCARD)
    @Produces({MediaType.APPLICATION_JSON, MediaType.APPLICATION_OCTET_STREAM})
    public Response inferVersion(
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @HeaderParam(RequestIds.HEADER) String requestId,
            @HeaderParam(RequestIds.CALL_HEADER) String callId,
            @HeaderParam("Idempotency-Key") String idempotencyKey,
            @HeaderParam(KserveBinary.HEADER_LENGTH) String headerLength,
            @PathParam("org") String org,
            @PathParam("name") String name,
            @PathParam("version") String version,
            InputStream in) {
        Phases phases = new Phases();
        Caller caller = callers.begin(authorization);
        phases.mark("auth");
        try {
            ModelRef ref = ModelCatalog.parseRef(org + "/" + name);
            Supplier<ModelCatalog.Resolved> resolver = version == null
                    ? () -> gateway.catalog().resolve(ref)
                    : () -> gateway.catalog().resolveVersion(ref.org(), ref.model(), ModelsResource.cid(version));
            String operation =
                    "POST /v2/models/" + org + "/" + name + (version == null ? "" : "/versions/" + version) + "/infer";
            return kserve(
                    caller,
                    requestId,
                    callId,
                    idempotencyKey,
                    headerLength,
                    org + "/" + name,
                    operation,
                    resolver,
                    in,
                    phases);
        } catch (RuntimeException e) {
            throw caller.refusalOr(e);
        }
    }

    @GET
    public ObjectNode serverMetadata() {
        ObjectNode out = Json.object();
        out.put("name", "infermesh");
        out.put(
                "version",
                Optional.ofNullable(getClass().getPackage().getImplementationVersion())
                        .orElse("dev"));
        out.putArray("extensions").add(KserveBinary.EXTENSION);
        return out;
    }

    @GET
    @Path("health/live")
    public ObjectNode live() {
        ObjectNode out = Json.object();
        out.put("live", true);
        return out;
    }

    @GET
    @Path("health/ready")
    public Response ready() {
        if (!gateway.redisReachable()) {
            throw new ProblemException(
                    503,
                    "no_capacity",
                    "the gateway cannot reach Redis",
                    java.util.Map.of(),
                    Optional.of(java.time.Duration.ofSeconds(1)));
        }
        ObjectNode out = Json.object();
        out.put("ready", true);
        return Response.ok(out).build();
    }

    @GET
    @Path("models/{org}/{name}")
    public ObjectNode metadata(
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @PathParam("org") String org,
            @PathParam("name") String name) {
        callers.require(authorization);
        ModelCatalog.Resolved r = gateway.catalog().resolve(ModelCatalog.parseRef(org + "/" + name));
        ObjectNode out = Json.object();
        out.put("name", org + "/" + name);
        out.putArray("versions").add(r.manifestCid().toString());
        out.put("platform", r.manifest().framework().wireName());
        tensors(out.putArray("inputs"), r.manifest().inputs());
        tensors(out.putArray("outputs"), r.manifest().outputs());
        return out;
    }

    @GET
    @Path("models/{org}/{name}/ready")
    public ObjectNode modelReady(
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @PathParam("org") String org,
            @PathParam("name") String name) {
        callers.require(authorization);
        ModelCatalog.Resolved r = gateway.catalog().resolve(ModelCatalog.parseRef(org + "/" + name));
        if (gateway.workers().warm(LoadSpecs.modelKey(r.manifestCid())).isEmpty()) {
            throw new ProblemException(
                    503,
                    "no_workers",
                    org + "/" + name + " is not warm on any worker now; the first call loads it",
                    java.util.Map.of(),
                    Optional.of(java.time.Duration.ofSeconds(1)));
        }
        ObjectNode out = Json.object();
        out.put("name", org + "/" + name);
        out.put("ready", true);
        return out;
    }

    private Response kserve(
            Caller caller,
            String requestId,
            String callId,
            String idempotencyKey,
            String headerLength,
            String clientName,
            String operation,
            Supplier<ModelCatalog.Resolved> resolver,
            InputStream in,
            Phases phases) {
        byte[] bytes =
                readLimited(in, gateway.config().inference().maxRequestBytes().asLongValue());
        KserveBinary.Body body = KserveBinary.split(bytes, headerLength);
        JsonNode json = Json.read(bytes, body.jsonLength());
        KserveBinary.Outputs binaryOutputs = KserveBinary.Outputs.of(json);
        String id = json.path("id").isTextual() ? json.path("id").textValue() : requestId;
        // the split point is part of the request: the same bytes under another header length are another request
        String what =
                body.framed() ? operation + "\n" + KserveBinary.HEADER_LENGTH + ": " + body.jsonLength() : operation;
        phases.mark("read");
        PaidInference.Answer answer = gateway.inference()
                .run(
                        caller,
                        new RequestId(callId),
                        key(idempotencyKey),
                        fingerprint(what, bytes),
                        resolver,
                        t -> KserveJson.toGrpc(json, body, t.model(), t.version(), id),
                        (model, response) -> KserveJson.render(response, clientName, binaryOutputs),
                        phases);
        return ok(answer, phases);
    }

    /** A paid call's 200: the body and its headers, the cost, and where the gateway's time went ({@code Server-Timing}). */
    static Response ok(PaidInference.Answer answer, Phases phases) {
        Response.ResponseBuilder r = Response.ok(answer.body())
                .header(COST_HEADER, answer.charged().toString())
                .header(SERVER_TIMING, phases.header());
        answer.headers().forEach((name, value) -> {
            if (name.equalsIgnoreCase(PaidInference.Rendered.CONTENT_TYPE)) {
                r.type(value);
            } else {
                r.header(name, value);
            }
        });
        if (answer.replayed()) {
            r.header("Idempotent-Replayed", "true");
        }
        return r.build();
    }

    static byte[] readLimited(InputStream in, long max) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[16384];
            long total = 0;
            for (int n; (n = in.read(buf)) >= 0; ) {
                total += n;
                if (total > max) {
                    throw new ProblemException(
                            413,
                            "payload_too_large",
                            "the request body is over " + max + " bytes; split the inputs over several calls");
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ModelCatalog.Resolved requireTask(ModelCatalog.Resolved r) {
        if (!r.manifest().task().equals(TEXT_EMBEDDING)) {
            throw ProblemException.invalid(r.ref() + " is a '" + r.manifest().task() + "' model; /v1/embeddings serves"
                    + " text-embedding models (call it through /v2/models/"
                    + r.ref().repository() + "/infer)");
        }
        return r;
    }

    static Optional<IdempotencyKey> key(String header) {
        return Optional.ofNullable(header).map(IdempotencyKey::new);
    }

    static byte[] fingerprint(String what, byte[] body) {
        byte[] head = (what + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[head.length + body.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }

    static String name(List<TensorSpec> specs, String fallback) {
        return specs.isEmpty() ? fallback : specs.getFirst().name();
    }

    private static void tensors(ArrayNode out, List<TensorSpec> specs) {
        for (TensorSpec s : specs) {
            ObjectNode o = out.addObject();
            o.put("name", s.name());
            o.put("datatype", s.datatype());
            ArrayNode shape = o.putArray("shape");
            s.shape().forEach(shape::add);
        }
    }
}
