package io.infermesh.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.http.ContentType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * Publishing a model folder the way a creator does: {@code infermesh model pack} and {@code model sign} (the real CLI),
 * then the blobs and the tag over the gateway's REST API.
 */
final class Published {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Published() {}

    /** The real all-MiniLM-L6-v2 (ONNX + tokenizer, from Maven Central) as a text-embedding model folder. */
    static Path miniLmFolder(Path dir, String priceWei) throws IOException {
        Files.createDirectories(dir);
        copy("/all-minilm-l6-v2.onnx", dir.resolve("model.onnx"));
        copy("/all-minilm-l6-v2-tokenizer.json", dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("infermesh.json"), """
                {
                  "task": "text-embedding",
                  "license": "apache-2.0",
                  "pricePerRequestWei": "%s",
                  "inputs": [{"name": "text", "datatype": "BYTES", "shape": [-1]}],
                  "outputs": [{"name": "embedding", "datatype": "FP32", "shape": [-1, 384]}]
                }
                """.formatted(priceWei));
        return dir;
    }

    /** Packs, uploads and publishes {@code dir} as {@code ref}; returns the manifest CID. */
    static String publish(Platform platform, String apiKey, Path dir, Path ownerKey, String ref) throws IOException {
        Path manifest = dir.resolveSibling(dir.getFileName() + ".manifest.json");
        Cli.Run pack = Cli.run(
                        Map.of(),
                        "model",
                        "pack",
                        dir.toString(),
                        "--key",
                        ownerKey.toString(),
                        "-o",
                        manifest.toString())
                .requireSuccess();
        String cid = pack.err().strip().lines().reduce((a, b) -> b).orElseThrow();
        JsonNode files = JSON.readTree(manifest.toFile()).path("files");
        for (JsonNode f : files) {
            put(
                    platform,
                    apiKey,
                    f.path("cid").asText(),
                    dir.resolve(f.path("path").asText()));
        }
        put(platform, apiKey, cid, manifest);
        String signature = Cli.run(Map.of(), "model", "sign", manifest.toString(), "--key", ownerKey.toString())
                .requireSuccess()
                .out()
                .strip();
        int slash = ref.indexOf('/');
        int colon = ref.indexOf(':');
        String published = platform.as(apiKey)
                .contentType(ContentType.JSON)
                .body(Map.of("manifestCid", cid, "signature", signature))
                .put("/v1/models/" + ref.substring(0, slash) + "/" + ref.substring(slash + 1, colon) + "/tags/"
                        + ref.substring(colon + 1))
                .then()
                .statusCode(200)
                .extract()
                .path("manifestCid");
        assertEquals(cid, published);
        return cid;
    }

    private static void put(Platform platform, String apiKey, String cid, Path file) throws IOException {
        int status = platform.as(apiKey)
                .contentType("application/octet-stream")
                .body(file.toFile())
                .put("/v1/blobs/" + cid)
                .statusCode();
        if (status != 200 && status != 201) {
            throw new AssertionError("uploading " + file + " as " + cid + " answered " + status);
        }
    }

    private static void copy(String resource, Path to) throws IOException {
        try (InputStream in = Published.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the class path (langchain4j MiniLM jar)");
            }
            Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
