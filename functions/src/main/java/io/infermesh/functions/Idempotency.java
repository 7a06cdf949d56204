package io.infermesh.functions;

import io.infermesh.store.manifest.EthAddress;
import java.time.Duration;

/**
 * {@code Idempotency-Key} handling per account. The first call claims the key; duplicates see {@code InProgress}
 * while it runs and the stored first response afterwards (for the replay window, 24 h by default); a duplicate whose
 * body hash differs is a {@code Conflict} in any state.
 *
 * <p>A claim lives for an in-progress ttl (longer than any call's deadline) so that a gateway that dies mid-call does
 * not block the key for the whole replay window. Thread-safe.
 */
public interface Idempotency {
    /**
     * @param bodyHash a digest of the request (method, path and body), e.g. hex SHA-256
     */
    IdempotencyClaim claim(EthAddress account, IdempotencyKey key, String bodyHash);

    /**
     * Stores the first response for replay.
     *
     * @return false if the claim was lost (expired and maybe re-claimed); the response is then not stored
     */
    boolean complete(EthAddress account, IdempotencyKey key, String token, StoredResponse response);

    /**
     * Gives the claim up without storing anything (the call failed before any charge, so a retry should run again).
     *
     * @return false if the claim was already lost
     */
    boolean abandon(EthAddress account, IdempotencyKey key, String token);

    /** How long a finished call's response is replayed. */
    Duration replayWindow();
}
