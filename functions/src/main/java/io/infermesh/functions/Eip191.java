package io.infermesh.functions;

import io.infermesh.store.ModelStoreException;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.ManifestSignature;
import java.util.Optional;
import org.web3j.crypto.ECKeyPair;

/**
 * EIP-191 version 0x45 ({@code personal_sign}) signatures: the signed digest is
 * {@code keccak256("\x19Ethereum Signed Message:\n" + len(message) + message)}, so any wallet can produce them. The wire
 * form is 65 bytes {@code r || s || v} as {@code 0x}-prefixed hex, v = 27 or 28 (0/1 accepted on input).
 */
public final class Eip191 {
    private Eip191() {}

    /** Signs {@code message} with {@code key}; returns the 0x-prefixed 65-byte hex signature. */
    public static String sign(byte[] message, ECKeyPair key) {
        return ManifestSignature.signMessage(message, key).toHex();
    }

    /**
     * The address whose key signed {@code message}, or empty if the signature is malformed or recovers no key.
     * Callers compare the result with the address the message claims. The scheme is model-store's
     * {@link ManifestSignature}, the same one manifests are signed with.
     */
    public static Optional<EthAddress> recover(byte[] message, String signatureHex) {
        try {
            return Optional.of(ManifestSignature.parse(signatureHex).recoverSigner(message));
        } catch (ModelStoreException e) {
            return Optional.empty();
        }
    }
}
