package io.infermesh.functions.inference;

import io.infermesh.functions.ApiKeyInfo;
import io.infermesh.store.manifest.EthAddress;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Who is calling, as far as the gateway knows yet. The key's authorization (record and rate-limit token, one Redis
 * script) is sent when the request arrives; {@link #confirm} waits for its answer. A key this gateway has recently seen
 * allowed is <em>presumed</em> valid meanwhile: its account is known at once, so {@link PaidInference} can place the
 * hold and start the call while the answer is on its way (the hold's script follows the authorization on the same
 * connection, so Redis runs them in that order). Nothing is answered or charged before {@link #confirm} returned; a
 * presumption that turns out wrong (revoked, rate-limited) releases the hold and drops the worker's answer.
 */
public final class Caller {
    private final CompletableFuture<ApiKeyInfo> verdict;
    private final Optional<ApiKeyInfo> presumed;

    /**
     * @param verdict the authorization's answer: the key, or failed with the caller's problem (401, 429)
     * @param presumed the key as this gateway last saw it allowed, if it presumes it valid
     */
    public Caller(CompletableFuture<ApiKeyInfo> verdict, Optional<ApiKeyInfo> presumed) {
        this.verdict = Objects.requireNonNull(verdict, "verdict");
        this.presumed = Objects.requireNonNull(presumed, "presumed");
    }

    /** A caller whose key is already authorized. */
    public static Caller verified(ApiKeyInfo key) {
        return awaiting(CompletableFuture.completedFuture(key));
    }

    /** A caller the gateway presumes nothing about: {@link #account} waits for {@code verdict}. */
    public static Caller awaiting(CompletableFuture<ApiKeyInfo> verdict) {
        return new Caller(verdict, Optional.empty());
    }

    /** The paying account: the presumed key's, or the authorized key's (waiting for the answer). */
    public EthAddress account() {
        return presumed.map(ApiKeyInfo::account).orElseGet(() -> confirm().account());
    }

    /**
     * What to throw for a request that failed before {@link #confirm}: the authorization's refusal if it refused (a
     * caller without a valid key hears that first, whatever else was wrong), otherwise {@code failure}.
     */
    public RuntimeException refusalOr(RuntimeException failure) {
        try {
            confirm();
        } catch (RuntimeException refusal) {
            return refusal;
        }
        return failure;
    }

    /** Waits for the authorization; throws the caller's problem when it refused. */
    public ApiKeyInfo confirm() {
        try {
            return verdict.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }
}
