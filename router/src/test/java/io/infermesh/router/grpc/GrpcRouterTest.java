package io.infermesh.router.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.infermesh.openapi.inference.GRPCInferenceServiceGrpc;
import io.infermesh.openapi.inference.ModelInferRequest;
import io.infermesh.router.CallPolicy;
import io.infermesh.router.Hedging;
import io.infermesh.router.InferOutcome;
import io.infermesh.router.ModelLoadSpec;
import io.infermesh.router.Shed;
import io.infermesh.router.Ticker;
import io.infermesh.router.WorkerId;
import io.infermesh.router.WorkerInfo;
import io.infermesh.router.WorkerSet;
import io.infermesh.router.auth.TokenSigner;
import io.infermesh.router.auth.TokenVerifier;
import io.infermesh.router.auth.WorkerAuth;
import io.infermesh.router.balance.Feedback;
import io.infermesh.router.balance.OutlierEjection;
import io.infermesh.router.balance.PeakEwmaBalancer;
import io.infermesh.router.cold.ColdLoadCoordinator;
import io.infermesh.router.retry.RetryBudget;
import io.infermesh.router.scale.DemandScaler;
import io.infermesh.router.spi.Scheduler;
import io.infermesh.router.spi.WorkerControl;
import io.infermesh.router.testing.FakeWorker;
import io.infermesh.router.testing.FakeWorker.Behaviour;
import io.infermesh.router.testing.ManualClock;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The router against real gRPC workers on loopback ports, each checking the gateway's token. */
class GrpcRouterTest {
    private static final KeyPair GATEWAY = WorkerAuth.generateKeyPair();
    private static final CallPolicy POLICY = CallPolicy.idempotent(Duration.ofSeconds(10));

    private final List<FakeWorker> fakes = new ArrayList<>();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private final WorkerSet workers = WorkerSet.create();
    private final OutlierEjection ejection = new OutlierEjection(OutlierEjection.Options.DEFAULTS, Ticker.SYSTEM);
    private final PeakEwmaBalancer balancer =
            new PeakEwmaBalancer(PeakEwmaBalancer.Options.DEFAULTS, Ticker.SYSTEM, new Random(7), ejection);
    private final WorkerChannels channels = WorkerChannels.plaintext(
            Optional.of(new TokenSigner("gw1", GATEWAY.getPrivate(), Duration.ofMinutes(5), Clock.systemUTC())));
    private final GrpcRouter router = routerWith(balancer);

    private GrpcRouter routerWith(PeakEwmaBalancer balancer) {
        return routerWith(balancer, GrpcRouter.Options.DEFAULTS);
    }

    private GrpcRouter routerWith(PeakEwmaBalancer balancer, GrpcRouter.Options options) {
        return new GrpcRouter(
                workers,
                balancer,
                new ColdLoadCoordinator(
                        ColdLoadCoordinator.Options.DEFAULTS,
                        workers,
                        ejection,
                        new GrpcWorkerControl(channels, Duration.ofSeconds(10)),
                        Scheduler.of(timers),
                        Ticker.SYSTEM),
                new DemandScaler(DemandScaler.Options.DEFAULTS, Ticker.SYSTEM),
                channels,
                RetryBudget.unlimited(),
                Scheduler.of(timers),
                options);
    }

    private FakeWorker fake(String id) {
        FakeWorker f = new FakeWorker(
                id,
                new TokenVerifier(
                        WorkerId.of(id),
                        Map.of("gw1", GATEWAY.getPublic()),
                        Duration.ofMinutes(5),
                        Duration.ofSeconds(30),
                        Clock.systemUTC()));
        fakes.add(f);
        return f;
    }

    /** Makes {@code worker} look slow to the balancer, so the other one is chosen first. */
    private void disfavour(FakeWorker worker) {
        balancer.begin(worker.id).finish(Feedback.BUSY);
    }

    private static ModelInferRequest request() {
        return ModelInferRequest.newBuilder().setModelName("m").setId("req-1").build();
    }

