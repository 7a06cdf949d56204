package io.infermesh.store.cli.gateway;

import static io.infermesh.store.cli.gateway.AnswerFields.array;
import static io.infermesh.store.cli.gateway.AnswerFields.integer;
import static io.infermesh.store.cli.gateway.AnswerFields.object;
import static io.infermesh.store.cli.gateway.AnswerFields.optionalText;
import static io.infermesh.store.cli.gateway.AnswerFields.parse;
import static io.infermesh.store.cli.gateway.AnswerFields.text;
import static io.infermesh.store.cli.gateway.AnswerFields.time;
import static io.infermesh.store.cli.gateway.GatewayTransport.CALL_TIMEOUT;
import static io.infermesh.store.cli.gateway.GatewayTransport.JSON;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.infermesh.store.ModelRef;
import io.infermesh.store.ModelStoreException;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Manifest;
import io.infermesh.store.manifest.ManifestSignature;
import io.infermesh.store.manifest.Wei;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.StringJoiner;

/**
 * The gateway's REST contract ({@code openapi/infermesh.yaml}) as Java calls returning our own values. Error answers
 * are {@link GatewayProblemException}, no answer {@link GatewayUnreachableException}, an answer outside the contract
 * {@link GatewayProtocolException}.
 *
 * <p>The API key, if any, goes only to this gateway: redirects are never followed automatically, and {@link #openBlob}
 * follows the gateway's 307 to the presigned store URL with a request that carries no credentials (the URL's own
 * signature authorizes it, and S3 refuses a request with two). Uploads stream from their file. Nothing is retried;
 * a command that failed can simply run again (uploads and tag moves are idempotent).
 *
 * <p>Thread-safe; close it to release the HTTP client.
 */
public final class GatewayClient implements AutoCloseable {
    /** The most CIDs one {@code /v1/blobs/missing} call carries (the contract's limit). */
    static final int MAX_MISSING_BATCH = 10_000;

    private static final Duration INFERENCE_TIMEOUT = Duration.ofMinutes(5);
    // An upload may take a minute plus a second per MiB: slow links finish, a stalled one does not hang forever.
    private static final long UPLOAD_BYTES_PER_SECOND = 1024 * 1024;

    private final GatewayTransport transport;

    private GatewayClient(GatewayTransport transport) {
        this.transport = transport;
    }

    /** A client for the calls that need no API key (sign-in, pool registration). */
    public static GatewayClient anonymous(GatewayEndpoint endpoint) {
        return new GatewayClient(new GatewayTransport(endpoint, Optional.empty()));
    }

    /** A client that sends {@code key} with every call to {@code endpoint} (and nowhere else). */
    public static GatewayClient withApiKey(GatewayEndpoint endpoint, ApiKey key) {
        return new GatewayClient(new GatewayTransport(endpoint, Optional.of(key)));
    }

    public GatewayEndpoint endpoint() {
        return transport.endpoint();
    }

    // ---- accounts

    /** {@code POST /v1/auth/challenge}: the sign-in message for {@code address}. */
    public SignInChallenge challenge(EthAddress address) {
        ObjectNode body = JSON.createObjectNode().put("address", address.value());
        JsonNode n = transport.json(transport.post("/v1/auth/challenge", body, CALL_TIMEOUT), 200);
        return parse(
                "sign-in challenge",
                n,
                x -> new SignInChallenge(text(x, "message"), text(x, "nonce"), time(x, "expiresAt")));
    }

    /** {@code POST /v1/auth/verify}: exchanges a signed challenge for a new API key. */
    public IssuedApiKey verify(String message, ManifestSignature signature, Optional<String> label) {
        ObjectNode body = JSON.createObjectNode().put("message", message).put("signature", signature.toHex());
        label.ifPresent(l -> body.put("label", l));
        JsonNode n = transport.json(transport.post("/v1/auth/verify", body, CALL_TIMEOUT), 201, 200);
        return parse(
                "sign-in",
                n,
                x -> new IssuedApiKey(
                        text(x, "id"),
                        new ApiKey(text(x, "key")),
                        EthAddress.of(text(x, "account")),
                        optionalText(x, "label"),
                        time(x, "createdAt")));
    }

    /** {@code GET /v1/account}: the calling account and its balance. */
    public AccountBalance account() {
        return accountOf("account", transport.json(transport.get("/v1/account"), 200));
    }

    /**
     * {@code POST /v1/faucet}: credits test balance on gateways that enable it (others answer 404); each
     * {@code idempotencyKey} credits at most once.
     */
    public AccountBalance faucet(Wei amount, String idempotencyKey) {
        ObjectNode body = JSON.createObjectNode().put("amountWei", amount.toString());
        HttpRequest request = transport
                .request("/v1/faucet", CALL_TIMEOUT)
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", idempotencyKey)
                .POST(GatewayTransport.jsonBody(body))
                .build();
        return accountOf("faucet", transport.json(request, 200));
    }

