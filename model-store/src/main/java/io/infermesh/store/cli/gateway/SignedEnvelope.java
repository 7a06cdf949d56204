package io.infermesh.store.cli.gateway;

import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.ManifestSignature;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.web3j.crypto.ECKeyPair;

/**
 * What pools send instead of an API key: a JSON document as text, and an EIP-191 {@code personal_sign} signature by
 * the pool's key over exactly the UTF-8 bytes of that text. The wire form is {@code {"payload","signature"}}.
 *
 * @param payload the signed text (canonical JSON)
 * @param signature the signature over {@code payload}'s UTF-8 bytes
 */
public record SignedEnvelope(String payload, ManifestSignature signature) {
    /** The gateway's limit on a payload. */
    public static final int MAX_PAYLOAD_CHARS = 65536;

    public SignedEnvelope {
        if (payload == null || payload.isEmpty() || payload.length() > MAX_PAYLOAD_CHARS) {
            throw new IllegalArgumentException("a signed payload is 1-" + MAX_PAYLOAD_CHARS + " characters");
        }
        Objects.requireNonNull(signature, "signature");
    }

    /** Signs {@code payload} with {@code key}. */
    public static SignedEnvelope sign(String payload, ECKeyPair key) {
        return new SignedEnvelope(
                payload, ManifestSignature.signMessage(payload.getBytes(StandardCharsets.UTF_8), key));
    }

    /** The address whose key signed the payload. */
    public EthAddress signer() {
        return signature.recoverSigner(payload.getBytes(StandardCharsets.UTF_8));
    }
}