    private InferOutcome infer(CallPolicy policy) throws Exception {
        return router.infer(request(), policy, Optional.empty()).get(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        channels.close();
        fakes.forEach(FakeWorker::close);
        timers.shutdownNow();
    }

    @Test
    void routesAroundAWorkerThatReturnsUnavailable() throws Exception {
        FakeWorker a = fake("a").behave(Behaviour.UNAVAILABLE);
        FakeWorker b = fake("b");
        workers.replaceAll(List.of(a.info("m"), b.info("m")));
        disfavour(b);

        InferOutcome.Served served = assertInstanceOf(InferOutcome.Served.class, infer(POLICY));
        assertEquals(b.id, served.worker());
        assertEquals(2, served.attempts());
        assertEquals("req-1", served.response().getId());
        assertEquals(1, a.inferCalls.get());
    }

    @Test
    void retriesOnAnotherWorkerWhenThePortIsClosed() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        WorkerInfo gone = new WorkerInfo(
                WorkerId.of("gone"), "127.0.0.1:" + closedPort, "pool-1", Map.of("m", "v"), 1, 1, BigInteger.ONE);
        FakeWorker b = fake("b");
        workers.replaceAll(List.of(gone, b.info("m")));
        disfavour(b);

        InferOutcome.Served served = assertInstanceOf(InferOutcome.Served.class, infer(POLICY));
        assertEquals(b.id, served.worker());
        assertEquals(2, served.attempts());
    }

    @Test
    void returnsAnInvalidArgumentAsIsWithoutRetrying() throws Exception {
        FakeWorker a = fake("a").behave(Behaviour.INVALID_ARGUMENT);
        FakeWorker b = fake("b").behave(Behaviour.INVALID_ARGUMENT);
        workers.replaceAll(List.of(a.info("m"), b.info("m")));

        InferOutcome.WorkerError error = assertInstanceOf(InferOutcome.WorkerError.class, infer(POLICY));
        assertEquals(Status.Code.INVALID_ARGUMENT, error.status().getCode());
        assertEquals(1, a.inferCalls.get() + b.inferCalls.get());
    }

    @Test
    void doesNotRetryARequestThatIsNotIdempotent() throws Exception {
        FakeWorker a = fake("a").behave(Behaviour.UNAVAILABLE);
        FakeWorker b = fake("b");
        workers.replaceAll(List.of(a.info("m"), b.info("m")));
        disfavour(b);

        InferOutcome outcome = infer(new CallPolicy(Duration.ofSeconds(10), false, Hedging.off()));
        assertEquals(
                Status.Code.UNAVAILABLE,
                assertInstanceOf(InferOutcome.WorkerError.class, outcome)
                        .status()
                        .getCode());
        assertEquals(0, b.inferCalls.get());
    }

    @Test
    void forgetsAStaleRouteAndServesFromAWorkerThatHoldsTheModel() throws Exception {
        FakeWorker a = fake("a").behave(Behaviour.NOT_FOUND);
        FakeWorker b = fake("b");
        workers.replaceAll(List.of(a.info("m"), b.info("m")));
        disfavour(b);

        assertEquals(
                b.id, assertInstanceOf(InferOutcome.Served.class, infer(POLICY)).worker());
        assertEquals(
                List.of(b.id), workers.warm("m").stream().map(WorkerInfo::id).toList());
    }

    @Test
    void shedsWhenEveryAttemptMeetsABusyOrUnavailableWorkerNeverTheSameOneTwiceInARow() throws Exception {
        FakeWorker a = fake("a").behave(Behaviour.UNAVAILABLE);
        FakeWorker b = fake("b").behave(Behaviour.BUSY);
        workers.replaceAll(List.of(a.info("m"), b.info("m")));
        disfavour(b);

        Shed shed = assertInstanceOf(Shed.class, infer(POLICY));
        assertEquals(Shed.Reason.WORKERS_UNAVAILABLE, shed.reason());
        assertEquals(2, a.inferCalls.get(), "a, b, a");
        assertEquals(1, b.inferCalls.get());
    }

