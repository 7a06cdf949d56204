package io.infermesh.functions;

import io.infermesh.store.manifest.EthAddress;
import java.time.Instant;
import java.util.Objects;

/**
 * An API key as listed: everything but the secret, which is shown once at issue and stored only as its SHA-256.
 *
 * @param id stable id for listing and revoking ({@code key_} + 16 hex digits)
 * @param account the account it acts for
 * @param created when it was issued
 * @param last4 the secret's last four characters, to tell keys apart
 * @param label the owner's name for it
 */
public record ApiKeyInfo(String id, EthAddress account, Instant created, String last4, String label) {
    public ApiKeyInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(account, "account");
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(last4, "last4");
        Names.requireName("label", label);
    }
}
