package io.infermesh.functions.inference;

import static io.infermesh.functions.testing.Refusals.refused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.infermesh.functions.ApiKeyInfo;
import io.infermesh.functions.CommitOutcome;
import io.infermesh.functions.CreditOutcome;
import io.infermesh.functions.FunctionsException;
import io.infermesh.functions.IdempotencyCompletion;
import io.infermesh.functions.IdempotencyKey;
import io.infermesh.functions.Ledger;
import io.infermesh.functions.Receipt;
import io.infermesh.functions.ReceiptDraft;
import io.infermesh.functions.RegistryPolicy;
import io.infermesh.functions.ReleaseOutcome;
import io.infermesh.functions.RequestId;
import io.infermesh.functions.Reservation;
import io.infermesh.functions.TestKeys;
import io.infermesh.functions.Usage;
import io.infermesh.functions.api.ProblemException;
import io.infermesh.functions.models.ModelCatalog;
import io.infermesh.functions.redis.RedisIdempotency;
import io.infermesh.functions.redis.RedisLedger;
import io.infermesh.functions.redis.RedisRegistry;
import io.infermesh.functions.redis.RedisServer;
import io.infermesh.functions.routing.LoadSpecs;
import io.infermesh.functions.routing.RegistrySync;
import io.infermesh.functions.testing.S3Server;
import io.infermesh.functions.testing.StandInWorker;
import io.infermesh.functions.testing.StoredModels;
import io.infermesh.functions.testing.TestPools;
import io.infermesh.router.CallPolicy;
import io.infermesh.router.Ticker;
import io.infermesh.router.WorkerSet;
import io.infermesh.router.balance.OutlierEjection;
import io.infermesh.router.balance.PeakEwmaBalancer;
import io.infermesh.router.cold.ColdLoadCoordinator;
import io.infermesh.router.grpc.GrpcRouter;
import io.infermesh.router.grpc.GrpcWorkerControl;
import io.infermesh.router.grpc.WorkerChannels;
import io.infermesh.router.retry.RetryBudget;
import io.infermesh.router.scale.DemandScaler;
import io.infermesh.router.spi.Scheduler;
import io.infermesh.store.ModelRef;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Wei;
import io.infermesh.store.s3.S3BlobStore;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The money path of a paid call on a real Redis (ledger, idempotency, registry), a real S3 store (presigned load
 * specs), the real router over real gRPC, and a {@link StandInWorker} in place of a gpu-pool process.
 */
class PaidInferenceIT {
    @RegisterExtension
    static final RedisServer redis = RedisServer.forClass("paid-inference");

    @RegisterExtension
    static final S3Server s3 = S3Server.forClass("paid-inference");

    static final Wei MODEL_PRICE = Wei.parse("1000");
    static final Wei POOL_PRICE = Wei.parse("500");
    static final Wei CALL_PRICE = Wei.parse("1500");
    static final Wei CREDIT = Wei.parse("100000");
    static final ObjectMapper JSON = new ObjectMapper();

    RedisLedger ledger;
    RedisIdempotency idempotency;
    RedisRegistry registry;
    RegistrySync sync;
    StandInWorker worker;
    TestPools pool;
    ModelCatalog.Resolved model;
    ScheduledExecutorService timers;
    WorkerChannels channels;
    GrpcRouter router;
    LoadSpecs loadSpecs;
    EthAddress account;

