package io.infermesh.router.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Simulated time only (seeded), so the comparison is deterministic and safe to assert. */
class TailLatencySimulationTest {
    @Test
    void keepsTheP99AtLeastThreeTimesLowerThanRoundRobinWhenOneWorkerIsTenTimesSlower() {
        TailLatencySimulation.Setup setup = new TailLatencySimulation.Setup(20_000, 90, 10, 10, 4, 1);
        TailLatencySimulation.Result rr = TailLatencySimulation.roundRobin(setup);
        TailLatencySimulation.Result router = TailLatencySimulation.peakEwma(setup);

        assertTrue(rr.p99() >= 3 * router.p99(), "round robin " + rr + " vs router " + router);
    }
}
