package io.infermesh.router;

import java.time.Duration;
import java.util.Objects;

/**
 * When to send a second copy of a slow request to another worker (the first answer wins, the other is cancelled).
 * Only idempotent requests are hedged, at most once, and each hedge spends the retry budget.
 */
public sealed interface Hedging {
    /** Never hedge. */
    record Off() implements Hedging {}

    /** Hedge after a fixed delay. */
    record After(Duration delay) implements Hedging {
        public After {
            if (!delay.isPositive()) {
                throw RouterException.invalid("hedging delay must be positive");
            }
        }
    }

    /**
     * Hedge after the model's observed latency quantile (e.g. 0.95: about 5 % of requests are hedged); {@code
     * fallback} until enough latencies were seen.
     */
    record AtQuantile(double quantile, Duration fallback) implements Hedging {
        public AtQuantile {
            Objects.requireNonNull(fallback, "fallback");
            if (!(quantile > 0 && quantile < 1) || !fallback.isPositive()) {
                throw RouterException.invalid("hedging quantile must be in (0, 1) and its fallback positive");
            }
        }
    }

    static Hedging off() {
        return new Off();
    }

    static Hedging after(Duration delay) {
        return new After(delay);
    }

    static Hedging atP95(Duration fallback) {
        return new AtQuantile(0.95, fallback);
    }
}
