package io.infermesh.functions;

import java.util.Objects;

/**
 * A new API key. The secret exists only in this value: the store keeps its SHA-256.
 *
 * @param info the listed part
 * @param secret {@code im_live_} + 43 base64url characters (32 random bytes)
 */
public record IssuedKey(ApiKeyInfo info, String secret) {
    public IssuedKey {
        Objects.requireNonNull(info, "info");
        Objects.requireNonNull(secret, "secret");
    }

    @Override
    public String toString() {
        return "IssuedKey[info=" + info + ", secret=im_live_…" + info.last4() + "]";
    }
}
