package io.infermesh.pool.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SequenceGroupingTest {
    @Test
    void runsEverySequenceAloneWhenARunCostsNothing() {
        assertArrayEquals(new int[] {1, 2, 3}, SequenceGrouping.plan(new int[] {5, 9, 30}, 0, 32));
    }

    @Test
    void padsIntoOneRunWhenRunsAreExpensive() {
        assertArrayEquals(new int[] {3}, SequenceGrouping.plan(new int[] {5, 9, 30}, 1000, 32));
    }

    @Test
    void keepsEqualLengthsTogetherAndSplitsAtABigJump() {
        // Two runs cost 2·6 + 4·10 + 4·40 = 212; one run costs 6 + 8·40 = 326.
        assertArrayEquals(new int[] {4, 8}, SequenceGrouping.plan(new int[] {10, 10, 10, 10, 40, 40, 40, 40}, 6, 32));
    }

    @Test
    void neverExceedsTheLargestRun() {
        int[] lengths = new int[70];
        java.util.Arrays.fill(lengths, 12);
        int[] ends = SequenceGrouping.plan(lengths, 1000, 32);
        assertEquals(70, ends[ends.length - 1]);
        int from = 0;
        for (int end : ends) {
            assertTrue(end - from <= 32 && end > from);
            from = end;
        }
        assertEquals(3, ends.length);
    }

    @Test
    void findsTheCheapestCutOfRandomBatches() {
        Random random = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + random.nextInt(9);
            int[] lengths = random.ints(n, 3, 60).sorted().toArray();
            double c = random.nextInt(20);
            int maxGroup = 1 + random.nextInt(4);
            assertEquals(
                    bruteForce(lengths, c, maxGroup),
                    cost(lengths, SequenceGrouping.plan(lengths, c, maxGroup), c),
                    1e-9);
        }
    }

    @Test
    void handlesAnEmptyBatch() {
        assertArrayEquals(new int[0], SequenceGrouping.plan(new int[0], 6, 32));
    }

    private static double cost(int[] lengths, int[] ends, double c) {
        double total = 0;
        int from = 0;
        for (int end : ends) {
            total += c + (double) (end - from) * lengths[end - 1];
            from = end;
        }
        return total;
    }

    /** Every way to cut n sorted items into contiguous runs of at most maxGroup: 2^(n−1) cut masks. */
    private static double bruteForce(int[] lengths, double c, int maxGroup) {
        int n = lengths.length;
        double best = Double.MAX_VALUE;
        for (int mask = 0; mask < 1 << (n - 1); mask++) {
            int[] ends = new int[Integer.bitCount(mask) + 1];
            int k = 0;
            for (int i = 1; i < n; i++) {
                if ((mask & 1 << (i - 1)) != 0) {
                    ends[k++] = i;
                }
            }
            ends[k] = n;
            int from = 0;
            boolean fits = true;
            for (int end : ends) {
                fits &= end - from <= maxGroup;
                from = end;
            }
            if (fits) {
                best = Math.min(best, cost(lengths, ends, c));
            }
        }
        return best;
    }
}
