package io.infermesh.pool.djl;

/**
 * Cuts a batch of token sequences, sorted by length, into engine runs that cost the least in total.
 *
 * <p>A run of {@code n} sequences padded to the longest length {@code L} costs about {@code C + n·L} token-steps: a
 * fixed per-run cost {@code C} (kernel launches, thread hand-offs, small-matrix inefficiency, in token units) plus
 * one step per padded token. Sorted ascending, every optimal run is a contiguous slice whose last sequence is its
 * longest, so dynamic programming over the prefix gives the optimum:
 *
 * <pre>  best[j] = min over max(0, j − maxGroup) ≤ i &lt; j of  best[i] + C + (j − i)·len[j − 1]</pre>
 *
 * With a small {@code C} (one CPU core) it keeps runs tight and pads little; with a large {@code C} (an accelerator)
 * it pads freely into few big runs. {@code O(n · maxGroup)} time.
 */
final class SequenceGrouping {
    private SequenceGrouping() {}

    /**
     * @param sortedLengths sequence lengths in tokens, ascending
     * @param runCostTokens the fixed cost of one engine run, in token-steps ({@code C} above), ≥ 0
     * @param maxGroup most sequences in one run, ≥ 1
     * @return the exclusive end index of each run, ascending; the last is {@code sortedLengths.length}
     */
    static int[] plan(int[] sortedLengths, double runCostTokens, int maxGroup) {
        int n = sortedLengths.length;
        double[] best = new double[n + 1];
        int[] cut = new int[n + 1];
        for (int j = 1; j <= n; j++) {
            best[j] = Double.MAX_VALUE;
            for (int i = Math.max(0, j - maxGroup); i < j; i++) {
                double cost = best[i] + runCostTokens + (double) (j - i) * sortedLengths[j - 1];
                if (cost < best[j]) {
                    best[j] = cost;
                    cut[j] = i;
                }
            }
        }
        int runs = 0;
        for (int j = n; j > 0; j = cut[j]) {
            runs++;
        }
        int[] ends = new int[runs];
        for (int j = n, r = runs - 1; j > 0; j = cut[j], r--) {
            ends[r] = j;
        }
        return ends;
    }
}
