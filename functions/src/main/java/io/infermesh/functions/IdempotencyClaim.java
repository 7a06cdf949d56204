package io.infermesh.functions;

import java.util.Objects;

/** What {@link Idempotency#claim} found for an {@code Idempotency-Key}. */
public sealed interface IdempotencyClaim {
    /**
     * This call is the first: run it, then {@link Idempotency#complete} or {@link Idempotency#abandon} with the token.
     *
     * @param token proves the claim is this call's; a claim that expired and was taken by another call is not
     */
    record Claimed(String token) implements IdempotencyClaim {
        public Claimed {
            Objects.requireNonNull(token, "token");
        }
    }

    /** The first call with this key is still running (HTTP 409 with {@code Retry-After}). */
    record InProgress() implements IdempotencyClaim {}

    /**
     * The first call finished: return its response unchanged, charge nothing.
     *
     * @param response the first response
     */
    record Replay(StoredResponse response) implements IdempotencyClaim {
        public Replay {
            Objects.requireNonNull(response, "response");
        }
    }

    /** The key was used with a different request body (HTTP 422). */
    record Conflict() implements IdempotencyClaim {}
}
