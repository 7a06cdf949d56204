package io.infermesh.it;

import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Publishing through the gateway: blobs verified by CID while they stream into the real S3 server, signed manifests,
 * org ownership, listing. Models are packed and signed by the real CLI ({@code deploy/infermesh model pack / sign}),
 * as a creator would, and uploaded over the REST API.
 */
class ModelsIT {
    @RegisterExtension
    static final Platform platform = Platform.with("models", Map.of());

    private static final ObjectMapper JSON = new ObjectMapper();
    private static EthKey owner;
    private static Path ownerKey;
    private static String apiKey;

    @BeforeAll
    static void signIn() throws IOException {
        owner = EthKey.random();
        ownerKey = Cli.keyFile(platform.root().resolve("keys"), owner);
        apiKey = Accounts.signIn(platform, owner);
    }

    @Test
    void publishesAModelWhoseBlobsStreamInVerified() throws IOException {
        Packed m = pack("tiny", ownerKey, 1);
        List<String> all = new ArrayList<>(m.fileCids());
        all.add(m.cid());
        platform.as(apiKey)
                .contentType(ContentType.JSON)
                .body(Map.of("cids", all))
                .post("/v1/blobs/missing")
                .then()
                .statusCode(200)
                .body("missing", equalTo(all));
        upload(m);
        platform.as(apiKey)
                .contentType(ContentType.JSON)
                .body(Map.of("cids", all))
                .post("/v1/blobs/missing")
                .then()
                .body("missing", empty());
        // The same bytes again: already stored, 200.
        platform.as(apiKey)
                .contentType("application/octet-stream")
                .body(Files.readAllBytes(m.dir().resolve("model.onnx")))
                .put("/v1/blobs/" + m.cidOf("model.onnx"))
                .then()
                .statusCode(200);

        publish("acme-" + suffix(), "tiny", "v1", m, ownerKey)
                .then()
                .statusCode(200)
                .body("manifestCid", equalTo(m.cid()));
    }

    @Test
    void listsAndDescribesPublishedModelsWithPriceAndOwner() throws IOException {
        String org = "lister-" + suffix();
        Packed v1 = pack("listed", ownerKey, 2);
        upload(v1);
        publish(org, "listed", "latest", v1, ownerKey).then().statusCode(200);
        Packed v2 = pack("listed", ownerKey, 3);
        upload(v2);
        publish(org, "listed", "latest", v2, ownerKey).then().statusCode(200);

        platform.as(apiKey)
                .queryParam("q", org)
                .get("/v1/models")
                .then()
                .statusCode(200)
                .body("object", equalTo("list"))
                .body("has_more", equalTo(false))
                .body("data", hasSize(1))
                .body("data[0].id", equalTo(org + "/listed:latest"))
                .body("data[0].object", equalTo("model"))
                .body("data[0].owned_by.toLowerCase()", equalTo(owner.address()))
                .body("data[0].name", equalTo(org + "/listed"))
                .body("data[0].manifestCid", equalTo(v2.cid()))
                .body("data[0].pricePerRequestWei", equalTo("1000"))
                .body("data[0].owner.toLowerCase()", equalTo(owner.address()));
        platform.as(apiKey)
                .get("/v1/models/" + org + "/listed/tags/latest/history")
                .then()
                .statusCode(200)
                .body("history.manifestCid", contains(v1.cid(), v2.cid()));
        platform.as(apiKey)
                .get("/v1/models/" + org + "/listed/tags/latest")
                .then()
                .statusCode(200)
                .body("manifest.task", equalTo("raw-tensors"));
        platform.as(apiKey)
                .get("/v1/models/" + org + "/listed")
                .then()
                .statusCode(200)
                .body("tags.ref", hasItem(org + "/listed:latest"));
        platform.as(apiKey)
                .urlEncodingEnabled(false)
                .get("/v1/models/" + org + "%2Flisted:latest")
                .then()
                .statusCode(200)
                .body("id", equalTo(org + "/listed:latest"))
                .body("object", equalTo("model"))
                .body("manifestCid", equalTo(v2.cid()));
        platform.as(apiKey)
                .get("/v1/models/" + org + "/listed:v9")
                .then()
                .statusCode(404)
                .body("code", equalTo("model_not_found"))
                .body("detail", containsString("its tags: latest"));
        platform.as(apiKey)
                .get("/v1/models/" + org + "/never-published")
                .then()
                .statusCode(404)
                .body("code", equalTo("model_not_found"));
    }

