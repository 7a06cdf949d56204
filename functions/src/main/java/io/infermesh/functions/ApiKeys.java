package io.infermesh.functions;

import io.infermesh.store.manifest.EthAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * API keys of accounts. Secrets are {@code im_live_} + base64url(32 random bytes); only their SHA-256 is stored, so a
 * store dump reveals no usable key. Thread-safe.
 */
public interface ApiKeys {
    String PREFIX = "im_live_";

    /** Issues a new key for {@code account}. */
    IssuedKey issue(EthAddress account, String label);

    /** The key's owner and listing, if the secret is a live key (one lookup by hash: the per-call fast path). */
    Optional<ApiKeyInfo> resolve(String secret);

    /**
     * The per-call fast path: {@link #resolve} and one token from the key's rate-limit bucket ({@code key:<id>}, the
     * same bucket a {@link RateLimiter} would use) in one step. An unknown key takes no token.
     */
    Authorization authorize(String secret, RateLimit limit);

    /**
     * {@link #authorize} without waiting for the answer: the step is on its way to the store when this returns, so
     * steps sent after it on the same gateway (a hold, say) take effect after it. The future fails with the same
     * {@link FunctionsException}s.
     */
    CompletableFuture<Authorization> authorizeAsync(String secret, RateLimit limit);

    /** The account's live keys, oldest first. */
    List<ApiKeyInfo> list(EthAddress account);

    /**
     * Revokes one of the account's keys; it stops resolving at once.
     *
     * @return false if the account has no key with that id
     */
    boolean revoke(EthAddress account, String keyId);
}
