package io.infermesh.pool.batch;

import java.util.Arrays;

/**
 * Chooses which waiting requests join a batch when the model gives each request a size key ({@link
 * io.infermesh.pool.spi.LoadedModel#sizeKey}): the oldest request always, so nothing starves however far its size is
 * from the rest; then the others in order of {@code |key − key of the oldest|}, the older first among equals, each
 * that stacks with the oldest and still fits in the rows left. One that does not fit is passed over for a smaller one.
 *
 * <p>A model that pads a batch to its longest row (text, sequences) then gets batches of similar lengths out of the
 * whole queue, instead of whatever arrived together. Pure function; {@code O(n log n)} for {@code n} candidates.
 */
final class NearestSizeSelection {
    private NearestSizeSelection() {}

    /**
     * @param keys each candidate's size key, in arrival order (index 0 is the oldest)
     * @param rows each candidate's rows, ≥ 1
     * @param stacks whether each candidate's inputs stack with the oldest's ({@code stacks[0]} is ignored)
     * @param maxRows most rows the batch may take; the oldest is taken even when it alone has more
     * @return indices of the chosen candidates, ascending; always starts with 0
     */
    static int[] select(long[] keys, long[] rows, boolean[] stacks, long maxRows) {
        int n = keys.length;
        if (n == 0) {
            throw new IllegalArgumentException("no candidates");
        }
        long anchor = keys[0];
        Integer[] byDistance = new Integer[n - 1];
        for (int i = 1; i < n; i++) {
            byDistance[i - 1] = i;
        }
        // A stable sort on distance keeps arrival order among requests equally near.
        Arrays.sort(byDistance, (a, b) -> Long.compare(distance(keys[a], anchor), distance(keys[b], anchor)));
        boolean[] chosen = new boolean[n];
        chosen[0] = true;
        int count = 1;
        long taken = rows[0];
        for (int i : byDistance) {
            if (taken >= maxRows) {
                break;
            }
            if (stacks[i] && taken + rows[i] <= maxRows) {
                chosen[i] = true;
                taken += rows[i];
                count++;
            }
        }
        int[] out = new int[count];
        for (int i = 0, k = 0; i < n; i++) {
            if (chosen[i]) {
                out[k++] = i;
            }
        }
        return out;
    }

    private static long distance(long a, long b) {
        // Keys are sizes (≥ 0), so the difference cannot overflow in practice; saturate anyway.
        long d = a - b;
        return d == Long.MIN_VALUE ? Long.MAX_VALUE : Math.abs(d);
    }
}
