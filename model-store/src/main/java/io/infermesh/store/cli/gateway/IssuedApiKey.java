package io.infermesh.store.cli.gateway;

import io.infermesh.store.manifest.EthAddress;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A new API key, as {@code /v1/auth/verify} answers once.
 *
 * @param id the key's id
 * @param key the secret
 * @param account the account it acts for
 * @param label the owner's name for it
 * @param createdAt when it was issued
 */
public record IssuedApiKey(String id, ApiKey key, EthAddress account, Optional<String> label, Instant createdAt) {
    public IssuedApiKey {
        Credentials.requireKeyId(id);
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(account, "account");
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(createdAt, "createdAt");
    }
}
