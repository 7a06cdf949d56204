package io.infermesh.functions;

import java.time.Duration;
import java.util.Optional;

/**
 * Token buckets by subject, for requests that come before any API key (sign-in, by client address). Every gateway
 * shares the buckets. Thread-safe.
 */
public interface RateLimiter {
    /**
     * Takes one token from {@code subject}'s bucket under {@code limit}.
     *
     * @return empty when a token was taken; when the bucket is short, how long until it holds one again (nothing was
     *     taken)
     */
    Optional<Duration> take(String subject, RateLimit limit);
}
