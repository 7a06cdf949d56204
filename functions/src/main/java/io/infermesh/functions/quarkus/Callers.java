package io.infermesh.functions.quarkus;

import io.infermesh.functions.ApiKeyInfo;
import io.infermesh.functions.Authorization;
import io.infermesh.functions.api.ProblemException;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.Optional;

/**
 * Who is calling: {@code Authorization: Bearer im_live_...} resolved to its account (401 {@code unauthenticated}
 * otherwise), then one token from the key's bucket (429 {@code rate_limited} with Retry-After when empty), both in one
 * Redis round trip ({@code ApiKeys.authorize}). Called at the top of every authenticated resource method, on its
 * virtual thread.
 */
@Singleton
public class Callers {
    @Inject
    Gateway gateway;

    public ApiKeyInfo require(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            throw new ProblemException(
                    401,
                    "unauthenticated",
                    "send an API key as 'Authorization: Bearer im_live_...'; get one by signing in"
                            + " (POST /v1/auth/challenge, then /v1/auth/verify)");
        }
        String secret = bearer(authorization)
                .orElseThrow(() -> new ProblemException(
                        401, "unauthenticated", "the Authorization header must be 'Bearer <API key>'"));
        return switch (gateway.apiKeys().authorize(secret, gateway.rateLimit())) {
            case Authorization.Allowed allowed -> allowed.key();
            case Authorization.Unknown unknown ->
                throw new ProblemException(
                        401, "unauthenticated", "this API key is unknown or revoked; sign in again for a new one");
            case Authorization.Limited limited ->
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
        };
    }

    /** The credential of an {@code Authorization: Bearer <credential>} header; empty for any other header. */
    static Optional<String> bearer(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        String credential = authorization.substring(7).strip();
        return credential.isEmpty() ? Optional.empty() : Optional.of(credential);
    }
}
