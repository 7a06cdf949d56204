package io.infermesh.pool.djl;

/**
 * Learns what one engine run of a model costs on this machine, as {@code time ≈ a + b·tokens}, from the runs the model
 * actually does, and reports the fixed part in token units, {@code C = a / b}, for {@link SequenceGrouping}.
 *
 * <p>Weighted least squares over all runs so far, each older run's weight multiplied by {@value #DECAY} per new run
 * (a memory of roughly the last 200 runs), so the estimate follows the hardware and the load it runs under:
 *
 * <pre>  b = (S·Σxy − Σx·Σy) / (S·Σxx − (Σx)²),   a = (Σy − b·Σx) / S</pre>
 *
 * where {@code x} is padded tokens in the run and {@code y} its nanoseconds. Until {@value #MIN_RUNS} runs with
 * different sizes have been seen, or when the fit is degenerate, it reports the prior it was built with. The answer
 * is clamped to {@code [1, 1024]} tokens. Thread-safe.
 */
final class RunCostModel {
    static final double DECAY = 0.995;
    static final int MIN_RUNS = 16;

    private final double prior;
    private double weight;
    private double sumX;
    private double sumY;
    private double sumXx;
    private double sumXy;
    private long runs;

    /** @param priorTokens the run cost to assume before there is data, in token-steps */
    RunCostModel(double priorTokens) {
        this.prior = priorTokens;
    }

    synchronized void record(long tokens, long nanos) {
        weight = weight * DECAY + 1;
        sumX = sumX * DECAY + tokens;
        sumY = sumY * DECAY + nanos;
        sumXx = sumXx * DECAY + (double) tokens * tokens;
        sumXy = sumXy * DECAY + (double) tokens * nanos;
        runs++;
    }

    /** The fixed cost of one run, in token-steps. */
    synchronized double runCostTokens() {
        if (runs < MIN_RUNS) {
            return prior;
        }
        double spread = weight * sumXx - sumX * sumX;
        // Runs of (nearly) one size say nothing about the split between the fixed and the per-token part.
        if (spread <= 1e-9 * weight * sumXx) {
            return prior;
        }
        double slope = (weight * sumXy - sumX * sumY) / spread;
        if (slope <= 0) {
            return prior;
        }
        double intercept = (sumY - slope * sumX) / weight;
        return Math.clamp(intercept / slope, 1.0, 1024.0);
    }
}
