package io.infermesh.functions.quarkus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.functions.testing.GatewayProcess;
import io.infermesh.functions.testing.StandInWorker;
import io.infermesh.functions.testing.StoredModels;
import io.infermesh.functions.testing.TestPools;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A caller's {@code X-Request-Id} is a trace id that may repeat; a paid call's hold and receipt are keyed by the
 * gateway's own {@code Infermesh-Call-Id}. Through the packaged gateway process over HTTP, with its real Redis and S3
 * server and a {@link StandInWorker} (whose answer the test can hold back, so two calls are surely in flight at once).
 */
class CallIdsIT {
    @RegisterExtension
    static final GatewayProcess gateway = GatewayProcess.forClass("call-ids");

    static final String MODEL_PRICE = "1000";
    static final String POOL_PRICE = "500";
    static final long CALL_PRICE = 1500;
    static final long CREDIT = 100_000;

    StandInWorker worker;
    String model;

    @BeforeEach
    void platform() throws InterruptedException {
        worker = new StandInWorker();
        model = "acme/m" + UUID.randomUUID().toString().substring(0, 8);
        StoredModels.Model m = gateway.publish(model + ":latest", "weights-" + model, MODEL_PRICE);
        TestPools pool = TestPools.register(gateway.registry(), POOL_PRICE, Map.of());
        pool.worker("w-" + model.substring(5), worker.target(), m.cid());
        // the gateway syncs the registry every second: wait until it routes to the worker
        GatewayProcess.Account probe = gateway.account("0");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (gateway.get("/v2/models/" + model + "/ready", "Authorization", "Bearer " + probe.apiKey())
                                .statusCode()
                        != 200
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    @AfterEach
    void stop() throws InterruptedException {
        worker.close();
    }

    HttpResponse<byte[]> embed(GatewayProcess.Account who, String requestId, String text) {
        return gateway.post(
                "/v1/embeddings",
                ("{\"model\":\"" + model + "\",\"input\":\"" + text + "\"}").getBytes(StandardCharsets.UTF_8),
                "Authorization",
                "Bearer " + who.apiKey(),
                "Content-Type",
                "application/json",
                "X-Request-Id",
                requestId);
    }

    long balance(GatewayProcess.Account who) {
        return gateway.ledger().balance(who.address()).amount().longValueExact();
    }

    @Test
    void twoConcurrentCallsWithTheSameRequestIdAreNotBothServedForOneCharge() throws Exception {
        GatewayProcess.Account a = gateway.account(Long.toString(CREDIT));
        CountDownLatch bothArrived = new CountDownLatch(2);
        worker.beforeAnswer(() -> {
            bothArrived.countDown();
            try {
                bothArrived.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        String id = "trace-" + UUID.randomUUID();
        CompletableFuture<HttpResponse<byte[]>> first = CompletableFuture.supplyAsync(() -> embed(a, id, "one"));
        CompletableFuture<HttpResponse<byte[]>> second = CompletableFuture.supplyAsync(() -> embed(a, id, "two"));
        List<HttpResponse<byte[]>> answers = List.of(first.get(30, TimeUnit.SECONDS), second.get(30, TimeUnit.SECONDS));

        assertEquals(
                List.of(200, 200),
                answers.stream().map(HttpResponse::statusCode).toList(),
                "two calls with one trace id are two calls");
        assertEquals(2, worker.calls().size());
        long charged = CREDIT - balance(a);
        assertEquals(
                2 * CALL_PRICE,
                charged,
                "Infermesh-Cost-Wei "
                        + answers.stream()
                                .map(r -> r.headers()
                                        .firstValue("Infermesh-Cost-Wei")
                                        .orElse("-"))
                                .toList()
                        + ": every answer served is paid for");
        List<String> traceIds = answers.stream()
                .map(r -> r.headers().firstValue("X-Request-Id").orElseThrow())
                .toList();
        assertEquals(List.of(id, id), traceIds, "the caller's id is echoed on both");
        Set<String> callIds = answers.stream()
                .map(r -> r.headers().firstValue(RequestIds.CALL_HEADER).orElseThrow())
                .collect(Collectors.toSet());
        assertEquals(2, callIds.size(), "each call has its own call id: " + callIds);
        Set<String> receipts = gateway.ledger().receipts("0-0", 1000).stream()
                .filter(r -> r.account().equals(a.address()))
                .map(r -> r.requestId().value())
                .collect(Collectors.toSet());
        assertEquals(callIds, receipts, "one receipt per call, under its call id");
    }

    @Test
    void aCallIdSentByTheCallerIsReplacedByTheGatewaysOwn() {
        GatewayProcess.Account a = gateway.account(Long.toString(CREDIT));
        HttpResponse<byte[]> r = gateway.post(
                "/v1/embeddings",
                ("{\"model\":\"" + model + "\",\"input\":\"x\"}").getBytes(StandardCharsets.UTF_8),
                "Authorization",
                "Bearer " + a.apiKey(),
                "Content-Type",
                "application/json",
                RequestIds.CALL_HEADER,
                "chosen-by-me");
        assertEquals(200, r.statusCode());
        String call = r.headers().firstValue(RequestIds.CALL_HEADER).orElseThrow();
        assertTrue(call.startsWith("req_"), call);
        assertEquals(call, r.headers().firstValue("X-Request-Id").orElseThrow(), "no trace id sent: the same id");
    }

    @Test
    void aRequestIdReusedAfterItsCallFinishedStillGetsServed() {
        GatewayProcess.Account a = gateway.account(Long.toString(CREDIT));
        String id = "trace-" + UUID.randomUUID();
        HttpResponse<byte[]> first = embed(a, id, "one");
        assertEquals(200, first.statusCode());
        HttpResponse<byte[]> again = embed(a, id, "two");
        assertEquals(
                200,
                again.statusCode(),
                "a caller-chosen X-Request-Id is only echoed (infermesh.yaml RequestIdIn); got "
                        + new String(again.body(), StandardCharsets.UTF_8));
        assertEquals(CREDIT - 2 * CALL_PRICE, balance(a));
    }

    @Test
    void aRequestIdReusedOnKserveInferIsTwoPaidCalls() {
        GatewayProcess.Account a = gateway.account(Long.toString(CREDIT));
        String id = "trace-" + UUID.randomUUID();
        byte[] body = "{\"inputs\":[{\"name\":\"text\",\"datatype\":\"BYTES\",\"shape\":[1],\"data\":[\"hi\"]}]}"
                .getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 2; i++) {
            HttpResponse<byte[]> r = gateway.post(
                    "/v2/models/" + model + "/infer",
                    body,
                    "Authorization",
                    "Bearer " + a.apiKey(),
                    "Content-Type",
                    "application/json",
                    "X-Request-Id",
                    id);
            assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        }
        assertEquals(CREDIT - 2 * CALL_PRICE, balance(a));
    }

    @Test
    void anotherAccountsRequestIdDoesNotBlockMyCall() {
        GatewayProcess.Account a = gateway.account(Long.toString(CREDIT));
        GatewayProcess.Account b = gateway.account(Long.toString(CREDIT));
        String id = "trace-" + UUID.randomUUID();
        assertEquals(200, embed(a, id, "one").statusCode());
        HttpResponse<byte[]> mine = embed(b, id, "two");
        assertEquals(200, mine.statusCode(), new String(mine.body(), StandardCharsets.UTF_8));
        assertTrue(balance(b) < CREDIT);
    }
}
