package io.infermesh.functions;

import io.infermesh.store.manifest.EthAddress;
import java.math.BigInteger;
import java.security.SignatureException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

/**
 * EIP-191 version 0x45 ({@code personal_sign}) signatures: the signed digest is
 * {@code keccak256("\x19Ethereum Signed Message:\n" + len(message) + message)}, so any wallet can produce them. The wire
 * form is 65 bytes {@code r || s || v} as {@code 0x}-prefixed hex, v = 27 or 28 (0/1 accepted on input).
 */
public final class Eip191 {
    private Eip191() {}

    /** Signs {@code message} with {@code key}; returns the 0x-prefixed 65-byte hex signature. */
    public static String sign(byte[] message, ECKeyPair key) {
        Sign.SignatureData sig = Sign.signPrefixedMessage(message, key);
        byte[] out = new byte[65];
        System.arraycopy(sig.getR(), 0, out, 0, 32);
        System.arraycopy(sig.getS(), 0, out, 32, 32);
        out[64] = sig.getV()[0];
        return "0x" + HexFormat.of().formatHex(out);
    }

    /**
     * The address whose key signed {@code message}, or empty if the signature is malformed or recovers no key.
     * Callers compare the result with the address the message claims.
     */
    public static Optional<EthAddress> recover(byte[] message, String signatureHex) {
        if (signatureHex == null || !signatureHex.matches("0x[0-9a-fA-F]{130}")) {
            return Optional.empty();
        }
        byte[] bytes = HexFormat.of().parseHex(signatureHex.substring(2));
        byte v = bytes[64];
        if (v == 0 || v == 1) {
            v += 27;
        }
        if (v != 27 && v != 28) {
            return Optional.empty();
        }
        Sign.SignatureData data =
                new Sign.SignatureData(v, Arrays.copyOfRange(bytes, 0, 32), Arrays.copyOfRange(bytes, 32, 64));
        try {
            BigInteger publicKey = Sign.signedPrefixedMessageToKey(message, data);
            return Optional.of(EthAddress.of("0x" + Keys.getAddress(publicKey)));
        } catch (SignatureException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
