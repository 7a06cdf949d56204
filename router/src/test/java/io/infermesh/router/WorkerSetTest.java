package io.infermesh.router;

import static io.infermesh.router.testing.Workers.worker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.router.testing.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkerSetTest {
    private final ManualClock clock = new ManualClock();
    private final WorkerSet set = new WorkerSet(clock, Duration.ofSeconds(10));

    private static List<String> ids(List<WorkerInfo> workers) {
        return workers.stream().map(w -> w.id().value()).toList();
    }

    @Test
    void listsOnlyTheWorkersHoldingAModelWarm() {
        set.replaceAll(List.of(worker("a", "m1"), worker("b", "m1", "m2"), worker("c")));

        assertEquals(List.of("a", "b"), ids(set.warm("m1")));
        assertEquals(List.of("b"), ids(set.warm("m2")));
        assertEquals(List.of(), set.warm("m3"));
    }

    @Test
    void tellsListenersAboutWorkersThatLeft() {
        List<WorkerId> departed = new ArrayList<>();
        set.onDeparture(w -> departed.add(w.id()));
        set.replaceAll(List.of(worker("a", "m"), worker("b", "m")));
        set.replaceAll(List.of(worker("b", "m")));
        set.remove(WorkerId.of("b"));

        assertEquals(List.of(WorkerId.of("a"), WorkerId.of("b")), departed);
        assertTrue(set.warm("m").isEmpty());
    }

    @Test
    void keepsAWarmCorrectionOverStaleSnapshotsUntilItExpires() {
        set.replaceAll(List.of(worker("a")));
        set.markWarm(WorkerId.of("a"), "m", "cid1");
        set.replaceAll(List.of(worker("a")));
        assertEquals(List.of("a"), ids(set.warm("m")));
        assertEquals(
                "cid1", set.get(WorkerId.of("a")).orElseThrow().loadedModels().get("m"));

        clock.advance(Duration.ofSeconds(10));
        set.replaceAll(List.of(worker("a")));
        assertEquals(List.of(), set.warm("m"));
    }

    @Test
    void hidesAModelAWorkerSaidItDoesNotHold() {
        set.replaceAll(List.of(worker("a", "m"), worker("b", "m")));
        set.markCold(WorkerId.of("a"), "m");
        set.replaceAll(List.of(worker("a", "m"), worker("b", "m")));

        assertEquals(List.of("b"), ids(set.warm("m")));
    }

    @Test
    void rejectsTheSameWorkerTwiceInOneSnapshot() {
        assertThrows(RouterException.class, () -> set.replaceAll(List.of(worker("a"), worker("a"))));
    }

    @Test
    void rejectsAWorkerIdOutsideItsCharset() {
        assertThrows(RouterException.class, () -> WorkerId.of("a b"));
        assertThrows(RouterException.class, () -> WorkerId.of(""));
    }
}
