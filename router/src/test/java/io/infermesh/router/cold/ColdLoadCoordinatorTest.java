package io.infermesh.router.cold;

import static io.infermesh.router.testing.Workers.GIB;
import static io.infermesh.router.testing.Workers.sized;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.router.ModelLoadSpec;
import io.infermesh.router.RouteDecision;
import io.infermesh.router.Routed;
import io.infermesh.router.Shed;
import io.infermesh.router.WorkerId;
import io.infermesh.router.WorkerInfo;
import io.infermesh.router.WorkerSet;
import io.infermesh.router.balance.OutlierEjection;
import io.infermesh.router.spi.WorkerControl;
import io.infermesh.router.testing.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ColdLoadCoordinatorTest {
    private static final ModelLoadSpec MODEL = new ModelLoadSpec("m", "bafyManifest", 2 * GIB, Map.of());

    private final ManualClock clock = new ManualClock();
    private final WorkerSet workers = new WorkerSet(clock, Duration.ofSeconds(10));
    private final RecordingControl control = new RecordingControl();
    private final OutlierEjection ejection = new OutlierEjection(OutlierEjection.Options.DEFAULTS, clock);
    private final ColdLoadCoordinator coordinator =
            new ColdLoadCoordinator(ColdLoadCoordinator.Options.DEFAULTS, workers, ejection, control, clock, clock);

    /** A worker control whose loads finish when the test says so. */
    static final class RecordingControl implements WorkerControl {
        final List<WorkerId> loads = new ArrayList<>();
        final List<CompletableFuture<Void>> pending = new ArrayList<>();

        @Override
        public synchronized CompletableFuture<Void> load(WorkerInfo worker, ModelLoadSpec spec) {
            loads.add(worker.id());
            CompletableFuture<Void> f = new CompletableFuture<>();
            pending.add(f);
            return f;
        }

        @Override
        public CompletableFuture<Void> unload(WorkerInfo worker, String model) {
            return CompletableFuture.completedFuture(null);
        }

        synchronized CompletableFuture<Void> last() {
            return pending.getLast();
        }
    }

    @Test
    void concurrentCallersStartExactlyOneLoad() throws Exception {
        workers.replaceAll(List.of(sized("a", 8 * GIB, 100, 1), sized("b", 8 * GIB, 100, 1)));
        int callers = 16;
        CountDownLatch go = new CountDownLatch(1);
        List<Future<CompletableFuture<RouteDecision>>> calls = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(callers)) {
            for (int i = 0; i < callers; i++) {
                calls.add(pool.submit(() -> {
                    go.await();
                    return coordinator.awaitWarm(MODEL);
                }));
            }
            go.countDown();
            List<CompletableFuture<RouteDecision>> decisions = new ArrayList<>();
            for (Future<CompletableFuture<RouteDecision>> c : calls) {
                decisions.add(c.get(10, TimeUnit.SECONDS));
            }
            assertEquals(1, control.loads.size());
            assertTrue(decisions.stream().noneMatch(CompletableFuture::isDone));

            control.last().complete(null);
            WorkerId loader = control.loads.getFirst();
            for (CompletableFuture<RouteDecision> d : decisions) {
                assertEquals(loader, ((Routed) d.getNow(null)).worker().id());
            }
            assertEquals(
                    List.of(loader),
                    workers.warm("m").stream().map(WorkerInfo::id).toList());
        }
    }

    @Test
    void shedsWithRetryAfterWhenTheLoadTakesLongerThanTheWait() {
        workers.replaceAll(List.of(sized("a", 8 * GIB, 100, 1)));
        CompletableFuture<RouteDecision> d = coordinator.awaitWarm(MODEL);
        clock.advance(Duration.ofSeconds(10));

        Shed shed = assertInstanceOf(Shed.class, d.getNow(null));
        assertEquals(Shed.Reason.COLD_LOAD_PENDING, shed.reason());
        assertEquals(5, shed.retryAfterSeconds(), "default load time 15 s minus 10 s waited");
        assertTrue(coordinator.loading("m"), "the load goes on");
    }

    @Test
    void aFailedLoadLetsTheNextCallerTryAnotherWorker() {
        workers.replaceAll(List.of(sized("a", 8 * GIB, 200, 1), sized("b", 8 * GIB, 100, 1)));
        CompletableFuture<RouteDecision> first = coordinator.awaitWarm(MODEL);
        control.last().completeExceptionally(new IllegalStateException("disk full"));

        assertEquals(Shed.Reason.COLD_LOAD_FAILED, ((Shed) first.getNow(null)).reason());
        assertFalse(coordinator.loading("m"));

        CompletableFuture<RouteDecision> second = coordinator.awaitWarm(MODEL);
        assertEquals(List.of(WorkerId.of("a"), WorkerId.of("b")), control.loads);
        control.last().complete(null);
        assertEquals(WorkerId.of("b"), ((Routed) second.getNow(null)).worker().id());
    }

    @Test
    void picksAWorkerWithRoomThenTheHighestScoreThenTheLowestPrice() {
        workers.replaceAll(List.of(
                sized("small", 1 * GIB, 1000, 1),
                sized("pricey", 8 * GIB, 300, 50),
                sized("cheap", 8 * GIB, 300, 10),
                sized("slow", 16 * GIB, 100, 1)));
        coordinator.awaitWarm(MODEL);

        assertEquals(List.of(WorkerId.of("cheap")), control.loads);
    }

    @Test
    void doesNotStartTwoLoadsThatTogetherOverfillOneWorker() {
        workers.replaceAll(List.of(sized("a", 3 * GIB, 200, 1), sized("b", 3 * GIB, 100, 1)));
        coordinator.awaitWarm(MODEL);
        coordinator.awaitWarm(new ModelLoadSpec("other", "bafyOther", 2 * GIB, Map.of()));

        assertEquals(List.of(WorkerId.of("a"), WorkerId.of("b")), control.loads);
    }

    @Test
    void shedsForCapacityWhenNoWorkerHasRoom() {
        workers.replaceAll(List.of(sized("a", 1 * GIB, 100, 1)));
        Shed shed = (Shed) coordinator.awaitWarm(MODEL).getNow(null);

        assertEquals(Shed.Reason.NO_CAPACITY, shed.reason());
        assertEquals(30, shed.retryAfterSeconds());
        assertTrue(control.loads.isEmpty());
    }

    @Test
    void scalesOutToAWorkerThatDoesNotHoldTheModelYet() {
        workers.replaceAll(List.of(sized("a", 8 * GIB, 200, 1), sized("b", 8 * GIB, 100, 1)));
        workers.markWarm(WorkerId.of("a"), "m", "bafyManifest");

        assertEquals(
                WorkerId.of("b"), coordinator.loadOnOneMore(MODEL).orElseThrow().id());
        assertTrue(coordinator.loadOnOneMore(MODEL).isEmpty(), "one load at a time per model");
    }

    /**
     * A worker ejected after failures (say it crashed) and back within its lease holding no model: probes go only to
     * workers warm for the requested model, so only a load can probe it. Once its ejection is over it is asked to
     * load, and the load done re-admits it.
     */
    @Test
    void anEjectedWorkerThatHoldsNoModelIsAskedToLoadOnceItsEjectionIsOver() {
        workers.replaceAll(List.of(sized("a", 8 * GIB, 100, 1)));
        WorkerId a = WorkerId.of("a");
        for (int i = 0; i < OutlierEjection.Options.DEFAULTS.consecutiveFailures(); i++) {
            ejection.failed(a); // e.g. the calls in flight when it crashed
        }
        clock.advance(Duration.ofHours(1)); // 5 s ejection, long over

        RouteDecision d = coordinator
                .awaitWarm(new ModelLoadSpec("m", "bafyManifest", 2 * GIB, Map.of()))
                .getNow(null);
        assertEquals(List.of(a), control.loads, "the only worker with room was never asked: " + d);
        assertFalse(ejection.admits(a), "still on probation while the load runs");
        control.last().complete(null);
        assertTrue(ejection.admits(a), "the load was its probe");
    }

    @Test
    void anEjectedWorkerIsNotAskedToLoadBeforeItsProbeIsDue() {
        workers.replaceAll(List.of(sized("a", 8 * GIB, 100, 1)));
        for (int i = 0; i < OutlierEjection.Options.DEFAULTS.consecutiveFailures(); i++) {
            ejection.failed(WorkerId.of("a"));
        }
        RouteDecision d = coordinator
                .awaitWarm(new ModelLoadSpec("m", "bafyManifest", 2 * GIB, Map.of()))
                .getNow(null);
        assertTrue(d instanceof Shed s && s.reason() == Shed.Reason.NO_CAPACITY, String.valueOf(d));
        assertEquals(List.of(), control.loads);
    }

    /**
     * After a load the worker's free memory is still the lease's, from before the load, until a heartbeat says
     * otherwise: the reservation stays for the correction TTL, so a second model is not placed on a worker that no
     * longer has room for it.
     */
    @Test
    void aModelJustLoadedStillCountsAgainstTheWorkersMemoryUntilTheLeaseShowsIt() {
        workers.replaceAll(List.of(sized("a", 8 * GIB, 100, 1)));
        CompletableFuture<RouteDecision> first =
                coordinator.awaitWarm(new ModelLoadSpec("big-1", "bafyOne", 6 * GIB, Map.of()));
        control.last().complete(null);
        assertInstanceOf(Routed.class, first.getNow(null));

        // Within the same heartbeat: the lease still says 8 GiB free.
        RouteDecision second = coordinator
                .awaitWarm(new ModelLoadSpec("big-2", "bafyTwo", 6 * GIB, Map.of()))
                .getNow(null);
        assertEquals(
                List.of(WorkerId.of("a")), control.loads, "a second 6 GiB model was sent to a worker with 2 GiB left");
        assertTrue(second instanceof Shed s && s.reason() == Shed.Reason.NO_CAPACITY);

        clock.advance(Duration.ofSeconds(10)); // the correction TTL: by now a lease reports the memory taken
        workers.replaceAll(List.of(sized("a", 2 * GIB, 100, 1)));
        assertInstanceOf(
                Shed.class,
                coordinator
                        .awaitWarm(new ModelLoadSpec("big-3", "bafyThree", 6 * GIB, Map.of()))
                        .getNow(null));
        workers.replaceAll(List.of(sized("a", 8 * GIB, 100, 1))); // and had it unloaded: room again
        coordinator.awaitWarm(new ModelLoadSpec("big-4", "bafyFour", 6 * GIB, Map.of()));
        assertEquals(2, control.loads.size(), "the reservation ended with the TTL");
    }
}
