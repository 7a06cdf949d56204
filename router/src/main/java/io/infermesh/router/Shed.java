package io.infermesh.router;

import java.time.Duration;
import java.util.Objects;

/**
 * The request is not served now; the caller should answer 503 with {@code Retry-After} (whole seconds, rounded up).
 *
 * @param reason why
 * @param retryAfter when trying again makes sense; at least one second
 */
public record Shed(Reason reason, Duration retryAfter) implements RouteDecision, InferOutcome {
    /** Why a request was shed. */
    public enum Reason {
        /** No worker holds the model warm (and no cold load was asked for). */
        NO_WARM_WORKER,
        /** A worker is loading the model; the bounded wait for it ran out. */
        COLD_LOAD_PENDING,
        /** The worker chosen to load the model failed; the next request tries another one. */
        COLD_LOAD_FAILED,
        /** No worker has room for the model. */
        NO_CAPACITY,
        /** Every attempt met a transient failure (unavailable, busy) and no retry was left. */
        WORKERS_UNAVAILABLE
    }

    public Shed {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(retryAfter, "retryAfter");
        if (retryAfter.compareTo(Duration.ofSeconds(1)) < 0) {
            retryAfter = Duration.ofSeconds(1);
        }
    }

    /** {@link #retryAfter} as the whole seconds of an HTTP {@code Retry-After} header, rounded up. */
    public long retryAfterSeconds() {
        long s = retryAfter.toSeconds();
        return retryAfter.toNanosPart() == 0 ? s : s + 1;
    }
}
