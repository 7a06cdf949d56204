package io.infermesh.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.http.ContentType;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code /v1/embeddings} through the official OpenAI Node client ({@code npm openai}, pinned by
 * {@code it/src/test/node/openai-client/package-lock.json} and installed by {@code deploy/openai-client.sh install}),
 * against the real gateway, a real worker and the real MiniLM model. The client's defaults (it asks for base64 and
 * decodes the vectors itself), {@code encoding_format} float and base64, and its {@code APIError} on refusals.
 */
class OpenAiClientIT {
    @RegisterExtension
    static final Platform platform = Platform.with("openai-client", Map.of());

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SENTENCE = "A man is playing a guitar.";
    private static final BigInteger CALL_PRICE = new BigInteger("1500");
    private static final BigInteger CREDIT = new BigInteger("100000");

    private static String model;
    private static String apiKey;
    private static JsonNode client;
    private static EthKey owner;
    private static Instant publishedAt;

    @BeforeAll
    static void publishStartAWorkerAndRunTheClient() throws IOException, InterruptedException {
        String org = "oai-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        owner = EthKey.random();
        publishedAt = Instant.now();
        Path keys = platform.root().resolve("keys");
        model = org + "/minilm:latest";
        String cid = Published.publish(
                platform,
                Accounts.signIn(platform, owner),
                Published.miniLmFolder(platform.root().resolve("models/minilm"), "1000"),
                Cli.keyFile(keys, owner),
                model);
        EthKey pool = EthKey.random();
        Pools.register(platform, pool, EthKey.random(), "500");
        Pools.startWorker(platform, Cli.keyFile(keys, pool), "w1", cid);
        awaitWarm(cid);
        apiKey = Accounts.signIn(platform, EthKey.random());
        Accounts.fund(platform, apiKey, CREDIT.toString());
        client = runClient();
    }

    @Test
    void aStringInputComesBackAsOneUnitNormVectorDecodedByTheClient() {
        JsonNode r = client.path("string");
        assertEquals("list", r.path("object").asText());
        assertEquals(model, r.path("model").asText());
        assertEquals(1, r.path("data").size());
        assertEquals("embedding", r.path("data").get(0).path("object").asText());
        assertEquals(0, r.path("data").get(0).path("index").asInt());
        float[] v = floats(r.path("data").get(0).path("embedding"));
        assertEquals(384, v.length);
        assertEquals(1.0, norm(v), 1e-3, "sentence-transformer embeddings are L2-normalised");
        assertTrue(r.path("usage").path("prompt_tokens").asInt() > 0, r.toString());
        assertEquals(
                r.path("usage").path("prompt_tokens").asInt(),
                r.path("usage").path("total_tokens").asInt());
    }

    @Test
    void anArrayInputComesBackInOrder() {
        JsonNode r = client.path("array");
        assertEquals(2, r.path("data").size());
        for (int i = 0; i < 2; i++) {
            assertEquals(i, r.path("data").get(i).path("index").asInt());
            float[] v = floats(r.path("data").get(i).path("embedding"));
            assertEquals(384, v.length);
            assertEquals(1.0, norm(v), 1e-3);
        }
        float[] first = floats(r.path("data").get(0).path("embedding"));
        assertClose(floats(client.path("string").path("data").get(0).path("embedding")), first);
        assertTrue(
                cosine(first, floats(r.path("data").get(1).path("embedding"))) < 0.99,
                "two different sentences get two different vectors");
        assertTrue(
                r.path("usage").path("prompt_tokens").asInt()
                        > client.path("string")
                                .path("usage")
                                .path("prompt_tokens")
                                .asInt(),
                "two inputs count more tokens than one of them");
    }

