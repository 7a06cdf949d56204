package io.infermesh.router.retry;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Recent latencies of one model, for quantiles such as the p95 that sets the hedging delay.
 *
 * <p>Buckets are quarter octaves: a sample of {@code n} nanoseconds lands in bucket {@code ⌊4·log2(n)⌋} (1 µs to
 * ~137 s, relative error ≤ 19 %). {@link #quantile} returns the upper edge of the bucket holding the q-th sample, so
 * it errs high, which for a hedging delay means fewer hedges. Recency: when the count reaches {@code window}, every
 * bucket is halved, so old samples fade geometrically. Recording is lock-free; halving takes a lock.
 */
public final class LatencyHistogram {
    private static final int MIN_EXP4 = 40; // 4·log2(1 µs) ≈ 39.9
    private static final int MAX_EXP4 = 148; // 4·log2(137 s) ≈ 148
    private final AtomicLongArray counts = new AtomicLongArray(MAX_EXP4 - MIN_EXP4 + 1);
    private final AtomicLong total = new AtomicLong();
    private final int window;
    private final int minSamples;

    /**
     * @param window samples after which old ones are halved (e.g. 1000)
     * @param minSamples samples needed before a quantile is reported (e.g. 50)
     */
    public LatencyHistogram(int window, int minSamples) {
        if (window < 2 || minSamples < 1 || minSamples > window) {
            throw io.infermesh.router.RouterException.invalid("histogram: need 1 <= minSamples <= window, window >= 2");
        }
        this.window = window;
        this.minSamples = minSamples;
    }

    public void record(Duration latency) {
        counts.incrementAndGet(bucket(latency.toNanos()));
        if (total.incrementAndGet() >= window) {
            halve();
        }
    }

    /** The {@code q} quantile (0 < q < 1) of recent samples; empty until {@code minSamples} were recorded. */
    public Optional<Duration> quantile(double q) {
        long n = 0;
        int size = counts.length();
        long[] snapshot = new long[size];
        for (int i = 0; i < size; i++) {
            snapshot[i] = counts.get(i);
            n += snapshot[i];
        }
        if (n < minSamples) {
            return Optional.empty();
        }
        long rank = (long) Math.ceil(q * n);
        long seen = 0;
        for (int i = 0; i < size; i++) {
            seen += snapshot[i];
            if (seen >= rank) {
                return Optional.of(Duration.ofNanos(upperEdge(i)));
            }
        }
        return Optional.of(Duration.ofNanos(upperEdge(size - 1)));
    }

    static int bucket(long nanos) {
        if (nanos <= 1) {
            return 0;
        }
        int exp4 = (int) Math.floor(4 * (Math.log(nanos) / Math.log(2)));
        return Math.clamp(exp4, MIN_EXP4, MAX_EXP4) - MIN_EXP4;
    }

    static long upperEdge(int bucket) {
        return (long) Math.ceil(Math.pow(2, (bucket + MIN_EXP4 + 1) / 4.0));
    }

    private synchronized void halve() {
        if (total.get() < window) {
            return;
        }
        long kept = 0;
        for (int i = 0; i < counts.length(); i++) {
            long c = counts.get(i);
            long half = c / 2;
            counts.addAndGet(i, -(c - half));
            kept += half;
        }
        total.set(kept);
    }
}