    /** {@code GET /v1/keys}: the account's API keys, newest first, without their secrets. */
    public List<ApiKeyEntry> keys() {
        JsonNode n = transport.json(transport.get("/v1/keys"), 200);
        return parse("key list", n, x -> {
            List<ApiKeyEntry> keys = new ArrayList<>();
            for (JsonNode k : array(x, "keys")) {
                keys.add(new ApiKeyEntry(
                        text(k, "id"), text(k, "last4"), optionalText(k, "label"), time(k, "createdAt")));
            }
            return keys;
        });
    }

    /** {@code DELETE /v1/keys/{keyId}}. */
    public void revokeKey(String keyId) {
        HttpRequest request = transport
                .request("/v1/keys/" + Credentials.requireKeyId(keyId), CALL_TIMEOUT)
                .DELETE()
                .build();
        GatewayTransport.discard(transport.exchange(request, 204, 200));
    }

    // ---- models

    /** {@code POST /v1/blobs/missing}: which of {@code cids} the store lacks, in the order asked. */
    public List<Cid> missingBlobs(List<Cid> cids) {
        List<Cid> missing = new ArrayList<>();
        for (int from = 0; from < cids.size(); from += MAX_MISSING_BATCH) {
            List<Cid> batch = cids.subList(from, Math.min(cids.size(), from + MAX_MISSING_BATCH));
            ObjectNode body = JSON.createObjectNode();
            ArrayNode array = body.putArray("cids");
            batch.forEach(c -> array.add(c.toString()));
            JsonNode n = transport.json(transport.post("/v1/blobs/missing", body, CALL_TIMEOUT), 200);
            Set<Cid> asked = new HashSet<>(batch);
            missing.addAll(parse("missing blobs", n, x -> {
                List<Cid> found = new ArrayList<>();
                for (JsonNode c : array(x, "missing")) {
                    Cid cid = Cid.parse(c.asText());
                    if (!asked.contains(cid)) {
                        throw new IllegalArgumentException("it lists " + cid + ", which was not asked about");
                    }
                    found.add(cid);
                }
                return found;
            }));
        }
        return missing;
    }

    /** {@code PUT /v1/blobs/{cid}}, the body streamed from {@code file}. */
    public BlobUpload putBlob(Cid cid, Path file) throws IOException {
        return putBlob(cid, BodyPublishers.ofFile(file), Files.size(file));
    }

    /** {@code PUT /v1/blobs/{cid}} with {@code bytes} (a manifest, which is small by definition). */
    public BlobUpload putBlob(Cid cid, byte[] bytes) {
        return putBlob(cid, BodyPublishers.ofByteArray(bytes), bytes.length);
    }

    private BlobUpload putBlob(Cid cid, BodyPublisher body, long sizeBytes) {
        Duration timeout = CALL_TIMEOUT.plusSeconds(sizeBytes / UPLOAD_BYTES_PER_SECOND);
        HttpRequest request = transport
                .request("/v1/blobs/" + cid, timeout)
                .header("Content-Type", "application/octet-stream")
                .PUT(body)
                .build();
        HttpResponse<InputStream> response = transport.exchange(request, 201, 200);
        JsonNode n = GatewayTransport.readJson(response);
        return parse("blob upload", n, x -> {
            Cid stored = Cid.parse(text(x, "cid"));
            if (!stored.equals(cid)) {
                throw new IllegalArgumentException("it stored " + stored + " instead of " + cid);
            }
            return new BlobUpload(stored, integer(x, "sizeBytes"), response.statusCode() == 200);
        });
    }

    /**
     * {@code GET /v1/blobs/{cid}}: a stream of the blob's bytes, from wherever the gateway redirects. Not verified
     * here: read it through a {@link io.infermesh.store.unixfs.VerifyingInputStream} (as {@link ModelCheckout} does).
     */
    public InputStream openBlob(Cid cid) {
        HttpRequest request =
                transport.request("/v1/blobs/" + cid, CALL_TIMEOUT).GET().build();
        HttpResponse<InputStream> response = transport.exchange(request, 200, 301, 302, 303, 307, 308);
        return transport.followWithoutCredentials(response, "blob " + cid);
    }

    /** {@code PUT /v1/models/{org}/{name}/tags/{tag}}: points the tag at a signed manifest. */
    public PublishedTag putTag(ModelRef ref, Cid manifestCid, ManifestSignature signature) {
        ObjectNode body = JSON.createObjectNode()
                .put("manifestCid", manifestCid.toString())
                .put("signature", signature.toHex());
        HttpRequest request = transport
                .request(tagPath(ref), CALL_TIMEOUT)
                .header("Content-Type", "application/json")
                .PUT(GatewayTransport.jsonBody(body))
                .build();
        JsonNode n = transport.json(request, 200, 201);
        return parse(
                "tag",
                n,
                x -> new PublishedTag(
                        ModelRef.parse(text(x, "ref")), Cid.parse(text(x, "manifestCid")), time(x, "at")));
    }

