package io.infermesh.functions;

import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Wei;
import java.time.Instant;
import java.util.Objects;

/**
 * Money taken out of an account's balance for one request, not yet charged.
 *
 * @param account who pays
 * @param requestId the call it is for
 * @param amount the held wei; a commit charges at most this much and returns the rest
 * @param expiresAt Redis time after which the sweeper may release it (a commit before the sweep still wins)
 */
public record Hold(EthAddress account, RequestId requestId, Wei amount, Instant expiresAt) {
    public Hold {
        Objects.requireNonNull(account, "account");
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(amount, "amount");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }
}
