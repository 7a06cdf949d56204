package io.infermesh.router;

import java.time.Duration;
import java.util.Objects;

/**
 * How one inference call may be carried out.
 *
 * @param timeout the whole request's deadline, retries, hedges and cold-load wait included
 * @param idempotent whether running the request twice is harmless (inference on a fixed model is); only idempotent
 *     requests are retried after a transient failure or hedged
 * @param hedging when to hedge
 */
public record CallPolicy(Duration timeout, boolean idempotent, Hedging hedging) {
    public CallPolicy {
        Objects.requireNonNull(hedging, "hedging");
        if (!timeout.isPositive()) {
            throw RouterException.invalid("call timeout must be positive");
        }
    }

    /** Idempotent, no hedging. */
    public static CallPolicy idempotent(Duration timeout) {
        return new CallPolicy(timeout, true, Hedging.off());
    }

    public CallPolicy withHedging(Hedging hedging) {
        return new CallPolicy(timeout, idempotent, hedging);
    }
}