    /**
     * {@code GET /v1/models/{org}/{name}/tags/{tag}}: the tag and its manifest, checked against the manifest CID;
     * empty when the gateway has no such model or tag.
     */
    public Optional<TagManifest> tag(ModelRef ref) {
        JsonNode n;
        try {
            n = transport.json(transport.get(tagPath(ref)), 200);
        } catch (GatewayProblemException e) {
            Problem p = e.problem();
            if (p.status() == 404 && (p.code().equals("not_found") || p.code().equals("model_not_found"))) {
                return Optional.empty();
            }
            throw e;
        }
        return Optional.of(parse(
                "tag",
                n,
                x -> new TagManifest(
                        ModelRef.parse(text(x, "ref")),
                        Cid.parse(text(x, "manifestCid")),
                        Manifest.parse(JSON.writeValueAsBytes(object(x, "manifest"))))));
    }

    /** {@code GET /v1/models}: published models matching every filter given, sorted by name. */
    public List<PublishedModel> models(Optional<String> query, Optional<EthAddress> owner, Optional<String> task) {
        StringJoiner params = new StringJoiner("&", "?", "").setEmptyValue("");
        query.ifPresent(q -> params.add("q=" + encode(q)));
        owner.ifPresent(o -> params.add("owner=" + encode(o.value())));
        task.ifPresent(t -> params.add("task=" + encode(t)));
        JsonNode n = transport.json(transport.get("/v1/models" + params), 200);
        return parse("model list", n, x -> {
            List<PublishedModel> models = new ArrayList<>();
            for (JsonNode m : array(x, "data")) {
                models.add(new PublishedModel(
                        text(m, "name"),
                        text(m, "tag"),
                        Cid.parse(text(m, "manifestCid")),
                        EthAddress.of(text(m, "owner")),
                        text(m, "task"),
                        text(m, "framework"),
                        Wei.parse(text(m, "pricePerRequestWei")),
                        m.path("totalBytes").canConvertToLong()
                                ? OptionalLong.of(m.get("totalBytes").longValue())
                                : OptionalLong.empty()));
            }
            return models;
        });
    }

    // ---- inference

    /** {@code POST /v1/embeddings} (OpenAI-compatible): one embedding per input, in order. */
    public InferenceResult embeddings(ModelRef model, List<String> inputs) {
        ObjectNode body = JSON.createObjectNode().put("model", model.toString());
        ArrayNode input = body.putArray("input");
        inputs.forEach(input::add);
        return inference(transport.post("/v1/embeddings", body, INFERENCE_TIMEOUT));
    }

    /** {@code POST /v2/models/{org}/{name:tag}/infer} (KServe v2), the request document streamed from a file. */
    public InferenceResult kserveInfer(ModelRef model, Path requestJson) throws IOException {
        HttpRequest request = transport
                .request(
                        "/v2/models/" + model.org() + "/" + model.model() + ":" + model.tag() + "/infer",
                        INFERENCE_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofFile(requestJson))
                .build();
        return inference(request);
    }

    private InferenceResult inference(HttpRequest request) {
        HttpResponse<InputStream> response = transport.exchange(request, 200);
        JsonNode body = GatewayTransport.readJson(response);
        Optional<Wei> cost = response.headers().firstValue("Infermesh-Cost-Wei").map(c -> {
            try {
                return Wei.parse(c.strip());
            } catch (ModelStoreException e) {
                throw new GatewayProtocolException(
                        "the gateway's Infermesh-Cost-Wei header is not an amount of wei: " + e.getMessage());
            }
        });
        return new InferenceResult(body, cost, response.headers().firstValue("X-Request-Id"));
    }

    // ---- pools

    /** {@code POST /v1/pools} with a signed pool registration. */
    public RegisteredPool registerPool(SignedEnvelope envelope) {
        ObjectNode body = JSON.createObjectNode()
                .put("payload", envelope.payload())
                .put("signature", envelope.signature().toHex());
        JsonNode n = transport.json(transport.post("/v1/pools", body, CALL_TIMEOUT), 200, 201);
        return parse("pool registration", n, x -> {
            Map<String, Wei> prices = new LinkedHashMap<>();
            JsonNode p = object(x, "prices");
            for (var e : p.properties()) {
                prices.put(e.getKey(), Wei.parse(text(p, e.getKey())));
            }
            return new RegisteredPool(
                    EthAddress.of(text(x, "address")), EthAddress.of(text(x, "payoutAddress")), prices);
        });
    }

    @Override
    public void close() {
        transport.close();
    }

    private static AccountBalance accountOf(String what, JsonNode n) {
        return parse(
                what,
                n,
                x -> new AccountBalance(
                        EthAddress.of(text(x, "address")),
                        Wei.parse(text(x, "balanceWei")),
                        optionalText(x, "reservedWei").map(Wei::parse)));
    }

    private static String tagPath(ModelRef ref) {
        return "/v1/models/" + ref.org() + "/" + ref.model() + "/tags/" + ref.tag();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
