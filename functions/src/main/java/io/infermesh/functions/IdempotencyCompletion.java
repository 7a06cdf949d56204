package io.infermesh.functions;

import io.infermesh.store.manifest.EthAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * An {@code Idempotency-Key} claim to complete in the same atomic step as a {@link Ledger#commit}: the charge, the
 * receipt and the stored first answer happen together or not at all, so a caller who was charged and retries with the
 * same key gets the stored answer, never a second run.
 *
 * @param account the claiming account
 * @param key the caller's key
 * @param token the claim's token ({@link IdempotencyClaim.Claimed#token()}); a lost claim is left alone
 * @param response the answer to store; the commit sets its {@code charged} and {@code receiptId} to what it charged
 * @param replayWindow how long the answer is replayed
 */
public record IdempotencyCompletion(
        EthAddress account, IdempotencyKey key, String token, StoredResponse response, Duration replayWindow) {
    public IdempotencyCompletion {
        Objects.requireNonNull(account, "account");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(response, "response");
        if (replayWindow.toMillis() < 1) {
            throw FunctionsException.invalid("a replay window is at least 1 ms");
        }
    }
}
