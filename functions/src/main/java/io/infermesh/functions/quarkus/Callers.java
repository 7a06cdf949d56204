package io.infermesh.functions.quarkus;

import io.infermesh.functions.ApiKeyInfo;
import io.infermesh.functions.Authorization;
import io.infermesh.functions.api.ProblemException;
import io.infermesh.functions.inference.Caller;
import io.infermesh.functions.inference.KnownKeys;
import io.infermesh.functions.redis.Sha256;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Who is calling: {@code Authorization: Bearer im_live_...} resolved to its account (401 {@code unauthenticated}
 * otherwise), then one token from the key's bucket (429 {@code rate_limited} with Retry-After when empty), both in one
 * Redis round trip ({@code ApiKeys.authorize}). Called at the top of every authenticated resource method, on its
 * virtual thread. Paid inference uses {@link #begin}, which does not wait: a key this gateway recently saw allowed is
 * presumed valid while its answer is on the way ({@link Caller}, {@link KnownKeys}).
 */
@Singleton
public class Callers {
    @Inject
    Gateway gateway;

    private final KnownKeys known = new KnownKeys(10_000);

    /** The caller's key, authorized: waits for the answer. */
    public ApiKeyInfo require(String authorization) {
        String secret = secret(authorization);
        return Caller.awaiting(authorize(secret, Sha256.hex(secret))).confirm();
    }

    /**
     * Sends the key's authorization and returns at once; {@link Caller#confirm} waits for the answer. A missing or
     * malformed header is refused here (401), before anything is sent.
     */
    public Caller begin(String authorization) {
        String secret = secret(authorization);
        String hash = Sha256.hex(secret);
        return new Caller(authorize(secret, hash), known.presume(hash));
    }

    private static String secret(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            throw new ProblemException(
                    401,
                    "unauthenticated",
                    "send an API key as 'Authorization: Bearer im_live_...'; get one by signing in"
                            + " (POST /v1/auth/challenge, then /v1/auth/verify)");
        }
        return bearer(authorization)
                .orElseThrow(() -> new ProblemException(
                        401, "unauthenticated", "the Authorization header must be 'Bearer <API key>'"));
    }

    /** One {@code authorize} script; every answer teaches {@link #known} about the key under {@code hash}. */
    private CompletableFuture<ApiKeyInfo> authorize(String secret, String hash) {
        return gateway.apiKeys().authorizeAsync(secret, gateway.rateLimit()).thenApply(answer -> {
            known.learn(hash, answer);
            return allowed(answer);
        });
    }

    private ApiKeyInfo allowed(Authorization answer) {
        return switch (answer) {
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
