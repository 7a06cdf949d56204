package io.infermesh.functions;

import java.time.Duration;
import java.util.Objects;

/** What {@link RateLimiter#tryAcquire} decided. */
public sealed interface RateDecision {
    /**
     * The call may go on.
     *
     * @param remaining whole tokens left in the bucket
     */
    record Allowed(long remaining) implements RateDecision {}

    /**
     * The bucket is short; nothing was taken.
     *
     * @param retryAfter when the bucket will hold enough tokens, if nothing else takes them
     */
    record Limited(Duration retryAfter) implements RateDecision {
        public Limited {
            Objects.requireNonNull(retryAfter, "retryAfter");
        }
    }
}
