package io.infermesh.functions.quarkus;

import io.infermesh.functions.ApiKeyInfo;
import io.infermesh.functions.RateDecision;
import io.infermesh.functions.api.ProblemException;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.Optional;

/**
 * Who is calling: {@code Authorization: Bearer im_live_...} resolved to its account (401 {@code unauthenticated}
 * otherwise), then one token from the key's bucket (429 {@code rate_limited} with Retry-After when empty). Called at
 * the top of every authenticated resource method, on its virtual thread (both are Redis round trips).
 */
@Singleton
public class Callers {
    @Inject
    Gateway gateway;

    public ApiKeyInfo require(String authorization) {
        ApiKeyInfo key = authenticate(authorization);
        RateDecision decision = gateway.rateLimiter().tryAcquire("key:" + key.id(), gateway.rateLimit(), 1);
        if (decision instanceof RateDecision.Limited limited) {
            throw new ProblemException(
                    429,
                    "rate_limited",
                    "this API key is over its rate limit of "
                            + gateway.config().rateLimit().perSecond()
                            + " requests/s (burst "
                            + gateway.config().rateLimit().burst() + "); retry after the"
                            + " Retry-After delay",
                    Map.of(),
                    Optional.of(limited.retryAfter()));
        }
        return key;
    }

    /** The credential of an {@code Authorization: Bearer <credential>} header; empty for any other header. */
    static Optional<String> bearer(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        String credential = authorization.substring(7).strip();
        return credential.isEmpty() ? Optional.empty() : Optional.of(credential);
    }

    private ApiKeyInfo authenticate(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            throw new ProblemException(
                    401,
                    "unauthenticated",
                    "send an API key as 'Authorization: Bearer im_live_...'; get one by signing in"
                            + " (POST /v1/auth/challenge, then /v1/auth/verify)");
        }
        return gateway.apiKeys()
                .resolve(bearer(authorization)
                        .orElseThrow(() -> new ProblemException(
                                401, "unauthenticated", "the Authorization header must be 'Bearer <API key>'")))
                .orElseThrow(() -> new ProblemException(
                        401, "unauthenticated", "this API key is unknown or revoked; sign in again for a new one"));
    }
}
