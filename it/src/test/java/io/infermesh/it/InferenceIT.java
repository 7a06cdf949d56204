package io.infermesh.it;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Paid inference end to end: the real MiniLM model published through the gateway, two real workers of a registered
 * pool that register and heartbeat on their own, callers who sign in, get test credit and pay per call.
 *
 * <p>Model A is preloaded on both workers; model B (the same weights at another price, so another manifest) is on
 * none, for the cold start. The binary tensor data extension is checked against the JSON answers of the same model. The
 * test that kills a worker runs last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InferenceIT {
    @RegisterExtension
    static final Platform platform = Platform.with("inference", Map.of());

    static final String MODEL_PRICE = "1000";
    static final String POOL_PRICE = "500";
    static final BigInteger CALL_PRICE = new BigInteger("1500");

    private static String org;
    private static String modelA;
    private static String modelB;
    private static String cidA;
    private static String cidB;
    private static Service worker2;

    @BeforeAll
    static void publishAndStartWorkers() throws IOException {
        org = "demo-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        EthKey owner = EthKey.random();
        Path keys = platform.root().resolve("keys");
        Path ownerKey = Cli.keyFile(keys, owner);
        String ownerApiKey = Accounts.signIn(platform, owner);
        Path models = platform.root().resolve("models");
        modelA = org + "/minilm:latest";
        cidA = Published.publish(
                platform, ownerApiKey, Published.miniLmFolder(models.resolve("a"), MODEL_PRICE), ownerKey, modelA);
        modelB = org + "/minilm-b:latest";
        cidB = Published.publish(
                platform, ownerApiKey, Published.miniLmFolder(models.resolve("b"), "2000"), ownerKey, modelB);

        EthKey pool = EthKey.random();
        Pools.register(platform, pool, EthKey.random(), POOL_PRICE);
        Path poolKey = Cli.keyFile(keys, pool);
        Pools.startWorker(platform, poolKey, "w1", cidA);
        worker2 = Pools.startWorker(platform, poolKey, "w2", cidA);
        Pools.awaitWarm(platform, 2, cidA);
    }

    @Test
    @Order(1)
    void embeddingsAreChargedExactlyTheModelAndPoolPrice() {
        String apiKey = caller("100000");
        Response r = platform.as(apiKey)
                .contentType(ContentType.JSON)
                .body(Map.of("model", modelA, "input", List.of("A man is playing a guitar.", "Someone plays music.")))
                .post("/v1/embeddings");
        r.then()
                .statusCode(200)
                .header(InferenceIT.COST, CALL_PRICE.toString())
                .body("object", equalTo("list"))
                .body("data", hasSize(2))
                .body("data[0].embedding", hasSize(384))
                .body("model", equalTo(modelA))
                .body("usage.prompt_tokens", greaterThan(4));
        List<Float> v = r.jsonPath().getList("data[0].embedding", Float.class);
        double norm = Math.sqrt(v.stream().mapToDouble(x -> x * x).sum());
        assertEquals(1.0, norm, 1e-3, "sentence-transformer embeddings are L2-normalised");
        assertEquals(new BigInteger("100000").subtract(CALL_PRICE), balance(apiKey));
        JsonPath usage = platform.as(apiKey)
                .get("/v1/usage")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertEquals(1, usage.getInt("usage[0].calls"));
        assertEquals(CALL_PRICE.toString(), usage.getString("usage[0].spentWei"));
        assertEquals(org + "/minilm", usage.getString("usage[0].model"));
    }

    @Test
    @Order(2)
    void kserveInferReturnsTensorsAndCosts() {
        String apiKey = caller("100000");
        Map<String, Object> input =
                Map.of("name", "text", "datatype", "BYTES", "shape", List.of(1), "data", List.of("hello world"));
        platform.as(apiKey)
                .contentType(ContentType.JSON)
                .body(Map.of("inputs", List.of(input)))
                .post("/v2/models/" + org + "/minilm/infer")
                .then()
                .statusCode(200)
                .header(COST, CALL_PRICE.toString())
                .body("outputs.find { it.name == 'embedding' }.shape", equalTo(List.of(1, 384)))
                .body("outputs.find { it.name == 'embedding' }.datatype", equalTo("FP32"));
        platform.as(apiKey)
                .contentType(ContentType.JSON)
                .body(Map.of(
                        "inputs",
                        List.of(Map.of("name", "text", "datatype", "FP32", "shape", List.of(1), "data", List.of(1.0)))))
                .post("/v2/models/" + org + "/minilm/infer")
                .then()
                .statusCode(422)
                .header(COST, "0")
                .body("code", equalTo("invalid_tensor"));
        assertEquals(new BigInteger("100000").subtract(CALL_PRICE), balance(apiKey), "the refused call cost nothing");
    }

    @Test
    @Order(3)
    void anAccountWithoutEnoughBalanceIsRefusedAndChargedNothing() {
        String apiKey = caller("1499");
        platform.as(apiKey)
                .contentType(ContentType.JSON)
                .body(Map.of("model", modelA, "input", "too poor"))
                .post("/v1/embeddings")
                .then()
                .statusCode(402)
                .body("code", equalTo("insufficient_balance"))
                .body("balanceWei", equalTo("1499"))
                .body("priceWei", equalTo("1500"))
                .body("error.code", equalTo("insufficient_balance"));
        assertEquals(new BigInteger("1499"), balance(apiKey));
    }

    @Test
    @Order(4)
    void aRetriedCallWithTheSameIdempotencyKeyIsAnsweredOnceAndChargedOnce() {
        String apiKey = caller("100000");
        Map<String, Object> body = Map.of("model", modelA, "input", "charge me once");
        Response first = platform.as(apiKey)
                .contentType(ContentType.JSON)
                .header("Idempotency-Key", "retry-1")
                .body(body)
                .post("/v1/embeddings");
        first.then().statusCode(200);
        Response second = platform.as(apiKey)
                .contentType(ContentType.JSON)
                .header("Idempotency-Key", "retry-1")
                .body(body)
                .post("/v1/embeddings");
        second.then().statusCode(200).header("Idempotent-Replayed", "true");
        assertEquals(first.asString(), second.asString());
        assertEquals(new BigInteger("100000").subtract(CALL_PRICE), balance(apiKey));
        platform.as(apiKey)
                .contentType(ContentType.JSON)
                .header("Idempotency-Key", "retry-1")
                .body(Map.of("model", modelA, "input", "a different request"))
                .post("/v1/embeddings")
                .then()
                .statusCode(422)
                .body("code", equalTo("idempotency_key_reused"));
    }

    @Test
    @Order(5)
    void aModelNoWorkerHoldsIsLoadedOnExactlyOneWorkerByTheFirstCall() {
        String apiKey = caller("100000");
        List<Integer> statuses = new ArrayList<>();
        Response served = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (served == null && System.nanoTime() < deadline) {
            Response r = platform.as(apiKey)
                    .contentType(ContentType.JSON)
                    .body(Map.of("model", modelB, "input", "cold start"))
                    .post("/v1/embeddings");
            statuses.add(r.statusCode());
            if (r.statusCode() == 200) {
                served = r;
            } else {
                r.then().statusCode(503).body("code", equalTo("model_loading"));
                sleep(Duration.ofSeconds(Long.parseLong(r.header("Retry-After"))));
            }
        }
        assertTrue(served != null, "the cold model was never served; statuses " + statuses);
        served.then().header(COST, "2500");
        Pools.awaitWarm(platform, 1, cidB); // the load shows in the registry with the worker's next heartbeat
        sleep(Duration.ofSeconds(3)); // a second load, if one had started, would show by now too
        long holders = Pools.workers(platform).getList("workers.models.manifestCid.flatten()", String.class).stream()
                .filter(cidB::equals)
                .count();
        assertEquals(1, holders, "single-flight: one worker loaded the cold model");
        BigInteger paid = new BigInteger("100000").subtract(balance(apiKey));
        assertEquals(new BigInteger("2500"), paid, "only the served call was charged; statuses " + statuses);
    }

    @Test
    @Order(6)
    void anExactVersionRunsByItsManifestCidAndOnlyAVersionOfThatModel() {
        String apiKey = caller("100000");
        Map<String, Object> body = Map.of(
                "inputs",
                List.of(Map.of("name", "text", "datatype", "BYTES", "shape", List.of(1), "data", List.of("hello"))));
        platform.as(apiKey)
                .contentType(ContentType.JSON)
                .header("Idempotency-Key", "version-1")
                .body(body)
                .post("/v2/models/" + org + "/minilm/versions/" + cidA + "/infer")
                .then()
                .statusCode(200)
                .header(COST, CALL_PRICE.toString())
                .body("model_name", equalTo(org + "/minilm"))
                .body("model_version", equalTo(cidA))
                .body("outputs.find { it.name == 'embedding' }.shape", equalTo(List.of(1, 384)));
        // cidB is a version of minilm-b, not of minilm: it cannot be run under minilm's name and price
        platform.as(apiKey)
                .contentType(ContentType.JSON)
                .body(body)
                .post("/v2/models/" + org + "/minilm/versions/" + cidB + "/infer")
                .then()
                .statusCode(404)
                .header(COST, "0")
                .body("code", equalTo("model_not_found"))
                .body("error", containsString(cidB));
        platform.as(apiKey)
                .contentType(ContentType.JSON)
                .body(body)
                .post("/v2/models/" + org + "/minilm/versions/not-a-cid/infer")
                .then()
                .statusCode(422)
                .body("code", equalTo("invalid_request"));
        // the idempotency fingerprint names the version: the same key on the tag path is another request
        platform.as(apiKey)
                .contentType(ContentType.JSON)
                .header("Idempotency-Key", "version-1")
                .body(body)
                .post("/v2/models/" + org + "/minilm/infer")
                .then()
                .statusCode(422)
                .body("code", equalTo("idempotency_key_reused"));
        assertEquals(new BigInteger("100000").subtract(CALL_PRICE), balance(apiKey), "only the served call cost");
    }

    @Test
    @Order(7)
    void binaryTensorsInAndOutGiveExactlyTheFloatsOfTheJsonCall() {
        String apiKey = caller("100000");
        String path = "/v2/models/" + org + "/minilm/infer";
        String[] sentences = {"A man is playing a guitar.", "Someone plays music."};
        Response json = platform.as(apiKey)
                .contentType(ContentType.JSON)
                .body(Map.of(
                        "inputs",
                        List.of(Map.of(
                                "name", "text", "datatype", "BYTES", "shape", List.of(2), "data", List.of(sentences)))))
                .post(path);
        json.then().statusCode(200).contentType(ContentType.JSON);
        float[] expected = BinaryTensors.read(json).fp32("embedding");
        assertEquals(2 * 384, expected.length);

        byte[] text = BinaryTensors.strings(sentences);
        String header = "{\"inputs\": [{\"name\": \"text\", \"datatype\": \"BYTES\", \"shape\": [2],"
                + " \"parameters\": {\"binary_data_size\": " + text.length + "}}],"
                + " \"outputs\": [{\"name\": \"embedding\", \"parameters\": {\"binary_data\": true}}]}";
        Response binary = platform.as(apiKey)
                .contentType("application/octet-stream")
                .header(BinaryTensors.JSON_LENGTH, BinaryTensors.jsonLength(header))
                .body(BinaryTensors.body(header, text))
                .post(path);
        binary.then()
                .statusCode(200)
                .contentType("application/octet-stream")
                .header(COST, CALL_PRICE.toString())
                .header("X-Request-Id", not(emptyOrNullString()));
        BinaryTensors.Answer answer = BinaryTensors.read(binary);
        assertEquals(Set.of("embedding"), answer.outputs().keySet(), "only the requested output, binary");
        assertEquals("[2,384]", answer.output("embedding").path("shape").toString());
        assertEquals("FP32", answer.output("embedding").path("datatype").asText());
        assertArrayEquals(expected, answer.fp32("embedding"), "the same floats, bit for bit");
        assertEquals(new BigInteger("100000").subtract(CALL_PRICE.multiply(BigInteger.TWO)), balance(apiKey));
    }

    @Test
    @Order(8)
    void aJsonRequestCanAskForEveryOutputAsBinaryAndItsReplayKeepsTheFraming() {
        String apiKey = caller("100000");
        String path = "/v2/models/" + org + "/minilm/infer";
        Map<String, Object> input =
                Map.of("name", "text", "datatype", "BYTES", "shape", List.of(1), "data", List.of("hello world"));
        float[] expected = BinaryTensors.read(platform.as(apiKey)
                        .contentType(ContentType.JSON)
                        .body(Map.of("inputs", List.of(input)))
                        .post(path))
                .fp32("embedding");
        Map<String, Object> body = Map.of("inputs", List.of(input), "parameters", Map.of("binary_data_output", true));
        Response first = platform.as(apiKey)
                .contentType(ContentType.JSON)
                .header("Idempotency-Key", "binary-out-1")
                .body(body)
                .post(path);
        first.then().statusCode(200).contentType("application/octet-stream").header(COST, CALL_PRICE.toString());
        BinaryTensors.Answer answer = BinaryTensors.read(first);
        assertEquals(
                answer.json().path("outputs").size(),
                answer.outputs().size(),
                "binary_data_output makes every output binary: " + answer.json());
        assertArrayEquals(expected, answer.fp32("embedding"));
        Response replay = platform.as(apiKey)
                .contentType(ContentType.JSON)
                .header("Idempotency-Key", "binary-out-1")
                .body(body)
                .post(path);
        replay.then()
                .statusCode(200)
                .header("Idempotent-Replayed", "true")
                .contentType("application/octet-stream")
                .header(BinaryTensors.JSON_LENGTH, first.header(BinaryTensors.JSON_LENGTH));
        assertArrayEquals(first.asByteArray(), replay.asByteArray());
        assertEquals(new BigInteger("100000").subtract(CALL_PRICE.multiply(BigInteger.TWO)), balance(apiKey));
    }

    @Test
    @Order(9)
    void malformedBinaryBodiesAreProblemsAndCostNothing() {
        String apiKey = caller("100000");
        String path = "/v2/models/" + org + "/minilm/infer";
        byte[] text = BinaryTensors.strings("hello");
        String header = "{\"inputs\": [{\"name\": \"text\", \"datatype\": \"BYTES\", \"shape\": [1],"
                + " \"parameters\": {\"binary_data_size\": %d}}]}";
        String ok = header.formatted(text.length);
        byte[] pastTheEnd = BinaryTensors.strings("hello");
        pastTheEnd[0] = 9; // the element says 9 bytes; 5 follow
        String both = "{\"inputs\": [{\"name\": \"text\", \"datatype\": \"BYTES\", \"shape\": [1],"
                + " \"data\": [\"hello\"], \"parameters\": {\"binary_data_size\": " + text.length + "}}]}";
        record Bad(String headerLength, byte[] body, int status, String code, String detail) {}
        for (Bad bad : List.of(
                new Bad("twelve", BinaryTensors.body(ok, text), 400, "invalid_request", "non-negative integer"),
                new Bad("-1", BinaryTensors.body(ok, text), 400, "invalid_request", "non-negative integer"),
                new Bad("100000", BinaryTensors.body(ok, text), 400, "invalid_request", "the body has only"),
                new Bad(
                        Integer.toString(BinaryTensors.jsonLength(header.formatted(text.length + 1))),
                        BinaryTensors.body(header.formatted(text.length + 1), text),
                        400,
                        "invalid_request",
                        "add up to " + (text.length + 1) + " bytes but " + text.length + " bytes follow"),
                new Bad(
                        Integer.toString(BinaryTensors.jsonLength(ok)),
                        BinaryTensors.body(ok, pastTheEnd),
                        422,
                        "invalid_tensor",
                        "element 0 says 9 bytes but only 5 remain"),
                new Bad(
                        Integer.toString(BinaryTensors.jsonLength(both)),
                        BinaryTensors.body(both, text),
                        422,
                        "invalid_tensor",
                        "both \"data\" and binary_data_size"))) {
            platform.as(apiKey)
                    .contentType("application/octet-stream")
                    .header(BinaryTensors.JSON_LENGTH, bad.headerLength())
                    .body(bad.body())
                    .post(path)
                    .then()
                    .statusCode(bad.status())
                    .contentType("application/problem+json")
                    .header(COST, "0")
                    .body("code", equalTo(bad.code()))
                    .body("detail", containsString(bad.detail()))
                    .body("error", containsString(bad.detail()));
        }
        assertEquals(new BigInteger("100000"), balance(apiKey), "no refused call cost anything");
        assertEquals(
                List.of(),
                platform.as(apiKey).get("/v1/usage").then().extract().jsonPath().getList("usage"),
                "no receipt");
        platform.api().get("/v2").then().statusCode(200).body("extensions", equalTo(List.of("binary_tensor_data")));
    }

    @Test
    @Order(10)
    void aGzipOrDeflateBodyIsServedLikeThePlainOneAndAnyOtherEncodingIsRefused() {
        String apiKey = caller("100000");
        byte[] json = ("{\"model\": \"" + modelA + "\", \"input\": \"A man is playing a guitar.\"}")
                .getBytes(StandardCharsets.UTF_8);
        Response plain =
                platform.as(apiKey).contentType(ContentType.JSON).body(json).post("/v1/embeddings");
        plain.then().statusCode(200);
        List<Float> expected = plain.jsonPath().getList("data[0].embedding", Float.class);

        byte[] gzipped = Compressed.gzip(json);
        for (Map.Entry<String, byte[]> encoded :
                Map.of("gzip", gzipped, "deflate", Compressed.deflate(json)).entrySet()) {
            Response r = platform.as(apiKey)
                    .contentType(ContentType.JSON)
                    .header("Content-Encoding", encoded.getKey())
                    .body(encoded.getValue())
                    .post("/v1/embeddings");
            r.then().statusCode(200).header(COST, CALL_PRICE.toString());
            assertEquals(expected, r.jsonPath().getList("data[0].embedding", Float.class), encoded.getKey());
        }
        record Refused(String encoding, byte[] body, int status, String code, String detail) {}
        for (Refused bad : List.of(
                new Refused(
                        "gzip",
                        Arrays.copyOf(gzipped, gzipped.length - 12),
                        400,
                        "invalid_encoding",
                        "not valid gzip data"),
                new Refused("br", gzipped, 415, "unsupported_content_encoding", "\"br\" is not supported"))) {
            platform.as(apiKey)
                    .contentType(ContentType.JSON)
                    .header("Content-Encoding", bad.encoding())
                    .body(bad.body())
                    .post("/v1/embeddings")
                    .then()
                    .statusCode(bad.status())
                    .header(COST, "0")
                    .body("code", equalTo(bad.code()))
                    .body("error.code", equalTo(bad.code()))
                    .body("detail", containsString(bad.detail()));
        }
        assertEquals(new BigInteger("100000").subtract(CALL_PRICE.multiply(BigInteger.valueOf(3))), balance(apiKey));
    }

    @Test
    @Order(11)
    void aWorkerKilledUnderLoadLosesNoCallAndNoReceipt() throws Exception {
        String apiKey = caller("10000000");
        int calls = 40;
        List<Future<Response>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            for (int i = 0; i < calls; i++) {
                int n = i;
                futures.add(pool.submit(() -> platform.as(apiKey)
                        .contentType(ContentType.JSON)
                        .body(Map.of("model", modelA, "input", "call number " + n))
                        .post("/v1/embeddings")));
                if (i == 10) {
                    worker2.kill();
                }
            }
        }
        BigInteger charged = BigInteger.ZERO;
        int ok = 0;
        List<String> failures = new ArrayList<>();
        for (Future<Response> f : futures) {
            Response r = f.get();
            if (r.statusCode() == 200) {
                ok++;
            } else {
                failures.add(r.statusCode() + " " + r.asString());
            }
            charged = charged.add(new BigInteger(r.header(COST)));
        }
        assertEquals(List.of(), failures, "every call succeeds on the surviving worker");
        assertEquals(calls, ok);
        assertEquals(CALL_PRICE.multiply(BigInteger.valueOf(calls)), charged);
        assertEquals(new BigInteger("10000000").subtract(charged), balance(apiKey), "no charge without a receipt");
        JsonPath usage = platform.as(apiKey).get("/v1/usage").then().extract().jsonPath();
        assertEquals(calls, usage.getInt("usage[0].calls"), "one receipt per call, none lost or doubled");
    }

    static final String COST = "Infermesh-Cost-Wei";

    private static String caller(String credit) {
        String apiKey = Accounts.signIn(platform, EthKey.random());
        Accounts.fund(platform, apiKey, credit);
        return apiKey;
    }

    private static BigInteger balance(String apiKey) {
        return new BigInteger(Accounts.balance(platform, apiKey));
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
