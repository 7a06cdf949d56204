package io.infermesh.functions;

import io.infermesh.store.manifest.EthAddress;
import java.util.Objects;
import java.util.Optional;
import org.web3j.crypto.ECKeyPair;

/**
 * A payload and an EIP-191 signature over its canonical JSON.
 *
 * @param payload what was signed
 * @param signature 0x-prefixed 65-byte hex
 */
public record Signed<T extends SignedPayload>(T payload, String signature) {
    public Signed {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(signature, "signature");
    }

    public static <T extends SignedPayload> Signed<T> sign(T payload, ECKeyPair key) {
        return new Signed<>(payload, Eip191.sign(payload.canonicalJson(), key));
    }

    /** Whether the signature recovers {@link SignedPayload#signer()}. */
    public boolean isBySigner() {
        Optional<EthAddress> recovered = Eip191.recover(payload.canonicalJson(), signature);
        return recovered.isPresent() && recovered.get().equals(payload.signer());
    }
}