    @Test
    void everyEncodingGivesTheVectorOurOwnRestCallGives() {
        List<Float> rest = platform.as(apiKey)
                .contentType(ContentType.JSON)
                .body(Map.of("model", model, "input", SENTENCE))
                .post("/v1/embeddings")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("data[0].embedding", Float.class);
        float[] expected = new float[rest.size()];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = rest.get(i);
        }
        assertEquals(384, expected.length);
        assertClose(expected, floats(client.path("float").path("data").get(0).path("embedding")));
        assertClose(expected, floats(client.path("string").path("data").get(0).path("embedding")));
        JsonNode raw = client.path("base64").path("data").get(0).path("embedding");
        assertTrue(raw.isTextual(), "with encoding_format base64 the client hands back the string: " + raw);
        ByteBuffer bytes =
                ByteBuffer.wrap(Base64.getDecoder().decode(raw.textValue())).order(ByteOrder.LITTLE_ENDIAN);
        float[] decoded = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(decoded);
        assertClose(expected, decoded);
    }

    @Test
    void anUnknownModelIsAnApiErrorWithOurStatusCodeAndMessage() {
        JsonNode e = client.path("unknownModel");
        assertTrue(e.path("thrown").asBoolean(), e.toString());
        assertTrue(e.path("isApiError").asBoolean(), e.toString());
        assertEquals("NotFoundError", e.path("className").asText());
        assertEquals(404, e.path("status").asInt());
        assertEquals("model_not_found", e.path("code").asText());
        assertEquals("invalid_request_error", e.path("type").asText());
        assertFalse(e.path("errorMessage").asText().isBlank(), e.toString());
        assertTrue(e.path("message").asText().contains(e.path("errorMessage").asText()), e.toString());
        assertFalse(e.path("requestId").asText().isBlank(), "the client reads X-Request-Id: " + e);
    }

    @Test
    void aBadKeyIsAnAuthenticationError() {
        JsonNode e = client.path("badKey");
        assertTrue(e.path("isApiError").asBoolean(), e.toString());
        assertEquals("AuthenticationError", e.path("className").asText());
        assertEquals(401, e.path("status").asInt());
        assertEquals("unauthenticated", e.path("code").asText());
        assertFalse(e.path("errorMessage").asText().isBlank(), e.toString());
    }

    @Test
    void theClientListsAndRetrievesThePublishedModel() {
        JsonNode listed = null;
        for (JsonNode m : client.path("models")) {
            if (m.path("id").asText().equals(model)) {
                listed = m;
            }
        }
        assertTrue(listed != null, "models.list() holds " + model + ": " + client.path("models"));
        assertEquals("model", listed.path("object").asText());
        assertEquals(owner.address(), listed.path("owned_by").asText().toLowerCase(Locale.ROOT));
        long created = listed.path("created").asLong();
        assertTrue(Math.abs(created - publishedAt.getEpochSecond()) < 600, "created " + created + " is Unix seconds");
        assertEquals(listed, client.path("retrieved"), "retrieve(id) gives the listed model");
        JsonNode e = client.path("unknownRetrieve");
        assertTrue(e.path("isApiError").asBoolean(), e.toString());
        assertEquals(404, e.path("status").asInt());
        assertEquals("model_not_found", e.path("code").asText());
    }

    @Test
    void theClientsFourCallsWereChargedAndTheRefusalsWereNot() {
        // 4 served client calls, plus the REST call of the encoding test when it ran first
        BigInteger spent = CREDIT.subtract(new BigInteger(Accounts.balance(platform, apiKey)));
        assertTrue(
                spent.equals(CALL_PRICE.multiply(BigInteger.valueOf(4)))
                        || spent.equals(CALL_PRICE.multiply(BigInteger.valueOf(5))),
                "spent " + spent);
    }

    /** Runs {@code node embeddings.mjs} once against the platform's gateway; its stdout is one JSON object. */
    private static JsonNode runClient() throws IOException, InterruptedException {
        Path dir = Path.of(
                run(Service.deployDir().toString(), "openai-client.sh", "dir").strip());
        run(Service.deployDir().toString(), "openai-client.sh", "install");
        Path out = Files.createTempFile(platform.root(), "openai-client", ".json");
        Path err = Files.createTempFile(platform.root(), "openai-client", ".err");
        ProcessBuilder b = new ProcessBuilder("node", "embeddings.mjs")
                .directory(dir.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        b.environment().put("INFERMESH_GATEWAY", platform.url());
        b.environment().put("INFERMESH_API_KEY", apiKey);
        b.environment().put("INFERMESH_MODEL", model);
        Process p = b.start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("node embeddings.mjs did not finish in 180 s; stderr: " + Files.readString(err));
        }
        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new AssertionError("node embeddings.mjs exited " + p.exitValue() + "\nstdout: " + stdout
                    + "\nstderr: " + Files.readString(err, StandardCharsets.UTF_8));
        }
        JsonNode result = JSON.readTree(stdout);
        assertTrue(result.path("client").asText().startsWith("6."), "the pinned client ran: " + result.path("client"));
        return result;
    }

    private static String run(String deployDir, String script, String command)
            throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", Path.of(deployDir, script).toString(), command)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new AssertionError(script + " " + command + " failed");
        }
        return out;
    }

    private static void awaitWarm(String manifest) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            List<String> warm = platform.api()
                    .get("/v1/workers")
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath()
                    .getList("workers.models.manifestCid.flatten()", String.class);
            if (warm.contains(manifest)) {
                Thread.sleep(Duration.ofSeconds(2)); // one registry refresh on the gateway
                return;
            }
            Thread.sleep(Duration.ofMillis(500));
        }
        throw new AssertionError("the worker never reported " + manifest + " warm");
    }

    private static float[] floats(JsonNode array) {
        assertTrue(array.isArray(), "an embedding as numbers: " + array);
        float[] v = new float[array.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) array.get(i).asDouble();
        }
        return v;
    }

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
        }
        return dot / (norm(a) * norm(b));
    }

    /** The same vector up to float noise (a batch of two pads the shorter sentence). */
    private static void assertClose(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        float[] rounded = new float[actual.length];
        for (int i = 0; i < actual.length; i++) {
            rounded[i] = Math.abs(actual[i] - expected[i]) < 1e-5f ? expected[i] : actual[i];
        }
        assertArrayEquals(expected, rounded);
    }
}
