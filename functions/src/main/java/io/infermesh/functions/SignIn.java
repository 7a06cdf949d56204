package io.infermesh.functions;

import io.infermesh.store.manifest.EthAddress;

/**
 * Sign-In with Ethereum: the gateway issues a single-use challenge for an address; the account signs its text with
 * EIP-191; a valid answer yields an API key. A challenge can be answered once, only before its expiration time, and
 * only by the address it names. Thread-safe.
 */
public interface SignIn {
    /** A fresh challenge for {@code account}: sign {@link SignInMessage#text()}. */
    SignInMessage challenge(EthAddress account);

    /**
     * Checks the answer and, if it is good, uses the challenge up and issues a key labelled {@code keyLabel}.
     *
     * @param message the signed text, exactly as issued
     * @param signature the 0x-prefixed 65-byte EIP-191 signature
     */
    SignInOutcome signIn(String message, String signature, String keyLabel);
}
