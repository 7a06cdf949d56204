package io.infermesh.functions.inference;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.functions.Hold;
import io.infermesh.functions.RequestId;
import io.infermesh.functions.Reservation;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Wei;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class KnownBalancesTest {
    private static final EthAddress ALICE = EthAddress.of("0x00000000000000000000000000000000000000a1");
    private static final EthAddress BOB = EthAddress.of("0x00000000000000000000000000000000000000b2");

    @Test
    void anUnseenAccountIsNeverCovered() {
        assertFalse(new KnownBalances(10, 16).covers(ALICE, Wei.ZERO));
    }

    @Test
    void coversOnlyWithHeadroomTimesThePrice() {
        KnownBalances b = new KnownBalances(10, 16);
        b.saw(ALICE, reserved(1600));
        assertTrue(b.covers(ALICE, Wei.parse("100")));
        assertFalse(b.covers(ALICE, Wei.parse("101")));

        b.saw(ALICE, new Reservation.Insufficient(Wei.parse("5"), Wei.parse("100")));
        assertFalse(b.covers(ALICE, Wei.parse("1")), "the last answer wins, even a refusal");
    }

    @Test
    void forgetsTheLeastRecentlySeenBeyondCapacity() {
        KnownBalances b = new KnownBalances(1, 1);
        b.saw(ALICE, reserved(10));
        b.saw(BOB, reserved(10));
        assertFalse(b.covers(ALICE, Wei.parse("1")));
        assertTrue(b.covers(BOB, Wei.parse("1")));
    }

    @Test
    void refusesNonsenseSettings() {
        assertThrows(IllegalArgumentException.class, () -> new KnownBalances(0, 16));
        assertThrows(IllegalArgumentException.class, () -> new KnownBalances(10, 0));
    }

    private static Reservation reserved(long balance) {
        return new Reservation.Reserved(
                new Hold(ALICE, new RequestId("r1"), Wei.parse("1"), Instant.EPOCH), Wei.parse(Long.toString(balance)));
    }
}
