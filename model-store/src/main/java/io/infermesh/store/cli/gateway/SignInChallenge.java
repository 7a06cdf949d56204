package io.infermesh.store.cli.gateway;

import io.infermesh.store.manifest.EthAddress;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

/**
 * A sign-in challenge: the Sign-In-with-Ethereum message to sign with EIP-191 {@code personal_sign}.
 *
 * @param message the exact text to sign
 * @param nonce its single-use nonce
 * @param expiresAt after this the gateway refuses the signature
 */
public record SignInChallenge(String message, String nonce, Instant expiresAt) {
    public SignInChallenge {
        if (message == null || message.isEmpty() || message.length() > 2000) {
            throw new IllegalArgumentException("a sign-in message is 1-2000 characters");
        }
        if (nonce == null || nonce.isEmpty()) {
            throw new IllegalArgumentException("a sign-in challenge has a nonce");
        }
        Objects.requireNonNull(expiresAt, "expiresAt");
    }

    /**
     * Whether this is a message for {@code account} carrying its own nonce. A client signs nothing else: a gateway
     * that hands out someone else's sign-in text must not get a signature for it.
     */
    public boolean isFor(EthAddress account) {
        return message.toLowerCase(Locale.ROOT).contains(account.value().toLowerCase(Locale.ROOT))
                && message.contains(nonce);
    }
}