    @Test
    void hedgesASlowRequestToAnotherWorkerAndCancelsTheSlowCopy() throws Exception {
        FakeWorker a = fake("a").behave(Behaviour.HANG);
        FakeWorker b = fake("b");
        workers.replaceAll(List.of(a.info("m"), b.info("m")));
        balancer.begin(b.id); // b has a call in flight, so the first attempt goes to a; b is not measured slow

        InferOutcome outcome = infer(POLICY.withHedging(Hedging.after(Duration.ofMillis(20))));
        InferOutcome.Served served = assertInstanceOf(InferOutcome.Served.class, outcome);
        assertEquals(b.id, served.worker());
        assertEquals(2, served.attempts());
        assertTrue(a.cancelled.await(10, TimeUnit.SECONDS), "the slow copy was cancelled");
    }

    @Test
    void doesNotHedgeToAWorkerLastMeasuredSlowerThanTheDelay() throws Exception {
        FakeWorker a = fake("a").behave(Behaviour.HANG);
        FakeWorker b = fake("b");
        workers.replaceAll(List.of(a.info("m"), b.info("m")));
        disfavour(b); // b's last answer was BUSY: counted as the 1 s penalty

        InferOutcome outcome =
                infer(CallPolicy.idempotent(Duration.ofMillis(300)).withHedging(Hedging.after(Duration.ofMillis(20))));
        InferOutcome.TimedOut timedOut = assertInstanceOf(InferOutcome.TimedOut.class, outcome);
        assertEquals(1, timedOut.attempts(), "no hedge: b could not beat a call already 20 ms late");
        assertEquals(0, b.inferCalls.get());
    }

    /**
     * A router whose balancer last measured {@code fast} at 6 ms and {@code slow} at 100 ms, a minute ago, with one call
     * in flight on {@code fast}: by the faded estimates {@code slow} wins, by the measured ones {@code fast} does.
     */
    private GrpcRouter fadedSlowWorker(FakeWorker fast, FakeWorker slow) {
        ManualClock clock = new ManualClock();
        PeakEwmaBalancer faded =
                new PeakEwmaBalancer(PeakEwmaBalancer.Options.DEFAULTS, clock, new Random(7), ejection);
        workers.replaceAll(List.of(fast.info("m"), slow.info("m")));
        for (Map.Entry<WorkerId, Duration> measured : Map.of(
                        fast.id, Duration.ofMillis(6), slow.id, Duration.ofMillis(100))
                .entrySet()) {
            PeakEwmaBalancer.Attempt t = faded.begin(measured.getKey());
            clock.advance(measured.getValue());
            t.finish(Feedback.SUCCESS);
        }
        clock.advance(Duration.ofSeconds(60));
        faded.begin(fast.id);
        return routerWith(faded);
    }

