package io.infermesh.pool.gateway;

import java.time.Duration;
import java.util.Objects;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with equal jitter. After the n-th failure in a row the wait is
 *
 * <pre>
 *   d(n) = min(max, initial · 2^(n-1));   wait = d(n)/2 + u · d(n)/2,   u uniform in [0, 1)
 * </pre>
 *
 * so waits double up to {@code max}, never fall below half of their step, and workers that lost the same gateway at
 * the same moment spread their retries instead of arriving together. {@link #reset()} after a success. Not
 * thread-safe: one keeper thread owns it.
 */
public final class Backoff {
    private final Duration initial;
    private final Duration max;
    private final DoubleSupplier uniform;
    private int failures;

    /**
     * @param uniform values in [0, 1): the jitter source (a fixed value in tests)
     */
    public Backoff(Duration initial, Duration max, DoubleSupplier uniform) {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < initial <= max, not " + initial + " and " + max);
        }
        this.initial = initial;
        this.max = max;
        this.uniform = Objects.requireNonNull(uniform, "uniform");
    }

    /** Counts one more failure and returns how long to wait before the next try. */
    public Duration next() {
        failures = Math.min(failures + 1, 62);
        long step = initial.toNanos();
        for (int i = 1; i < failures && step < max.toNanos(); i++) {
            step *= 2;
        }
        step = Math.min(step, max.toNanos());
        double u = Math.clamp(uniform.getAsDouble(), 0.0, 1.0);
        return Duration.ofNanos(step / 2 + (long) (u * (step / 2)));
    }

    /** Failures since the last reset. */
    public int failures() {
        return failures;
    }

    public void reset() {
        failures = 0;
    }
}
