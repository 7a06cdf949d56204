package io.infermesh.pool.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.infermesh.router.WorkerId;
import io.infermesh.router.auth.WorkerAuth;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class HttpGatewayTest {
    private static final KeyPair GATEWAY = WorkerAuth.generateKeyPair();
    private static final String LEASE = "{\"workerId\":\"w1\",\"leaseSeconds\":10,\"leaseToken\":\"s3cr3t\","
            + "\"heartbeatSeconds\":2,\"gatewayKeys\":{\"gw1\":\"" + WorkerAuth.encode(GATEWAY.getPublic()) + "\"}}";

    @Test
    void aTwoHundredIsTheLeaseWithItsTokenTimesAndKeys() {
        Lease lease = assertInstanceOf(GatewayReply.Leased.class, HttpGateway.answer(200, LEASE, Optional.empty()))
                .lease();
        assertEquals("s3cr3t", lease.token());
        assertEquals(Duration.ofSeconds(10), lease.duration());
        assertEquals(Optional.of(Duration.ofSeconds(2)), lease.heartbeatInterval());
        assertEquals(Map.of("gw1", GATEWAY.getPublic()), lease.gatewayKeys());
        assertFalse(lease.toString().contains("s3cr3t"), "the lease token is never printed");
    }

    @Test
    void aHeartbeatAnswerWithoutATokenKeepsTheHeldOne() {
        String renewed = "{\"workerId\":\"w1\",\"leaseSeconds\":10,\"gatewayKeys\":{}}";
        Lease lease = assertInstanceOf(GatewayReply.Leased.class, HttpGateway.answer(200, renewed, Optional.of("held")))
                .lease();
        assertEquals("held", lease.token());
        assertInstanceOf(
                GatewayReply.Unavailable.class,
                HttpGateway.answer(200, renewed, Optional.empty()),
                "a registration answer must carry the new token");
    }

    @Test
    void aLeaseWithoutAHeartbeatIntervalLeavesItToTheWorker() {
        Lease lease = HttpGateway.lease(
                json("{\"leaseSeconds\":10,\"leaseToken\":\"t\",\"gatewayKeys\":{}}"), Optional.empty());
        assertEquals(Optional.empty(), lease.heartbeatInterval());
        assertEquals(Map.of(), lease.gatewayKeys());
    }

    @Test
    void aTwoHundredThatIsNotALeaseIsUnavailableNotAnException() {
        for (String body : List.of(
                "",
                "[]",
                "{\"leaseSeconds\":10,\"gatewayKeys\":{}}",
                "{\"leaseSeconds\":0,\"leaseToken\":\"t\",\"gatewayKeys\":{}}",
                "{\"leaseSeconds\":10,\"leaseToken\":\"t\",\"gatewayKeys\":{\"gw1\":\"not-a-key\"}}",
                "{\"leaseSeconds\":10,\"leaseToken\":\"t\"}")) {
            assertInstanceOf(GatewayReply.Unavailable.class, HttpGateway.answer(200, body, Optional.empty()), body);
        }
    }

    @Test
    void aHeartbeatAnsweredUnauthorizedOrNotFoundHasLostItsLease() {
        String problem = "{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,\"code\":\"unknown_worker\","
                + "\"detail\":\"no live worker w1\"}";
        GatewayReply.LeaseLost lost =
                assertInstanceOf(GatewayReply.LeaseLost.class, HttpGateway.answer(404, problem, Optional.of("t")));
        assertEquals(404, lost.status());
        assertEquals("no live worker w1", lost.detail());
        assertInstanceOf(GatewayReply.LeaseLost.class, HttpGateway.answer(401, "", Optional.of("t")));
        assertInstanceOf(
                GatewayReply.Refused.class,
                HttpGateway.answer(404, problem, Optional.empty()),
                "not for registrations");
    }

    @Test
    void otherClientErrorsAreRefusalsWithTheProblemsCodeAndDetail() {
        GatewayReply.Refused refused = assertInstanceOf(
                GatewayReply.Refused.class,
                HttpGateway.answer(
                        422,
                        "{\"title\":\"Unprocessable\",\"status\":422,\"code\":\"unknown_pool\",\"detail\":\"register"
                                + " the pool first\"}",
                        Optional.empty()));
        assertEquals(422, refused.status());
        assertEquals("unknown_pool", refused.code());
        assertEquals("register the pool first", refused.detail());
        GatewayReply.Refused plain =
                assertInstanceOf(GatewayReply.Refused.class, HttpGateway.answer(403, "forbidden", Optional.empty()));
        assertEquals("", plain.code());
        assertEquals("forbidden", plain.detail());
    }

    @Test
    void serverErrorsAndThrottlingAreTransient() {
        for (int status : new int[] {408, 425, 429, 500, 502, 503, 504, 302}) {
            assertInstanceOf(
                    GatewayReply.Unavailable.class, HttpGateway.answer(status, "", Optional.of("t")), "HTTP " + status);
            assertInstanceOf(
                    GatewayReply.Unavailable.class, HttpGateway.answer(status, "", Optional.empty()), "HTTP " + status);
        }
    }

    @Test
    void buildsThePathsOfTheContractUnderTheGatewayUrl() {
        HttpGateway gateway = new HttpGateway(
                HttpGateway.defaultClient(Duration.ofSeconds(1)),
                URI.create("https://gw.example/api/"),
                Duration.ofSeconds(1));
        assertEquals(URI.create("https://gw.example/api/v1/workers"), gateway.workersUri());
        assertEquals(
                URI.create("https://gw.example/api/v1/workers/gpu-box:9000/heartbeat"),
                gateway.heartbeatUri("gpu-box:9000"));
        assertEquals(
                URI.create("https://gw.example/api/v1/workers/pool-a%2Fgpu-0/heartbeat"),
                gateway.heartbeatUri("pool-a/gpu-0"),
                "an id with a slash stays one path segment");
    }

    @Test
    void refusesAUrlThatIsNotAnHttpRoot() {
        for (String url : List.of("ftp://gw.example", "gw.example:8080", "http://gw.example/?x=1", "/v1")) {
            assertThrows(
                    IllegalArgumentException.class,
                    () -> new HttpGateway(
                            HttpGateway.defaultClient(Duration.ofSeconds(1)), URI.create(url), Duration.ofSeconds(1)),
                    url);
        }
    }

    @Test
    void aGatewayThatIsNotListeningIsUnavailableNotAnException() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        HttpGateway gateway = new HttpGateway(
                HttpGateway.defaultClient(Duration.ofSeconds(2)),
                URI.create("http://127.0.0.1:" + port),
                Duration.ofSeconds(2));
        WorkerRegistration registration = new WorkerRegistration(
                TestKeys.docsKey().address(),
                new WorkerId("w1"),
                "127.0.0.1:9000",
                Instant.parse("2026-11-22T10:00:00Z"),
                "0123456789abcdef0123456789abcdef");
        GatewayReply reply = gateway.register(SignedEnvelope.sign(registration, TestKeys.docsKey()));
        GatewayReply.Unavailable unavailable = assertInstanceOf(GatewayReply.Unavailable.class, reply);
        assertTrue(unavailable.reason().startsWith("POST /v1/workers failed: "), unavailable.reason());
        assertTrue(unavailable.reason().toLowerCase(Locale.ROOT).contains("connect"), unavailable.reason());
        assertFalse(unavailable.reason().contains("Exception"), "no class names: " + unavailable.reason());
        assertInstanceOf(
                GatewayReply.Unavailable.class, gateway.heartbeat("w1", "token", new Heartbeat(0, List.of(), 0, 0)));
    }

    private static JsonNode json(String text) {
        try {
            return new ObjectMapper().readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A gateway (or a proxy before it) that sends the headers of an answer and then stalls. */
    @Test
    void aGatewayThatStallsAfterItsHeadersIsUnavailableWithinTheCallTimeout() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            try {
                exchange.getRequestBody().readAllBytes();
                exchange.sendResponseHeaders(200, 1000);
                OutputStream out = exchange.getResponseBody();
                out.write('{');
                out.flush();
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                exchange.close();
            }
        });
        server.start();
        Duration timeout = Duration.ofMillis(500);
        HttpGateway gateway = new HttpGateway(
                HttpGateway.defaultClient(timeout),
                URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
                timeout);
        try {
            GatewayReply reply = assertTimeoutPreemptively(
                    Duration.ofSeconds(20),
                    () -> gateway.heartbeat("w1", "token", new Heartbeat(0, List.of(), 0, 0)),
                    "the lease keeper's one thread hangs in a heartbeat forever: the worker stops beating and never"
                            + " registers again");
            assertInstanceOf(GatewayReply.Unavailable.class, reply);
        } finally {
            release.countDown();
            server.stop(0);
        }
    }
}
