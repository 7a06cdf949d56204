package io.infermesh.pool.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private static List<Long> waitsMillis(Backoff backoff, int n) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(backoff.next().toMillis());
        }
        return out;
    }

    @Test
    void waitsDoubleUpToTheMaximumAndNeverFallBelowHalfAStep() {
        Backoff low = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(4), () -> 0.0);
        assertEquals(List.of(250L, 500L, 1000L, 2000L, 2000L, 2000L), waitsMillis(low, 6));
        Backoff high = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(4), () -> 0.999_999);
        assertEquals(List.of(499L, 999L, 1999L, 3999L, 3999L), waitsMillis(high, 5));
    }

    @Test
    void aResetStartsOverFromTheInitialWait() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), () -> 0.0);
        waitsMillis(backoff, 5);
        assertEquals(5, backoff.failures());
        backoff.reset();
        assertEquals(List.of(50L, 100L), waitsMillis(backoff, 2));
    }

    @Test
    void manyFailuresInARowStayAtTheMaximum() {
        Backoff backoff = new Backoff(Duration.ofMillis(1), Duration.ofSeconds(15), () -> 0.5);
        List<Long> waits = waitsMillis(backoff, 1000);
        assertEquals(11_250L, waits.getLast());
    }

    @Test
    void refusesAMaximumBelowTheInitialWait() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), () -> 0));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), () -> 0));
    }
}
