package io.infermesh.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Reading cyclictest's histogram file (the format rt-tests 2.4 writes with {@code --histfile}). */
class WakeUpProbeTest {
    @Test
    void quantilesComeFromTheBucketsAndOverflowsCountAsTheLastOne() {
        StringBuilder file = new StringBuilder("# Histogram\n");
        for (int us = 0; us < 2000; us++) {
            long n = us == 120 ? 980 : us == 1900 ? 9 : 0; // 980 wake-ups 0.12 ms late, 9 at 1.9 ms
            file.append(String.format("%06d %06d%n", us, n));
        }
        file.append("# Total: 000000990\n# Min Latencies: 00120\n# Avg Latencies: 00140\n")
                .append("# Max Latencies: 61000\n# Histogram Overflows: 00001\n");

        WakeUpProbe.Latencies l = WakeUpProbe.Latencies.parse(file.toString());

        assertEquals(990, l.samples());
        assertEquals(1, l.overflows());
        assertEquals(120, l.p50());
        assertEquals(1900, l.p99(), "ranks 981–989 are the 1.9 ms wake-ups");
        assertEquals(50_000, l.p999(), "rank 990 is the overflow, past the histogram's 50 ms");
        assertEquals(61_000, l.max());
        assertTrue(l.describe().contains("p99 1.90 ms") && l.describe().contains("(1 past 50 ms)"), l.describe());
    }

    @Test
    void aFileWithoutWakeUpsIsAnError() {
        assertThrows(IllegalStateException.class, () -> WakeUpProbe.Latencies.parse("# Histogram\n# Total: 0\n"));
    }
}
