package io.infermesh.store.unixfs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.infermesh.store.testing.DeployedService;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our CIDs against a real IPFS node (js-ipfs, started offline on loopback by {@code deploy/ipfs.sh}): for each size the
 * node's {@code add} must print exactly the CID {@link ContentDigester} computes, for CIDv1 (raw leaves) and CIDv0.
 */
class IpfsCidConformanceIT {
    private static final int CHUNK = 256 * 1024;
    /** Past 174 leaves the balanced DAG needs a second level of interior nodes. */
    private static final int TWO_LEVELS = 174 * CHUNK + 1;

    @TempDir
    static Path work;

    static DeployedService ipfs;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void startIpfs() throws Exception {
        ipfs = DeployedService.start("ipfs.sh", work.resolve("ipfs"));
    }

    @AfterAll
    static void stopIpfs() throws Exception {
        if (ipfs != null) {
            ipfs.close();
        }
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1, 100, CHUNK - 1, CHUNK, CHUNK + 1, 3 * 1024 * 1024 + 7, 174 * CHUNK, TWO_LEVELS})
    void cidV1WithRawLeavesEqualsTheNodes(int size) throws Exception {
        byte[] data = random(size);
        assertEquals(nodeCid(data, "cid-version=1&cid-base=base32"), ours(data, ImportOptions.defaults()));
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1, 100, CHUNK, CHUNK + 1, 3 * 1024 * 1024 + 7, TWO_LEVELS})
    void cidV0WithDagPbLeavesEqualsTheNodes(int size) throws Exception {
        byte[] data = random(size);
        assertEquals(nodeCid(data, "cid-version=0"), ours(data, ImportOptions.cidV0()));
    }

    private static String ours(byte[] data, ImportOptions options) throws IOException {
        return ContentDigester.digest(new java.io.ByteArrayInputStream(data), options)
                .cid()
                .toString();
    }

    /** {@code POST /api/v0/add} with a multipart body, as the Kubo RPC API defines it. */
    private static String nodeCid(byte[] data, String query) throws Exception {
        String boundary = "infermesh-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream(data.length + 512);
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"blob\"\r\n"
                        + "Content-Type: application/octet-stream\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        body.writeBytes(data);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        URI uri = URI.create(ipfs.value("IPFS_API") + "/api/v0/add?pin=false&" + query);
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(uri)
                        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        String lastLine = response.body().strip().lines().reduce((a, b) -> b).orElseThrow();
        JsonNode added = new ObjectMapper().readTree(lastLine);
        return added.path("Hash").asText();
    }

    private static byte[] random(int size) {
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        return data;
    }
}
