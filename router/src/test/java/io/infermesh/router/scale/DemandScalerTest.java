package io.infermesh.router.scale;

import static io.infermesh.router.testing.Workers.worker;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.infermesh.router.WorkerId;
import io.infermesh.router.WorkerSet;
import io.infermesh.router.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DemandScalerTest {
    private final ManualClock clock = new ManualClock();
    private final WorkerSet workers = new WorkerSet(clock, Duration.ofSeconds(10));
    private final DemandScaler scaler = new DemandScaler(
            new DemandScaler.Options(4.0, Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(10)),
            clock);

    private void inflight(String model, int n) {
        for (int i = 0; i < n; i++) {
            scaler.started(model);
            scaler.routed(model, WorkerId.of("a"));
        }
    }

    @Test
    void asksForOneMoreWorkerWhenQueueingStaysAboveTheThreshold() {
        workers.replaceAll(List.of(worker("a", "m"), worker("b", "m")));
        inflight("m", 9); // 4.5 per worker

        assertEquals(List.of(), scaler.evaluate(workers));
        clock.advance(Duration.ofSeconds(9));
        assertEquals(List.of(), scaler.evaluate(workers));
        clock.advance(Duration.ofSeconds(1));
        assertEquals(List.of(new ScaleDecision.LoadOnOneMore("m", 4.5)), scaler.evaluate(workers));
    }

    @Test
    void ignoresABurstShorterThanTheSustainPeriod() {
        workers.replaceAll(List.of(worker("a", "m")));
        inflight("m", 5);
        scaler.evaluate(workers);
        clock.advance(Duration.ofSeconds(5));
        for (int i = 0; i < 5; i++) {
            scaler.finished("m");
        }
        scaler.evaluate(workers);
        inflight("m", 5);
        clock.advance(Duration.ofSeconds(6));

        assertEquals(List.of(), scaler.evaluate(workers));
    }

    @Test
    void waitsForTheCooldownBeforeScalingTheSameModelAgain() {
        workers.replaceAll(List.of(worker("a", "m")));
        inflight("m", 10);
        scaler.evaluate(workers);
        clock.advance(Duration.ofSeconds(10));
        assertEquals(1, scaler.evaluate(workers).size());

        clock.advance(Duration.ofSeconds(20));
        assertEquals(List.of(), scaler.evaluate(workers), "within the cooldown");
        clock.advance(Duration.ofSeconds(10));
        assertEquals(1, scaler.evaluate(workers).size());
    }

    @Test
    void unloadsAModelIdleOnAWorkerForTheTtlDownToZero() {
        workers.replaceAll(List.of(worker("a", "m"), worker("b", "m")));
        scaler.evaluate(workers);
        clock.advance(Duration.ofMinutes(5));
        scaler.started("m");
        scaler.routed("m", WorkerId.of("a"));
        scaler.finished("m");

        clock.advance(Duration.ofMinutes(5));
        assertEquals(List.of(new ScaleDecision.Unload("m", WorkerId.of("b"))), scaler.evaluate(workers));
        assertEquals(List.of(), scaler.evaluate(workers), "decided once");

        clock.advance(Duration.ofMinutes(5));
        assertEquals(List.of(new ScaleDecision.Unload("m", WorkerId.of("a"))), scaler.evaluate(workers));
    }
}