    @BeforeEach
    void platform() {
        redis.flush();
        ledger = new RedisLedger(redis.state(), Duration.ofDays(7));
        idempotency = new RedisIdempotency(redis.state(), Duration.ofHours(24), Duration.ofMinutes(2));
        registry = new RedisRegistry(
                redis.state(), new RegistryPolicy(Duration.ofMinutes(5), Duration.ofMinutes(5)), Clock.systemUTC());
        S3BlobStore blobs = S3BlobStore.connect(s3.freshBucket());
        StoredModels.Model m = StoredModels.store(
                blobs, StoredModels.model("weights", TestKeys.address(TestKeys.random()), MODEL_PRICE.toString()));
        model = new ModelCatalog.Resolved(ModelRef.parse("acme/embedder:v1"), m.cid(), m.manifest());
        loadSpecs = new LoadSpecs(blobs, Duration.ofMinutes(15), System::nanoTime);

        worker = new StandInWorker();
        pool = TestPools.register(registry, POOL_PRICE.toString(), Map.of());
        pool.worker("w1", worker.target(), m.cid());
        WorkerSet workers = WorkerSet.create();
        sync = new RegistrySync(registry, workers);
        sync.refresh();

        timers = Executors.newScheduledThreadPool(1);
        channels = WorkerChannels.plaintext(Optional.empty());
        OutlierEjection ejection = new OutlierEjection(OutlierEjection.Options.DEFAULTS, Ticker.SYSTEM);
        router = new GrpcRouter(
                workers,
                new PeakEwmaBalancer(PeakEwmaBalancer.Options.DEFAULTS, Ticker.SYSTEM, new Random(1), ejection),
                new ColdLoadCoordinator(
                        ColdLoadCoordinator.Options.DEFAULTS,
                        workers,
                        ejection,
                        new GrpcWorkerControl(channels, Duration.ofSeconds(5)),
                        Scheduler.of(timers),
                        Ticker.SYSTEM),
                new DemandScaler(DemandScaler.Options.DEFAULTS, Ticker.SYSTEM),
                channels,
                RetryBudget.unlimited(),
                Scheduler.of(timers),
                GrpcRouter.Options.DEFAULTS);

        account = TestKeys.address(TestKeys.random());
        ledger.credit(account, CREDIT, "test", "grant-" + UUID.randomUUID());
    }

    @AfterEach
    void stop() throws InterruptedException {
        channels.close();
        timers.shutdownNow();
        worker.close();
    }

    PaidInference inference(Ledger ledger) {
        return new PaidInference(
                ledger,
                idempotency,
                sync,
                loadSpecs,
                router,
                CallPolicy.idempotent(Duration.ofSeconds(5)),
                Duration.ofMinutes(1));
    }

    PaidInference.Answer embed(PaidInference inference, RequestId id, Optional<IdempotencyKey> key, String body) {
        return embed(inference, caller(), id, key, body);
    }

