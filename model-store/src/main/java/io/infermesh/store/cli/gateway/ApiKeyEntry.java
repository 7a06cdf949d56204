package io.infermesh.store.cli.gateway;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * An API key as {@code GET /v1/keys} lists it: everything but the secret.
 *
 * @param id the key's id
 * @param last4 the secret's last four characters
 * @param label the owner's name for it
 * @param createdAt when it was issued
 */
public record ApiKeyEntry(String id, String last4, Optional<String> label, Instant createdAt) {
    public ApiKeyEntry {
        Credentials.requireKeyId(id);
        Objects.requireNonNull(last4, "last4");
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(createdAt, "createdAt");
    }
}
