package io.infermesh.functions;

import java.time.Duration;
import java.util.Objects;

/** What {@link ApiKeys#authorize} found: no such key, or the key and its rate-limit decision. */
public sealed interface Authorization {
    /** The secret is not a live key (malformed, unknown or revoked); no token was taken. */
    record Unknown() implements Authorization {}

    /**
     * The key is live and its bucket gave a token.
     *
     * @param key the key and its account
     * @param remaining whole tokens left in the bucket
     */
    record Allowed(ApiKeyInfo key, long remaining) implements Authorization {
        public Allowed {
            Objects.requireNonNull(key, "key");
        }
    }

    /**
     * The key is live but its bucket is short; nothing was taken.
     *
     * @param key the key and its account
     * @param retryAfter when the bucket will hold a token again, if nothing else takes it
     */
    record Limited(ApiKeyInfo key, Duration retryAfter) implements Authorization {
        public Limited {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(retryAfter, "retryAfter");
        }
    }
}
