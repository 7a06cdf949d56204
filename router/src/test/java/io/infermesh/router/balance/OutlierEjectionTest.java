package io.infermesh.router.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.router.WorkerId;
import io.infermesh.router.testing.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class OutlierEjectionTest {
    private final ManualClock clock = new ManualClock();
    private final OutlierEjection ejection =
            new OutlierEjection(new OutlierEjection.Options(3, Duration.ofSeconds(5), Duration.ofSeconds(30)), clock);
    private final WorkerId w = WorkerId.of("w");

    private void fail(int times) {
        for (int i = 0; i < times; i++) {
            ejection.failed(w);
        }
    }

    @Test
    void ejectsOnlyAfterTheConfiguredFailuresInARow() {
        fail(2);
        ejection.succeeded(w);
        fail(2);
        assertTrue(ejection.admits(w));
        fail(1);
        assertFalse(ejection.admits(w));
        assertTrue(ejection.anyOutOfRotation());
    }

    @Test
    void allowsExactlyOneProbeOnceTheEjectionTimeIsOver() {
        fail(3);
        clock.advance(Duration.ofMillis(4999));
        assertFalse(ejection.tryClaimProbe(w));
        clock.advance(Duration.ofMillis(1));
        assertTrue(ejection.tryClaimProbe(w));
        assertFalse(ejection.tryClaimProbe(w));
        assertTrue(ejection.succeeded(w));
        assertTrue(ejection.admits(w));
        assertFalse(ejection.anyOutOfRotation());
    }

    @Test
    void aFailedProbeEjectsAgainForTwiceAsLongUpToTheCap() {
        fail(3);
        long[] expectedSeconds = {10, 20, 30, 30};
        for (long seconds : expectedSeconds) {
            clock.advance(Duration.ofSeconds(30));
            assertTrue(ejection.tryClaimProbe(w));
            ejection.failed(w);
            clock.advance(Duration.ofSeconds(seconds).minusMillis(1));
            assertFalse(ejection.tryClaimProbe(w), "still ejected before " + seconds + " s");
            clock.advance(Duration.ofMillis(1));
            assertTrue(ejection.tryClaimProbe(w));
            ejection.released(w);
        }
        assertEquals(5_000_000_000L, ejection.ejectionNanos(1));
        assertEquals(30_000_000_000L, ejection.ejectionNanos(40));
    }

    @Test
    void aReleasedProbeMayBeClaimedAgain() {
        fail(3);
        clock.advance(Duration.ofSeconds(5));
        assertTrue(ejection.tryClaimProbe(w));
        ejection.released(w);
        assertTrue(ejection.tryClaimProbe(w));
    }

    @Test
    void aProbeClaimWithoutAnOutcomeLapsesAfterTheBaseEjectionTime() {
        fail(3);
        clock.advance(Duration.ofSeconds(5));
        assertTrue(ejection.tryClaimProbe(w));
        clock.advance(Duration.ofMillis(4999));
        assertFalse(ejection.tryClaimProbe(w));
        clock.advance(Duration.ofMillis(1));
        assertTrue(ejection.tryClaimProbe(w));
    }
}