    @Test
    void pagesThroughModelsByNameWithAfterAndLimit() throws IOException {
        String org = "pager-" + suffix();
        Packed m = pack("paged", ownerKey, 12);
        upload(m);
        for (String name : List.of("c", "a", "b")) {
            publish(org, name, "latest", m, ownerKey).then().statusCode(200);
        }
        ValidatableResponse first = platform.as(apiKey)
                .queryParam("q", org)
                .queryParam("limit", 2)
                .get("/v1/models")
                .then()
                .statusCode(200)
                .body("data.id", contains(org + "/a:latest", org + "/b:latest"))
                .body("has_more", equalTo(true));
        String last = first.extract().path("data[1].id");
        platform.as(apiKey)
                .queryParam("q", org)
                .queryParam("limit", 2)
                .queryParam("after", last)
                .get("/v1/models")
                .then()
                .statusCode(200)
                .body("data.id", contains(org + "/c:latest"))
                .body("has_more", equalTo(false));
        platform.as(apiKey)
                .queryParam("q", org)
                .queryParam("after", org + "/a")
                .get("/v1/models")
                .then()
                .statusCode(200)
                .body("data.name", contains(org + "/b", org + "/c"));
        for (String bad : List.of("0", "1001", "two")) {
            platform.as(apiKey)
                    .queryParam("limit", bad)
                    .get("/v1/models")
                    .then()
                    .statusCode(422)
                    .body("code", equalTo("invalid_request"))
                    .body("detail", containsString("\"limit\""));
        }
    }

    @Test
    void refusesBytesThatDoNotHashToTheirCidAndKeepsNothing() throws IOException {
        Packed m = pack("mismatch", ownerKey, 4);
        String cid = m.cidOf("model.onnx");
        platform.as(apiKey)
                .contentType("application/octet-stream")
                .body("not the model".getBytes())
                .put("/v1/blobs/" + cid)
                .then()
                .statusCode(422)
                .body("code", equalTo("cid_mismatch"));
        platform.as(apiKey)
                .contentType(ContentType.JSON)
                .body(Map.of("cids", List.of(cid)))
                .post("/v1/blobs/missing")
                .then()
                .body("missing", contains(cid));
        platform.as(apiKey).get("/v1/blobs/" + cid).then().statusCode(404);
    }

    @Test
    void aGzippedUploadIsVerifiedAndStoredAsItsDecompressedBytes() throws IOException {
        Packed m = pack("gzipped", ownerKey, 11);
        String cid = m.cidOf("model.onnx");
        byte[] weights = Files.readAllBytes(m.dir().resolve("model.onnx"));
        byte[] gzipped = Compressed.gzip(weights);
        platform.as(apiKey)
                .contentType("application/octet-stream")
                .header("Content-Encoding", "zstd")
                .body(gzipped)
                .put("/v1/blobs/" + cid)
                .then()
                .statusCode(415)
                .body("code", equalTo("unsupported_content_encoding"));
        platform.as(apiKey)
                .contentType("application/octet-stream")
                .header("Content-Encoding", "gzip")
                .body(gzipped)
                .put("/v1/blobs/" + cid)
                .then()
                .statusCode(201)
                .body("cid", equalTo(cid))
                .body("sizeBytes", equalTo(weights.length));
        platform.as(apiKey)
                .contentType(ContentType.JSON)
                .body(Map.of("cids", List.of(cid)))
                .post("/v1/blobs/missing")
                .then()
                .body("missing", empty());
    }

    @Test
    void downloadsABlobThroughAShortLivedRedirect() throws IOException {
        Packed m = pack("download", ownerKey, 5);
        upload(m);
        String location = platform.as(apiKey)
                .get("/v1/blobs/" + m.cidOf("model.onnx"))
                .then()
                .statusCode(307)
                .extract()
                .header("Location");
        byte[] bytes = RestAssured.given()
                .urlEncodingEnabled(false)
                .get(location)
                .then()
                .statusCode(200)
                .extract()
                .asByteArray();
        assertArrayEquals(Files.readAllBytes(m.dir().resolve("model.onnx")), bytes);
    }

    @Test
    void theFirstPublisherOwnsTheOrg() throws IOException {
        String org = "owned-" + suffix();
        Packed mine = pack("first", ownerKey, 6);
        upload(mine);
        publish(org, "first", "v1", mine, ownerKey).then().statusCode(200);

        EthKey other = EthKey.random();
        Path otherKey = Cli.keyFile(platform.root().resolve("keys"), other);
        String otherApiKey = Accounts.signIn(platform, other);
        Packed theirs = pack("second", otherKey, 7);
        upload(theirs);
        publish(org, "second", "v1", theirs, otherKey, otherApiKey)
                .then()
                .statusCode(403)
                .body("code", equalTo("namespace_owned"));
    }

    @Test
    void anOwnersPublicSignatureMovesNoTagForAnotherAccount() throws IOException {
        String org = "replayed-" + suffix();
        Packed v1 = pack("model", ownerKey, 9);
        Packed v2 = pack("model", ownerKey, 10);
        upload(v1);
        upload(v2);
        publish(org, "model", "latest", v1, ownerKey).then().statusCode(200);
        publish(org, "model", "latest", v2, ownerKey).then().statusCode(200);
        String v1Signature = signature(v1, ownerKey);

        // Another account replays the owner's v1 signature to roll the tag back: refused, the tag stays on v2.
        String intruderApiKey = Accounts.signIn(platform, EthKey.random());
        platform.as(intruderApiKey)
                .contentType(ContentType.JSON)
                .body(Map.of("manifestCid", v1.cid(), "signature", v1Signature))
                .put("/v1/models/" + org + "/model/tags/latest")
                .then()
                .statusCode(403)
                .body("code", equalTo("not_manifest_owner"))
                .body("detail.toLowerCase()", containsString(owner.address()));
        platform.as(apiKey)
                .get("/v1/models/" + org + "/model/tags/latest")
                .then()
                .statusCode(200)
                .body("manifestCid", equalTo(v2.cid()));
    }

