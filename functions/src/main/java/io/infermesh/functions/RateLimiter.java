package io.infermesh.functions;

/**
 * A token bucket per subject (an API key id), shared by all gateways.
 *
 * <p>Formula: {@code tokens = min(capacity, tokens + elapsed_seconds * refillPerSecond)}; a call costing {@code c}
 * passes when {@code tokens >= c} and takes {@code c}, otherwise it is limited with
 * {@code retryAfter = (c - tokens) / refillPerSecond}. Elapsed time comes from one clock that every gateway shares.
 * Thread-safe; never blocks beyond one store round trip.
 */
public interface RateLimiter {
    /**
     * @param subject what is limited (an API key id): 1-256 characters without controls or {@code |}
     * @param cost tokens this call takes, 1 to the capacity
     */
    RateDecision tryAcquire(String subject, RateLimit limit, long cost);
}