    PaidInference.Answer embed(
            PaidInference inference, Caller caller, RequestId id, Optional<IdempotencyKey> key, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        OpenAiEmbeddings.Request request;
        try {
            request = OpenAiEmbeddings.parse(JSON.readTree(bytes));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
        return inference.run(
                caller,
                id,
                key,
                ("POST /v1/embeddings\n" + body).getBytes(StandardCharsets.UTF_8),
                () -> model,
                t -> OpenAiEmbeddings.toGrpc(request, t.model(), t.version(), "text", "embedding", id.value()),
                (resolved, response) -> PaidInference.Rendered.json(
                        OpenAiEmbeddings.toJson(request, response, "embedding", "acme/embedder:v1")),
                new Phases());
    }

    /** The test account, as a caller whose key is already authorized. */
    Caller caller() {
        return Caller.verified(new ApiKeyInfo("k1", account, Instant.EPOCH, "abcd", "test"));
    }

    static String body(String text) {
        return "{\"model\":\"acme/embedder:v1\",\"input\":\"" + text + "\"}";
    }

    static RequestId newId() {
        return new RequestId("req-" + UUID.randomUUID());
    }

    @Test
    void aServedCallChargesTheModelAndServingPoolPriceWithAReceipt() throws Exception {
        RequestId id = newId();
        PaidInference.Answer a = embed(inference(ledger), id, Optional.empty(), body("hello"));

        assertEquals(CALL_PRICE, a.charged());
        assertFalse(a.replayed());
        JsonNode json = JSON.readTree(a.body());
        assertEquals(
                StandInWorker.DIM, json.path("data").get(0).path("embedding").size());
        assertEquals(3, json.path("usage").path("prompt_tokens").asInt());
        assertEquals(
                CREDIT.amount().subtract(CALL_PRICE.amount()),
                ledger.balance(account).amount());

        List<Receipt> receipts = ledger.receipts("0-0", 10);
        assertEquals(1, receipts.size());
        Receipt r = receipts.getFirst();
        assertEquals(a.receipt().orElseThrow(), r.id());
        assertEquals(id, r.requestId());
        assertEquals(CALL_PRICE, r.price());
        assertEquals(pool.payout, r.payout());
        assertEquals(model.manifestCid(), r.manifest());
        assertEquals("acme/embedder", r.model());
        assertEquals("w1", r.worker());
        assertInstanceOf(ReleaseOutcome.AlreadyCommitted.class, ledger.release(id), "the hold became the receipt");

        assertEquals(model.manifestCid().toString(), worker.calls().getFirst().getModelName());
        assertEquals(model.manifestCid().toString(), worker.calls().getFirst().getModelVersion());
    }

    @Test
    void aPoolThatRaisesItsPriceMidCallIsPaidNoMoreThanWasHeld() {
        worker.beforeAnswer(() -> {
            // the pool re-registers at 10x while the call runs, and this gateway sees it before billing
            pool.reregister("5000");
            sync.refresh();
        });
        PaidInference.Answer a = embed(inference(ledger), newId(), Optional.empty(), body("hello"));
        assertEquals(CALL_PRICE, a.charged(), "capped at the ceiling held before the call");
        assertEquals(
                CREDIT.amount().subtract(CALL_PRICE.amount()),
                ledger.balance(account).amount());
        assertEquals(Wei.parse("5000"), sync.maxPoolPrice("acme/embedder"), "the next call holds the new price");
    }

    @Test
    void aCallInFlightShowsItsHoldAsReservedUntilItIsCharged() {
        AtomicReference<Ledger.Funds> during = new AtomicReference<>();
        worker.beforeAnswer(() -> during.set(ledger.funds(account)));
        embed(inference(ledger), newId(), Optional.empty(), body("hello"));

        Wei held = during.get().held();
        assertEquals(1, held.amount().compareTo(Wei.ZERO.amount()), "the call held something while the worker ran");
        assertEquals(
                CREDIT.amount().subtract(held.amount()),
                during.get().spendable().amount());
        assertEquals(
                new Ledger.Funds(new Wei(CREDIT.amount().subtract(CALL_PRICE.amount())), Wei.ZERO),
                ledger.funds(account),
                "charged the price, nothing held any more");
    }

    @Test
    void notEnoughBalanceIs402WithNothingHeldAndNoWorkerCalled() {
        EthAddress poor = TestKeys.address(TestKeys.random());
        ledger.credit(poor, Wei.parse("1499"), "test", "grant-poor");
        account = poor;
        RequestId id = newId();
        ProblemException e =
                refused(402, "insufficient_balance", () -> embed(inference(ledger), id, Optional.empty(), body("x")));
        assertEquals(Map.of("balanceWei", "1499", "priceWei", "1500"), e.extensions());
        assertEquals(Wei.parse("1499"), ledger.balance(poor));
        assertEquals(new ReleaseOutcome.UnknownHold(), ledger.release(id), "no hold was made");
        assertEquals(List.of(), worker.calls());
    }

    @Test
    void aCallSentBeforeItsHoldIsDroppedWith402WhenTheBalanceRanOutElsewhere() throws InterruptedException {
        PaidInference inference = inference(ledger);
        embed(inference, newId(), Optional.empty(), body("first")); // this gateway now knows the balance: 98500 wei
        Wei left = ledger.balance(account);
        // another gateway's calls take everything before the next call here
        ledger.reserve(account, new RequestId("elsewhere"), left, Duration.ofMinutes(1));

        RequestId id = newId();
        ProblemException e =
                refused(402, "insufficient_balance", () -> embed(inference, id, Optional.empty(), body("second")));
        assertEquals("0", e.extensions().get("balanceWei"));
        assertEquals(Wei.ZERO, ledger.balance(account));
        assertEquals(new ReleaseOutcome.UnknownHold(), ledger.release(id), "no hold was made");
        assertEquals(1, ledger.receipts("0-0", 10).size(), "only the first call has a receipt");
        // the second call did leave for the worker while its hold was tried (that is the speculation); its answer
        // was dropped
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (worker.calls().size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(2, worker.calls().size());
    }

    /** A key this gateway presumes valid: its authorization answers with {@code verdict} when the test says so. */
    Caller presumed(CompletableFuture<ApiKeyInfo> verdict) {
        return new Caller(verdict, Optional.of(new ApiKeyInfo("k1", account, Instant.EPOCH, "abcd", "test")));
    }

    @Test
    void aPresumedKeyThatTurnsOutRevokedIs401WithItsHoldReleasedAndNothingCharged() throws InterruptedException {
        PaidInference inference = inference(ledger);
        embed(inference, newId(), Optional.empty(), body("first")); // the balance is known: the call leaves early
        Wei before = ledger.balance(account);
        CompletableFuture<ApiKeyInfo> verdict = new CompletableFuture<>();
        worker.beforeAnswer(() -> verdict.completeExceptionally(
                new ProblemException(401, "unauthenticated", "this API key is unknown or revoked")));

        RequestId id = newId();
        refused(401, "unauthenticated", () -> embed(inference, presumed(verdict), id, Optional.empty(), body("x")));
        assertEquals(before, ledger.balance(account), "the hold placed before the answer came back");
        assertInstanceOf(ReleaseOutcome.Released.class, ledger.release(id), "released by the call, not left to expire");
        assertEquals(1, ledger.receipts("0-0", 10).size(), "only the first call has a receipt");
        assertEquals(2, worker.calls().size(), "the presumed call did reach the worker; its answer was dropped");
    }

    @Test
    void aPresumedKeyOverItsRateLimitIs429AndChargesNothing() {
        RequestId id = newId();
        CompletableFuture<ApiKeyInfo> verdict = CompletableFuture.failedFuture(new ProblemException(
                429, "rate_limited", "over the limit", Map.of(), Optional.of(Duration.ofSeconds(1))));
        refused(
                429,
                "rate_limited",
                () -> embed(inference(ledger), presumed(verdict), id, Optional.empty(), body("x")));
        assertEquals(CREDIT, ledger.balance(account));
        assertEquals(List.of(), ledger.receipts("0-0", 10));
    }

    @Test
    void aPresumedKeyIsChargedOnlyOnceItsAuthorizationAnswered() throws Exception {
        CompletableFuture<ApiKeyInfo> verdict = new CompletableFuture<>();
        ApiKeyInfo key = new ApiKeyInfo("k1", account, Instant.EPOCH, "abcd", "test");
        RequestId id = newId();
        CompletableFuture<PaidInference.Answer> call = CompletableFuture.supplyAsync(
                () -> embed(inference(ledger), presumed(verdict), id, Optional.empty(), body("x")));
        Thread.sleep(300);
        assertFalse(call.isDone(), "nothing is answered before the authorization is");
        assertEquals(List.of(), ledger.receipts("0-0", 10));
        verdict.complete(key);
        assertEquals(CALL_PRICE, call.get(5, TimeUnit.SECONDS).charged());
        assertEquals(1, ledger.receipts("0-0", 10).size());
    }

    @Test
    void aWorkerRefusalReleasesTheHoldAndChargesNothing() {
        worker.failWith(Status.INVALID_ARGUMENT.withDescription("tensor 'text' is empty"));
        RequestId id = newId();
        ProblemException e =
                refused(422, "invalid_tensor", () -> embed(inference(ledger), id, Optional.empty(), body("x")));
        assertEquals("tensor 'text' is empty", e.getMessage());
        assertEquals(CREDIT, ledger.balance(account));
        assertEquals(new ReleaseOutcome.Released(CALL_PRICE, false), ledger.release(id), "released by the call");
        assertEquals(List.of(), ledger.receipts("0-0", 10));
    }

    @Test
    void noReachableWorkerIs503AndChargesNothing() throws InterruptedException {
        worker.close();
        RequestId id = newId();
        ProblemException e =
                assertThrows(ProblemException.class, () -> embed(inference(ledger), id, Optional.empty(), body("x")));
        assertTrue(e.status() == 503 || e.status() == 504, e.status() + " " + e.problemCode());
        assertTrue(e.retryAfter().isPresent() || e.status() == 504);
        assertEquals(CREDIT, ledger.balance(account));
        assertInstanceOf(ReleaseOutcome.Released.class, ledger.release(id));
    }

    @Test
    void anAnswerThatCannotBeRenderedIsNotCharged() {
        RequestId id = newId();
        PaidInference inference = inference(ledger);
        byte[] bytes = body("x").getBytes(StandardCharsets.UTF_8);
        refused(
                502,
                "worker_error",
                () -> inference.run(
                        caller(),
                        id,
                        Optional.empty(),
                        bytes,
                        () -> model,
                        t -> OpenAiEmbeddings.toGrpc(
                                new OpenAiEmbeddings.Request("acme/embedder:v1", List.of("x"), false, 0),
                                t.model(),
                                t.version(),
                                "text",
                                "embedding",
                                id.value()),
                        (resolved, response) -> {
                            throw new ProblemException(502, "worker_error", "unusable");
                        },
                        new Phases()));
        assertEquals(CREDIT, ledger.balance(account));
        assertEquals(List.of(), ledger.receipts("0-0", 10));
    }

    /** A KServe call with a binary BYTES input and every output binary, as tritonclient sends it. */
    PaidInference.Answer kserveBinary(RequestId id, Optional<IdempotencyKey> key, byte[] tensor, int declared) {
        byte[] json = ("{\"inputs\": [{\"name\": \"text\", \"datatype\": \"BYTES\", \"shape\": [1],"
                        + " \"parameters\": {\"binary_data_size\": " + declared + "}}],"
                        + " \"parameters\": {\"binary_data_output\": true}}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[json.length + tensor.length];
        System.arraycopy(json, 0, bytes, 0, json.length);
        System.arraycopy(tensor, 0, bytes, json.length, tensor.length);
        KserveBinary.Body body = KserveBinary.split(bytes, Integer.toString(json.length));
        JsonNode request;
        try {
            request = JSON.readTree(bytes, 0, json.length);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
        return inference(ledger)
                .run(
                        caller(),
                        id,
                        key,
                        bytes,
                        () -> model,
                        t -> KserveJson.toGrpc(request, body, t.model(), t.version(), id.value()),
                        (resolved, response) ->
                                KserveJson.render(response, "acme/embedder", KserveBinary.Outputs.of(request)),
                        new Phases());
    }

    /** One BYTES element in the binary layout: a 4-byte little-endian length, then the bytes. */
    static byte[] element(String text, int length) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(4 + b.length)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(length)
                .put(b)
                .array();
    }

    @Test
    void aBinaryAnswerIsReplayedWithTheHeadersThatFrameIt() {
        Optional<IdempotencyKey> key = Optional.of(new IdempotencyKey("binary-1"));
        byte[] tensor = element("hello", 5);
        PaidInference.Answer first = kserveBinary(newId(), key, tensor, tensor.length);
        PaidInference.Answer second = kserveBinary(newId(), key, tensor, tensor.length);

        assertEquals("application/octet-stream", first.headers().get("Content-Type"));
        int jsonLength = Integer.parseInt(first.headers().get("Inference-Header-Content-Length"));
        assertEquals(
                first.body().length - 4 * StandInWorker.DIM - 8,
                jsonLength,
                "one FP32 row and one INT64 after the JSON");
        assertEquals(ByteString.copyFrom(tensor), worker.calls().getFirst().getRawInputContents(0));
        assertTrue(second.replayed());
        assertEquals(first.headers(), second.headers());
        assertArrayEquals(first.body(), second.body());
        assertEquals(CALL_PRICE, second.charged());
        assertEquals(1, worker.calls().size());
    }

    @Test
    void aMalformedBinaryCallIsRefusedBeforeAnythingIsHeld() {
        RequestId id = newId();
        byte[] tensor = element("hello", 5);
        refused(400, "invalid_request", () -> kserveBinary(id, Optional.empty(), tensor, tensor.length + 1));
        byte[] pastTheEnd = element("hello", 6);
        refused(422, "invalid_tensor", () -> kserveBinary(id, Optional.empty(), pastTheEnd, pastTheEnd.length));

        assertEquals(CREDIT, ledger.balance(account));
        assertEquals(new ReleaseOutcome.UnknownHold(), ledger.release(id), "no hold was made");
        assertEquals(List.of(), worker.calls());
    }

    @Test
    void aRetryWithTheSameIdempotencyKeyIsReplayedAndChargedOnce() {
        PaidInference inference = inference(ledger);
        Optional<IdempotencyKey> key = Optional.of(new IdempotencyKey("retry-1"));
        PaidInference.Answer first = embed(inference, newId(), key, body("hello"));
        PaidInference.Answer second = embed(inference, newId(), key, body("hello"));

        assertTrue(second.replayed());
        assertArrayEquals(first.body(), second.body());
        assertEquals(first.charged(), second.charged());
        assertEquals(first.receipt(), second.receipt());
        assertEquals(1, worker.calls().size(), "the worker ran once");
        assertEquals(1, ledger.receipts("0-0", 10).size());
        assertEquals(
                CREDIT.amount().subtract(CALL_PRICE.amount()),
                ledger.balance(account).amount());

        refused(422, "idempotency_key_reused", () -> embed(inference, newId(), key, body("something else")));
    }

    @Test
    void aFailedCallGivesItsIdempotencyKeyBackSoTheRetryRuns() {
        PaidInference inference = inference(ledger);
        Optional<IdempotencyKey> key = Optional.of(new IdempotencyKey("retry-2"));
        worker.failWith(Status.INVALID_ARGUMENT.withDescription("bad"));
        refused(422, "invalid_tensor", () -> embed(inference, newId(), key, body("hello")));
        worker.failWith(null);
        PaidInference.Answer retried = embed(inference, newId(), key, body("hello"));
        assertFalse(retried.replayed());
        assertEquals(CALL_PRICE, retried.charged());
        assertEquals(
                CREDIT.amount().subtract(CALL_PRICE.amount()),
                ledger.balance(account).amount());
    }

    @Test
    void aChargedCallWhoseCommitReplyIsLostIsReplayedOnRetryNotRunAgain() {
        LostReplies flaky = new LostReplies(ledger);
        flaky.loseCommitReply = true;
        flaky.failRelease = true; // Redis stays unreachable for the rest of the call
        Optional<IdempotencyKey> key = Optional.of(new IdempotencyKey("retry-3"));
        assertThrows(FunctionsException.class, () -> embed(inference(flaky), newId(), key, body("hello")));
        assertEquals(
                CREDIT.amount().subtract(CALL_PRICE.amount()),
                ledger.balance(account).amount(),
                "the commit took effect: the caller was charged");

        PaidInference.Answer retried = embed(inference(ledger), newId(), key, body("hello"));

        assertTrue(retried.replayed(), "the charged answer was stored with the charge");
        assertEquals(CALL_PRICE, retried.charged());
        assertEquals(Optional.of(ledger.receipts("0-0", 10).getFirst().id()), retried.receipt());
        assertEquals(
                StandInWorker.DIM,
                jsonOf(retried).path("data").get(0).path("embedding").size());
        assertEquals(1, worker.calls().size(), "the worker ran once");
        assertEquals(1, ledger.receipts("0-0", 10).size(), "charged once");
        assertEquals(
                CREDIT.amount().subtract(CALL_PRICE.amount()),
                ledger.balance(account).amount());
    }

    @Test
    void aChargedCallWhoseCommitReplyIsLostStillGetsItsAnswer() {
        LostReplies flaky = new LostReplies(ledger);
        flaky.loseCommitReply = true;
        RequestId id = newId();
        PaidInference.Answer a = embed(inference(flaky), id, Optional.empty(), body("hello"));
        assertEquals(CALL_PRICE, a.charged());
        assertEquals(Optional.of(ledger.receipts("0-0", 10).getFirst().id()), a.receipt());
        assertEquals(
                CREDIT.amount().subtract(CALL_PRICE.amount()),
                ledger.balance(account).amount());
    }

    @Test
    void aCallServedAfterItsHoldExpiredIsFreeAndReplayedFree() {
        RequestId id = newId();
        worker.beforeAnswer(() -> ledger.release(id)); // as the sweeper would after the hold's ttl
        Optional<IdempotencyKey> key = Optional.of(new IdempotencyKey("retry-4"));
        PaidInference.Answer a = embed(inference(ledger), id, key, body("hello"));
        assertEquals(Wei.ZERO, a.charged());
        PaidInference.Answer replay = embed(inference(ledger), newId(), key, body("hello"));
        assertTrue(replay.replayed());
        assertEquals(Wei.ZERO, replay.charged());
        assertEquals(Optional.empty(), replay.receipt());
        assertEquals(CREDIT, ledger.balance(account));
    }

    @Test
    void aCallWhoseHoldARedisRestartLostIsRefusedAndFree() {
        RequestId id = newId();
        worker.beforeAnswer(redis::loseHoldsInFlight);
        ProblemException e = assertThrows(
                ProblemException.class, () -> embed(inference(ledger), id, Optional.empty(), body("hello")));
        assertEquals(503, e.status());
        assertEquals("no_capacity", e.problemCode());
        assertEquals(Optional.of(Duration.ofSeconds(1)), e.retryAfter());
        assertTrue(e.getMessage().contains("nothing was charged"), e.getMessage());
        assertEquals(CREDIT, ledger.balance(account));
        assertEquals(List.of(), ledger.receipts("0-0", 10));
    }

    private static JsonNode jsonOf(PaidInference.Answer a) {
        try {
            return JSON.readTree(a.body());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The real ledger, but as seen over a connection that drops: the commit runs in Redis and then its reply is lost,
     * and (optionally) the release after it does not get through at all.
     */
    static final class LostReplies implements Ledger {
        private final Ledger real;
        volatile boolean loseCommitReply;
        volatile boolean failRelease;

        LostReplies(Ledger real) {
            this.real = real;
        }

        private static FunctionsException connectionLost() {
            return new FunctionsException(FunctionsException.ErrorCode.STATE_UNAVAILABLE, "connection reset by peer");
        }

        @Override
        public Funds funds(EthAddress account) {
            return real.funds(account);
        }

        @Override
        public CreditOutcome credit(EthAddress account, Wei amount, String reason, String creditId) {
            return real.credit(account, amount, reason, creditId);
        }

        @Override
        public Reservation reserve(EthAddress account, RequestId requestId, Wei amount, Duration ttl) {
            return real.reserve(account, requestId, amount, ttl);
        }

        @Override
        public CommitOutcome commit(
                RequestId requestId, ReceiptDraft receipt, Optional<IdempotencyCompletion> completion) {
            CommitOutcome outcome = real.commit(requestId, receipt, completion);
            if (loseCommitReply) {
                throw connectionLost();
            }
            return outcome;
        }

        @Override
        public ReleaseOutcome release(RequestId requestId) {
            if (failRelease) {
                throw connectionLost();
            }
            return real.release(requestId);
        }

        @Override
        public int releaseExpired(int limit) {
            return real.releaseExpired(limit);
        }

        @Override
        public List<Receipt> receipts(String afterId, int count) {
            return real.receipts(afterId, count);
        }

        @Override
        public List<Usage> usage(EthAddress account, LocalDate from, LocalDate to) {
            return real.usage(account, from, to);
        }
    }
}