    @Test
    void refusesAManifestWhoseFilesAreMissingOrWhoseSignatureIsNotTheOwners() throws IOException {
        String org = "checks-" + suffix();
        Packed m = pack("checked", ownerKey, 8);
        platform.as(apiKey)
                .contentType("application/octet-stream")
                .body(Files.readAllBytes(m.manifest()))
                .put("/v1/blobs/" + m.cid())
                .then()
                .statusCode(201);
        publish(org, "checked", "v1", m, ownerKey)
                .then()
                .statusCode(422)
                .body("code", equalTo("missing_blobs"))
                .body("missing", equalTo(m.fileCids()));
        uploadFiles(m);
        EthKey stranger = EthKey.random();
        platform.as(apiKey)
                .contentType(ContentType.JSON)
                .body(Map.of("manifestCid", m.cid(), "signature", stranger.personalSign(m.cid())))
                .put("/v1/models/" + org + "/checked/tags/v1")
                .then()
                .statusCode(422)
                .body("code", equalTo("invalid_signature"));
    }

    private io.restassured.response.Response publish(String org, String name, String tag, Packed m, Path key) {
        return publish(org, name, tag, m, key, apiKey);
    }

    /** Signs {@code m} with {@code key} (the CLI) and publishes it as the account of {@code callerApiKey}. */
    private io.restassured.response.Response publish(
            String org, String name, String tag, Packed m, Path key, String callerApiKey) {
        return platform.as(callerApiKey)
                .contentType(ContentType.JSON)
                .body(Map.of("manifestCid", m.cid(), "signature", signature(m, key)))
                .put("/v1/models/" + org + "/" + name + "/tags/" + tag);
    }

    private static String signature(Packed m, Path key) {
        return Cli.run(Map.of(), "model", "sign", m.manifest().toString(), "--key", key.toString())
                .requireSuccess()
                .out()
                .strip();
    }

    private static void upload(Packed m) throws IOException {
        uploadFiles(m);
        platform.as(apiKey)
                .contentType("application/octet-stream")
                .body(Files.readAllBytes(m.manifest()))
                .put("/v1/blobs/" + m.cid())
                .then()
                .statusCode(201);
    }

    private static void uploadFiles(Packed m) throws IOException {
        for (Map.Entry<String, String> f : m.files().entrySet()) {
            platform.as(apiKey)
                    .contentType("application/octet-stream")
                    .body(Files.readAllBytes(m.dir().resolve(f.getKey())))
                    .put("/v1/blobs/" + f.getValue())
                    .then()
                    .statusCode(201)
                    .body("cid", equalTo(f.getValue()));
        }
    }

    /** A model folder of random weights (seeded, so each test's model is distinct), packed by the CLI. */
    private static Packed pack(String name, Path key, int seed) throws IOException {
        Path dir = Files.createDirectories(platform.root().resolve("models").resolve(name + "-" + seed));
        byte[] weights = new byte[300_000 + seed];
        new Random(seed).nextBytes(weights);
        Files.write(dir.resolve("model.onnx"), weights);
        Files.writeString(dir.resolve("config.json"), "{\"seed\": " + seed + "}");
        Files.writeString(
                dir.resolve("infermesh.json"), "{\"license\": \"apache-2.0\", \"pricePerRequestWei\": \"1000\"}");
        Path manifest = dir.resolveSibling(name + "-" + seed + ".manifest.json");
        Cli.Run run = Cli.run(
                        Map.of(), "model", "pack", dir.toString(), "--key", key.toString(), "-o", manifest.toString())
                .requireSuccess();
        String cid = run.err().strip().lines().reduce((a, b) -> b).orElseThrow();
        JsonNode json = JSON.readTree(manifest.toFile());
        Map<String, String> files = new java.util.TreeMap<>();
        json.path("files")
                .forEach(f -> files.put(f.path("path").asText(), f.path("cid").asText()));
        assertEquals(2, files.size(), "pack lists both files: " + json);
        return new Packed(dir, manifest, cid, files);
    }

    private static String suffix() {
        return Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    }

    /**
     * A packed model folder.
     *
     * @param files path → CID, as listed in the manifest
     */
    private record Packed(Path dir, Path manifest, String cid, Map<String, String> files) {
        String cidOf(String path) {
            return files.get(path);
        }

        List<String> fileCids() {
            return new ArrayList<>(files.values());
        }
    }
}