    @Test
    void sendsAWorkerThatWinsOnlyByItsFadedEstimateACopyAndAnswersFromTheOther() throws Exception {
        FakeWorker fast = fake("fast");
        FakeWorker slow = fake("slow").behave(Behaviour.HANG);
        GrpcRouter r = fadedSlowWorker(fast, slow);

        InferOutcome outcome = r.infer(request(), CallPolicy.idempotent(Duration.ofSeconds(5)), Optional.empty())
                .get(30, TimeUnit.SECONDS);
        InferOutcome.Served served = assertInstanceOf(InferOutcome.Served.class, outcome);
        assertEquals(fast.id, served.worker(), "the caller is answered by the worker measured cheaper");
        assertEquals(1, served.attempts(), "the copy is not an attempt");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (slow.inferCalls.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(1, slow.inferCalls.get(), "slow got a copy to be measured");
        assertEquals(1, r.balancer().inflight(slow.id), "the copy runs on after the caller's answer");
        assertEquals(1, slow.cancelled.getCount(), "and is not cancelled with the request");
        assertTrue(slow.cancelled.await(15, TimeUnit.SECONDS), "it ends at the request's deadline");
    }

    @Test
    void sendsARequestThatMayNotRunTwiceToTheFadedWorkerWithoutACopy() throws Exception {
        FakeWorker fast = fake("fast");
        FakeWorker slow = fake("slow").behave(Behaviour.HANG);
        GrpcRouter r = fadedSlowWorker(fast, slow);

        InferOutcome outcome = r.infer(
                        request(), new CallPolicy(Duration.ofMillis(300), false, Hedging.off()), Optional.empty())
                .get(30, TimeUnit.SECONDS);
        assertInstanceOf(InferOutcome.TimedOut.class, outcome, "it went to slow, which hangs");
        assertEquals(1, slow.inferCalls.get());
        assertEquals(0, fast.inferCalls.get());
    }

    @Test
    void endsWithTimedOutWhenTheDeadlinePasses() throws Exception {
        FakeWorker a = fake("a").behave(Behaviour.HANG);
        workers.replaceAll(List.of(a.info("m")));

        InferOutcome outcome = infer(CallPolicy.idempotent(Duration.ofMillis(200)));
        assertEquals(1, assertInstanceOf(InferOutcome.TimedOut.class, outcome).attempts());
    }

    @Test
    void loadsAColdModelOnOneWorkerAndServesFromIt() throws Exception {
        FakeWorker c = fake("c");
        workers.replaceAll(List.of(c.info()));

        InferOutcome outcome = router.infer(
                        request(),
                        POLICY,
                        Optional.of(
                                new ModelLoadSpec("m", "bafyManifest", 1 << 20, Map.of("blob_base_url", "http://s3/"))))
                .get(30, TimeUnit.SECONDS);

        assertEquals(c.id, assertInstanceOf(InferOutcome.Served.class, outcome).worker());
        assertEquals(1, c.loads.size());
        assertEquals(
                "bafyManifest",
                c.loads.getFirst().getParametersOrThrow("manifest_cid").getStringParam());
        assertEquals(
                "http://s3/",
                c.loads.getFirst().getParametersOrThrow("blob_base_url").getStringParam());
    }

    @Test
    void shedsAColdModelWhenNoLoadWasAskedFor() throws Exception {
        assertEquals(
                Shed.Reason.NO_WARM_WORKER,
                assertInstanceOf(Shed.class, infer(POLICY)).reason());
    }

    @Test
    void aWorkerPortAnswersNobodyWithoutTheGatewaysToken() {
        FakeWorker a = fake("a");
        ManagedChannel bare = ManagedChannelBuilder.forAddress("127.0.0.1", a.port())
                .usePlaintext()
                .build();
        try {
            StatusRuntimeException e =
                    assertThrows(StatusRuntimeException.class, () -> GRPCInferenceServiceGrpc.newBlockingStub(bare)
                            .modelInfer(request()));
            assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
            assertEquals(0, a.inferCalls.get());
        } finally {
            bare.shutdownNow();
        }
    }

    @Test
    void closesTheChannelOfAWorkerThatLeft() throws Exception {
        FakeWorker a = fake("a");
        workers.replaceAll(List.of(a.info("m")));
        infer(POLICY);
        assertEquals(1, channels.size());

        workers.replaceAll(List.of());
        assertEquals(0, channels.size());
    }

    /** A worker the registry accepts (host:port) but gRPC cannot dial: "x:y" is not a DNS name. */
    private static WorkerInfo undialable(String id) {
        return new WorkerInfo(WorkerId.of(id), "x:y:8001", "pool-1", Map.of("m", "v"), 1, 1, BigInteger.ONE);
    }

    @Test
    void countsAWorkerWhoseAddressCannotBeDialledAsUnavailableAndServesFromAnother() throws Exception {
        WorkerInfo bad = undialable("bad");
        FakeWorker b = fake("b");
        workers.replaceAll(List.of(bad, b.info("m")));
        disfavour(b); // the first attempt goes to bad

        InferOutcome.Served served = assertInstanceOf(InferOutcome.Served.class, infer(POLICY));
        assertEquals(b.id, served.worker());
        assertEquals(0, balancer.inflight(bad.id()), "the failed attempt does not stay in flight");
        assertEquals(0, router.scaler().inflight("m"), "the request is not left in flight for the scaler");
    }

    @Test
    void completesARequestWhoseRetryLandsOnAWorkerWhoseAddressCannotBeDialled() throws Exception {
        FakeWorker a = fake("a").behave(Behaviour.UNAVAILABLE);
        WorkerInfo bad = undialable("bad");
        workers.replaceAll(List.of(a.info("m"), bad));
        balancer.begin(bad.id()).finish(Feedback.BUSY); // a first, then the retry goes to bad

        Shed shed = assertInstanceOf(Shed.class, infer(POLICY));
        assertEquals(Shed.Reason.WORKERS_UNAVAILABLE, shed.reason());
        assertEquals(0, balancer.inflight(bad.id()));
    }

    @Test
    void doesNotHedgeWithLessThanTheAttemptBudgetLeft() throws Exception {
        FakeWorker a = fake("a").behave(Behaviour.HANG);
        FakeWorker b = fake("b");
        workers.replaceAll(List.of(a.info("m"), b.info("m")));
        balancer.begin(b.id); // the first attempt goes to a; b is not measured slow
        GrpcRouter r = routerWith(balancer, new GrpcRouter.Options(3, Duration.ofSeconds(1)));

        InferOutcome outcome = r.infer(
                        request(),
                        CallPolicy.idempotent(Duration.ofMillis(500)).withHedging(Hedging.after(Duration.ofMillis(20))),
                        Optional.empty())
                .get(30, TimeUnit.SECONDS);
        assertEquals(1, assertInstanceOf(InferOutcome.TimedOut.class, outcome).attempts());
        assertEquals(0, b.inferCalls.get(), "not worth another attempt: under 1 s of the deadline was left");
    }

    @Test
    void neverRetriesTheWorkerWhoseAttemptJustFailedEvenAfterAHedge() throws Exception {
        FakeWorker a = fake("a").behave(Behaviour.UNAVAILABLE).delay(Duration.ofMillis(300));
        FakeWorker b = fake("b").behave(Behaviour.UNAVAILABLE);
        workers.replaceAll(List.of(a.info("m"), b.info("m")));
        balancer.begin(b.id); // the first attempt goes to a; b is not measured slow, so it takes the hedge

        Shed shed = assertInstanceOf(Shed.class, infer(POLICY.withHedging(Hedging.after(Duration.ofMillis(20)))));
        assertEquals(Shed.Reason.WORKERS_UNAVAILABLE, shed.reason());
        assertEquals(1, a.inferCalls.get(), "a (slow to fail), hedge b (fails at once), then b again, not a");
        assertEquals(2, b.inferCalls.get());
    }

    @Test
    void endsTheWaitForAColdLoadAtTheRequestsDeadline() throws Exception {
        ManualClock clock = new ManualClock();
        workers.replaceAll(List.of(
                new WorkerInfo(WorkerId.of("idle"), "127.0.0.1:9", "pool-1", Map.of(), 8L << 30, 1, BigInteger.ONE)));
        CompletableFuture<Void> load = new CompletableFuture<>();
        GrpcRouter r = new GrpcRouter(
                workers,
                balancer,
                new ColdLoadCoordinator(
                        ColdLoadCoordinator.Options.DEFAULTS, // waits up to 10 s for a load
                        workers,
                        ejection,
                        new WorkerControl() {
                            @Override
                            public CompletableFuture<Void> load(WorkerInfo worker, ModelLoadSpec spec) {
                                return load;
                            }

                            @Override
                            public CompletableFuture<Void> unload(WorkerInfo worker, String model) {
                                return CompletableFuture.completedFuture(null);
                            }
                        },
                        clock,
                        clock),
                new DemandScaler(DemandScaler.Options.DEFAULTS, clock),
                channels,
                RetryBudget.unlimited(),
                clock,
                GrpcRouter.Options.DEFAULTS);

        CompletableFuture<InferOutcome> outcome = r.infer(
                request(),
                CallPolicy.idempotent(Duration.ofSeconds(1)),
                Optional.of(new ModelLoadSpec("m", "bafyManifest", 1 << 20, Map.of())));
        clock.advance(Duration.ofSeconds(2));

        assertTrue(outcome.isDone(), "a request with a 1 s timeout is answered by then, not after the 10 s load wait");
        assertEquals(
                0, assertInstanceOf(InferOutcome.TimedOut.class, outcome.get()).attempts());
    }
}
