package io.infermesh.router.balance;

import static io.infermesh.router.testing.Workers.worker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.router.WorkerId;
import io.infermesh.router.WorkerInfo;
import io.infermesh.router.testing.ManualClock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class PeakEwmaBalancerTest {
    private final ManualClock clock = new ManualClock();
    private final WorkerInfo a = worker("a", "m");
    private final WorkerInfo b = worker("b", "m");
    private final WorkerInfo c = worker("c", "m");

    private PeakEwmaBalancer balancer(OutlierEjection.Options ejection) {
        return new PeakEwmaBalancer(
                PeakEwmaBalancer.Options.DEFAULTS, clock, new Random(42), new OutlierEjection(ejection, clock));
    }

    private PeakEwmaBalancer balancer() {
        return balancer(OutlierEjection.Options.DEFAULTS);
    }

    /** Sends {@code n} sequential requests; each takes {@code latency(worker)} and ends with {@code feedback}. */
    private Map<WorkerId, Integer> run(
            PeakEwmaBalancer p, List<WorkerInfo> warm, int n, Function<WorkerId, Outcome> behaviour) {
        Map<WorkerId, Integer> picks = new HashMap<>();
        for (int i = 0; i < n; i++) {
            WorkerInfo w = p.choose(warm, Set.of()).orElseThrow();
            picks.merge(w.id(), 1, Integer::sum);
            PeakEwmaBalancer.Attempt attempt = p.begin(w.id());
            Outcome o = behaviour.apply(w.id());
            clock.advance(o.latency());
            attempt.finish(o.feedback());
            clock.advance(Duration.ofMillis(1));
        }
        return picks;
    }

    /** Gives each worker one successful call that took its latency, one after another on the manual clock. */
    private void measure(PeakEwmaBalancer p, Map<WorkerInfo, Duration> latencies) {
        latencies.forEach((w, latency) -> {
            PeakEwmaBalancer.Attempt t = p.begin(w.id());
            clock.advance(latency);
            t.finish(Feedback.SUCCESS);
        });
    }

    private record Outcome(Duration latency, Feedback feedback) {}

    @Test
    void prefersTheWorkerWithTheLowerLatency() {
        PeakEwmaBalancer p = balancer();
        Map<WorkerId, Integer> picks = run(
                p,
                List.of(a, b, c),
                3000,
                id -> new Outcome(
                        id.equals(c.id()) ? Duration.ofMillis(100) : Duration.ofMillis(10), Feedback.SUCCESS));

        assertTrue(picks.getOrDefault(c.id(), 0) < 3000 / 100, "slow worker got " + picks);
        assertTrue(picks.get(a.id()) > 1000 && picks.get(b.id()) > 1000, "fast workers share the rest: " + picks);
    }

    @Test
    void roundRobinIgnoresLatencyAndTakesEachWorkerInTurn() {
        PeakEwmaBalancer p = new PeakEwmaBalancer(
                PeakEwmaBalancer.Options.DEFAULTS,
                PeakEwmaBalancer.Choice.ROUND_ROBIN,
                clock,
                new Random(42),
                new OutlierEjection(OutlierEjection.Options.DEFAULTS, clock));
        Map<WorkerId, Integer> picks = run(
                p,
                List.of(a, b, c),
                300,
                id -> new Outcome(
                        id.equals(c.id()) ? Duration.ofMillis(100) : Duration.ofMillis(10), Feedback.SUCCESS));

        assertEquals(Map.of(a.id(), 100, b.id(), 100, c.id(), 100), picks);
        assertEquals(b, p.choose(List.of(a, b, c), Set.of(a.id())).orElseThrow(), "an excluded worker is skipped");
    }

    @Test
    void aWorkerThatFailsFastGetsLittleTraffic() {
        // Ejection out of the way: the penalty alone must keep traffic off the worker.
        PeakEwmaBalancer p =
                balancer(new OutlierEjection.Options(1_000_000, Duration.ofSeconds(1), Duration.ofSeconds(1)));
        Map<WorkerId, Integer> picks = run(
                p,
                List.of(a, b, c),
                3000,
                id -> id.equals(c.id())
                        ? new Outcome(Duration.ofMillis(1), Feedback.FAILURE)
                        : new Outcome(Duration.ofMillis(10), Feedback.SUCCESS));

        assertTrue(picks.getOrDefault(c.id(), 0) < 3000 / 50, "failing worker got " + picks);
    }

    @Test
    void aFailureCountsAsAtLeastThePenalty() {
        PeakEwmaBalancer p = balancer();
        p.begin(a.id()).finish(Feedback.FAILURE);

        assertEquals(PeakEwmaBalancer.Options.DEFAULTS.failurePenalty(), p.estimate(a.id()));
    }

    @Test
    void aSlowSampleReplacesTheEstimateAtOnceAndAFastOneDecaysItGradually() {
        PeakEwmaBalancer p = balancer();
        PeakEwmaBalancer.Attempt first = p.begin(a.id());
        clock.advance(Duration.ofMillis(10));
        first.finish(Feedback.SUCCESS);
        PeakEwmaBalancer.Attempt slow = p.begin(a.id());
        clock.advance(Duration.ofMillis(200));
        slow.finish(Feedback.SUCCESS);
        assertEquals(Duration.ofMillis(200), p.estimate(a.id()), "peak");

        clock.advance(Duration.ofSeconds(1));
        double w = Math.exp(-1.0 / 10);
        assertEquals(200e6 * w, p.estimate(a.id()).toNanos(), 1e3, "E(t) = E·exp(−Δt/τ)");

        PeakEwmaBalancer.Attempt fast = p.begin(a.id());
        fast.finish(Feedback.SUCCESS); // 0 ns at Δt = 1 s: E ← E·w + 0·(1−w)
        assertEquals(200e6 * w, p.estimate(a.id()).toNanos(), 1e3);
    }

    @Test
    void requestsInFlightMakeAFastWorkerLookBusy() {
        PeakEwmaBalancer p = balancer();
        for (WorkerInfo w : List.of(a, b)) {
            PeakEwmaBalancer.Attempt t = p.begin(w.id());
            clock.advance(Duration.ofMillis(10));
            t.finish(Feedback.SUCCESS);
        }
        p.begin(a.id());
        p.begin(a.id());

        for (int i = 0; i < 20; i++) {
            assertEquals(b.id(), p.choose(List.of(a, b), Set.of()).orElseThrow().id());
        }
        assertEquals(2, p.inflight(a.id()));
        assertEquals(3 * p.estimate(a.id()).toNanos(), p.cost(a.id()), 1.0);
    }

    @Test
    void anIdleSlowWorkerIsTriedAgainWhenTheFastOneIsBusyNotWhileItIsIdle() {
        PeakEwmaBalancer p = balancer();
        measure(p, Map.of(a, Duration.ofMillis(5), b, Duration.ofMillis(100)));
        clock.advance(Duration.ofSeconds(60)); // b's 100 ms faded by exp(−6): 0.25 ms towards zero
        assertTrue(p.estimate(b.id()).compareTo(Duration.ofMillis(1)) < 0, "what estimate() reports still fades");
        for (int i = 0; i < 20; i++) {
            assertEquals(a.id(), p.choose(List.of(a, b), Set.of()).orElseThrow().id(), "a is idle and faster");
        }
        p.begin(a.id()); // a busy: 5 ms × 2 against b's estimate faded towards a's (≈ 5.2 ms)
        assertEquals(b.id(), p.choose(List.of(a, b), Set.of()).orElseThrow().id());
    }

    @Test
    void aHedgeGoesOnlyToAWorkerMeasuredWithinItsDelayHoweverLongTheSlowOneIdled() {
        PeakEwmaBalancer p = balancer();
        measure(p, Map.of(a, Duration.ofMillis(5), b, Duration.ofMillis(6), c, Duration.ofMillis(100)));
        clock.advance(Duration.ofSeconds(60)); // c idle: its 100 ms faded towards any other's
        p.begin(a.id()); // the call being hedged, on a
        p.begin(b.id()); // b busy: 6 ms × 2 against c faded towards b's 6 ms
        assertEquals(
                c.id(), p.choose(List.of(a, b, c), Set.of(a.id())).orElseThrow().id(), "an ordinary pick tries c");
        for (int i = 0; i < 20; i++) {
            assertEquals(
                    b.id(),
                    p.chooseWithin(List.of(a, b, c), Set.of(a.id()), Duration.ofMillis(20))
                            .orElseThrow()
                            .id(),
                    "c was last measured at 100 ms: it cannot beat a call already 20 ms late");
        }
        assertTrue(
                p.chooseWithin(List.of(a, c), Set.of(a.id()), Duration.ofMillis(20))
                        .isEmpty(),
                "no hedge at all");
        assertEquals(
                c.id(),
                p.chooseWithin(List.of(a, c), Set.of(a.id()), Duration.ofMillis(150))
                        .orElseThrow()
                        .id());
    }

    @Test
    void aWorkerThatWinsOnlyByItsFadedEstimateIsProbedWhileTheRequestGoesToTheMeasuredCheaperOne() {
        PeakEwmaBalancer p = balancer();
        measure(p, Map.of(b, Duration.ofMillis(6), c, Duration.ofMillis(100)));
        clock.advance(Duration.ofSeconds(60)); // c idle: its 100 ms faded towards b's 6 ms
        p.begin(b.id()); // b busy: 6 ms × 2 against c's faded ~6 ms, but c's measured 100 ms
        assertEquals(c.id(), p.choose(List.of(b, c), Set.of()).orElseThrow().id(), "choose still tries c");
        assertEquals(
                new PeakEwmaBalancer.Pick(c, Optional.empty()),
                p.pick(List.of(b, c), false).orElseThrow(),
                "without probes a pick is choose's");
        assertEquals(
                new PeakEwmaBalancer.Pick(b, Optional.of(c)),
                p.pick(List.of(b, c), true).orElseThrow(),
                "the request goes to b; c gets a copy to be measured");

        for (int i = 0; i < 15; i++) {
            p.begin(b.id()); // 16 in flight on b: 6 ms × 17 = 102 ms, above c's measured 100 ms × 1
        }
        assertEquals(
                new PeakEwmaBalancer.Pick(c, Optional.empty()),
                p.pick(List.of(b, c), true).orElseThrow(),
                "c wins on its measured cost: under this load the slow worker takes real calls");
    }

    @Test
    void neverChoosesAnExcludedWorker() {
        PeakEwmaBalancer p = balancer();
        for (int i = 0; i < 100; i++) {
            assertEquals(
                    c.id(),
                    p.choose(List.of(a, b, c), Set.of(a.id(), b.id()))
                            .orElseThrow()
                            .id());
        }
        assertTrue(p.choose(List.of(a), Set.of(a.id())).isEmpty());
        assertTrue(p.choose(List.of(), Set.of()).isEmpty());
    }

    @Test
    void ejectsAWorkerAfterRepeatedFailuresProbesItOnceThenReadmitsIt() {
        OutlierEjection.Options options = new OutlierEjection.Options(3, Duration.ofSeconds(5), Duration.ofMinutes(1));
        PeakEwmaBalancer p = balancer(options);
        for (int i = 0; i < 3; i++) {
            p.begin(c.id()).finish(Feedback.FAILURE);
        }
        for (int i = 0; i < 50; i++) {
            assertFalse(p.choose(List.of(a, b, c), Set.of()).orElseThrow().id().equals(c.id()), "ejected");
        }

        clock.advance(Duration.ofSeconds(5));
        assertEquals(c.id(), p.choose(List.of(a, b, c), Set.of()).orElseThrow().id(), "the probe");
        for (int i = 0; i < 50; i++) {
            assertFalse(p.choose(List.of(a, b, c), Set.of()).orElseThrow().id().equals(c.id()), "one probe only");
        }

        PeakEwmaBalancer.Attempt probe = p.begin(c.id());
        clock.advance(Duration.ofMillis(5));
        probe.finish(Feedback.SUCCESS);
        assertEquals(Duration.ofMillis(5), p.estimate(c.id()), "re-admitted with the probe's latency");
        assertTrue(p.choose(List.of(c), Set.of()).isPresent());
    }

    private PeakEwmaBalancer withCEjectedAndItsProbeDue() {
        PeakEwmaBalancer p = balancer(new OutlierEjection.Options(3, Duration.ofSeconds(5), Duration.ofMinutes(1)));
        for (int i = 0; i < 3; i++) {
            p.begin(c.id()).finish(Feedback.FAILURE);
        }
        clock.advance(Duration.ofSeconds(5));
        return p;
    }

    @Test
    void anEjectedWorkersProbeIsACopyWhenTheRequestMayRunTwice() {
        PeakEwmaBalancer p = withCEjectedAndItsProbeDue();

        PeakEwmaBalancer.Pick pick = p.pick(List.of(a, b, c), true).orElseThrow();
        assertEquals(Optional.of(c), pick.probe(), "c's probe is due: it gets a copy");
        assertTrue(Set.of(a, b).contains(pick.worker()), "the request goes to an admitted worker");
        assertEquals(
                Optional.empty(), p.pick(List.of(a, b, c), true).orElseThrow().probe(), "one probe only");

        PeakEwmaBalancer.Attempt copy = p.begin(c.id());
        clock.advance(Duration.ofMillis(5));
        copy.finish(Feedback.SUCCESS);
        assertTrue(p.choose(List.of(c), Set.of()).isPresent(), "the copy's answer re-admitted c");
    }

    @Test
    void anEjectedWorkerWithNoOtherIsProbedByTheRequestItself() {
        PeakEwmaBalancer p = withCEjectedAndItsProbeDue();
        assertEquals(
                new PeakEwmaBalancer.Pick(c, Optional.empty()),
                p.pick(List.of(c), true).orElseThrow());
    }
}
