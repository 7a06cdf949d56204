package io.infermesh.store.cli.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.cli.ExitCodes;
import io.infermesh.store.cli.InfermeshCli;
import io.infermesh.store.unixfs.ContentDigester;
import io.infermesh.store.unixfs.ImportOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * What the client does on the wire that no unit of ours can show without a peer: which headers go where, how error
 * answers are read, how uploads stream. The peer is a plain loopback HTTP server that answers as the contract says;
 * the full flows (login, push, pull, infer) are checked against the real gateway by its integration tests.
 */
class GatewayClientTest {
    private static final ApiKey KEY = new ApiKey("im_live_secretsecretsecret1234");

    @TempDir
    Path work;

    HttpServer server;
    GatewayEndpoint endpoint;
    final Map<String, String> seen = new ConcurrentHashMap<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.start();
        endpoint =
                GatewayEndpoint.parse("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void followsTheBlobRedirectWithoutTheApiKey() throws Exception {
        byte[] blob = random(300_000);
        Cid cid = ContentDigester.digest(blob, ImportOptions.defaults()).cid();
        server.createContext("/v1/blobs/", exchange -> {
            seen.put("gateway-auth", String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            exchange.getResponseHeaders()
                    .add("Location", endpoint + "/bucket/blobs/" + cid + "?X-Amz-Signature=abc&X-Amz-Expires=300");
            exchange.sendResponseHeaders(307, -1);
            exchange.close();
        });
        server.createContext("/bucket/", exchange -> {
            seen.put("store-auth", String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            seen.put("store-query", exchange.getRequestURI().getRawQuery());
            exchange.sendResponseHeaders(200, blob.length);
            exchange.getResponseBody().write(blob);
            exchange.close();
        });

        try (GatewayClient client = GatewayClient.withApiKey(endpoint, KEY);
                InputStream in = client.openBlob(cid)) {
            assertArrayEquals(blob, in.readAllBytes());
        }
        assertEquals("Bearer " + KEY.secret(), seen.get("gateway-auth"));
        assertEquals("null", seen.get("store-auth"));
        assertEquals("X-Amz-Signature=abc&X-Amz-Expires=300", seen.get("store-query"));
    }

    @Test
    void aFailedStoreDownloadNeverShowsThePresignedQuery() {
        Cid cid =
                ContentDigester.digest(new byte[] {1}, ImportOptions.defaults()).cid();
        server.createContext("/v1/blobs/", exchange -> {
            exchange.getResponseHeaders().add("Location", endpoint + "/bucket/x?X-Amz-Signature=topsecret");
            exchange.sendResponseHeaders(307, -1);
            exchange.close();
        });
        server.createContext(
                "/bucket/", exchange -> answer(exchange, 403, "application/xml", "<Error>expired</Error>"));

        try (GatewayClient client = GatewayClient.withApiKey(endpoint, KEY)) {
            GatewayProtocolException e = assertThrows(GatewayProtocolException.class, () -> client.openBlob(cid));
            assertTrue(e.getMessage().contains("403"), e.getMessage());
            assertFalse(e.getMessage().contains("topsecret"), e.getMessage());
        }
    }

    @Test
    void anErrorAnswerIsTheGatewaysProblem() {
        server.createContext("/v1/account", exchange -> {
            exchange.getResponseHeaders().add("X-Request-Id", "req-42");
            answer(
                    exchange,
                    401,
                    Problem.MEDIA_TYPE,
                    "{\"type\":\"https://infermesh.io/problems/unauthenticated\",\"title\":\"Unauthorized\","
                            + "\"status\":401,\"code\":\"unauthenticated\",\"detail\":\"the API key was revoked\"}");
        });
        try (GatewayClient client = GatewayClient.withApiKey(endpoint, KEY)) {
            Problem p =
                    assertThrows(GatewayProblemException.class, client::account).problem();
            assertEquals(401, p.status());
            assertEquals("unauthenticated", p.code());
            assertEquals("the API key was revoked", p.detail());
            assertEquals(Optional.of("req-42"), p.requestId());
        }
    }

    @Test
    void theCliPrintsAProblemWithItsCodeAndExitsWithItsOwnStatus() {
        server.createContext("/v1/embeddings", exchange -> {
            exchange.getResponseHeaders().add("X-Request-Id", "req-7");
            answer(
                    exchange,
                    402,
                    Problem.MEDIA_TYPE,
                    "{\"status\":402,\"code\":\"insufficient_balance\",\"detail\":\"balance 0 wei is less than"
                            + " the price 10 wei\",\"balanceWei\":\"0\",\"priceWei\":\"10\"}");
        });
        StringWriter err = new StringWriter();
        CommandLine cli = InfermeshCli.commandLine(Map.of(
                "INFERMESH_GATEWAY", endpoint.toString(),
                "INFERMESH_API_KEY", KEY.secret(),
                "INFERMESH_CONFIG_DIR", work.resolve("config").toString()));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute("infer", "acme/tiny", "--text", "hello");
        assertEquals(ExitCodes.INSUFFICIENT_BALANCE, exit);
        assertEquals(
                "error: balance 0 wei is less than the price 10 wei (insufficient_balance)\n  request id: req-7\n",
                err.toString());
    }

    @Test
    void anAnswerOutsideTheContractIsAProtocolError() {
        server.createContext("/v1/account", exchange -> answer(exchange, 200, "application/json", "{\"address\":1}"));
        try (GatewayClient client = GatewayClient.withApiKey(endpoint, KEY)) {
            assertThrows(GatewayProtocolException.class, client::account);
        }
    }

    @Test
    void uploadsStreamTheFileAsOctetStream() throws Exception {
        Path file = Files.write(work.resolve("weights.bin"), random(1_000_000));
        Cid cid = ContentDigester.digest(file, ImportOptions.defaults()).cid();
        server.createContext("/v1/blobs/", exchange -> {
            seen.put("method", exchange.getRequestMethod());
            seen.put("type", exchange.getRequestHeaders().getFirst("Content-Type"));
            seen.put("length", String.valueOf(exchange.getRequestHeaders().getFirst("Content-Length")));
            byte[] body = exchange.getRequestBody().readAllBytes();
            seen.put(
                    "cid",
                    ContentDigester.digest(body, ImportOptions.defaults()).cid().toString());
            answer(exchange, 201, "application/json", "{\"cid\":\"" + cid + "\",\"sizeBytes\":" + body.length + "}");
        });
        try (GatewayClient client = GatewayClient.withApiKey(endpoint, KEY)) {
            BlobUpload upload = client.putBlob(cid, file);
            assertFalse(upload.alreadyStored());
            assertEquals(1_000_000, upload.sizeBytes());
        }
        assertEquals("PUT", seen.get("method"));
        assertEquals("application/octet-stream", seen.get("type"));
        assertEquals("1000000", seen.get("length"));
        assertEquals(cid.toString(), seen.get("cid"));
    }

    @Test
    void anonymousCallsCarryNoCredentials() {
        server.createContext("/v1/auth/challenge", exchange -> {
            seen.put("auth", String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            answer(
                    exchange,
                    200,
                    "application/json",
                    "{\"message\":\"m\",\"nonce\":\"n\",\"expiresAt\":\"2026-11-22T10:05:00Z\"}");
        });
        try (GatewayClient client = GatewayClient.anonymous(endpoint)) {
            client.challenge(io.infermesh.store.manifest.EthAddress.of("0x" + "00".repeat(19) + "aa"));
        }
        assertEquals("null", seen.get("auth"));
    }

    private static void answer(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private static byte[] random(int size) {
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        return data;
    }
}
