package io.infermesh.store.manifest;

import io.infermesh.store.ModelStoreException;
import io.infermesh.store.cid.Cid;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SignatureException;
import java.util.Arrays;
import java.util.HexFormat;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

/**
 * An owner's EIP-191 ({@code personal_sign}) signature over a manifest CID.
 *
 * <p>The signed message is the CID text exactly as printed (e.g. {@code bafkrei...}), so any wallet can produce it:
 * {@code eth_sign("\x19Ethereum Signed Message:\n" + len(cid) + cid)}. The wire form is 65 bytes {@code r || s || v}
 * as {@code 0x}-prefixed hex, v = 27 or 28 (0/1 accepted on input).
 *
 * @param bytes the 65 signature bytes
 */
public record ManifestSignature(byte[] bytes) {
    /** n, the order of secp256k1's base point. */
    private static final BigInteger CURVE_ORDER =
            new BigInteger("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16);

    public ManifestSignature {
        if (bytes == null || bytes.length != 65) {
            throw invalid("a signature is 65 bytes (r, s, v)");
        }
        bytes = bytes.clone();
    }

    public static ManifestSignature parse(String hex) {
        if (hex == null || !hex.matches("0x[0-9a-fA-F]{130}")) {
            throw invalid("a signature is 0x followed by 130 hex digits (65 bytes)");
        }
        return new ManifestSignature(HexFormat.of().parseHex(hex.substring(2)));
    }

    /** Signs {@code manifestCid} with {@code key}. */
    public static ManifestSignature sign(Cid manifestCid, ECKeyPair key) {
        return signMessage(message(manifestCid), key);
    }

    /**
     * Signs any {@code message} the EIP-191 {@code personal_sign} way (the same scheme as manifests; the gateway uses
     * it for sign-in messages and pool registrations).
     */
    public static ManifestSignature signMessage(byte[] message, ECKeyPair key) {
        Sign.SignatureData sig = Sign.signPrefixedMessage(message, key);
        byte[] out = new byte[65];
        System.arraycopy(sig.getR(), 0, out, 0, 32);
        System.arraycopy(sig.getS(), 0, out, 32, 32);
        out[64] = sig.getV()[0];
        return new ManifestSignature(out);
    }

    /** The address whose key produced this signature over {@code manifestCid}. */
    public EthAddress recover(Cid manifestCid) {
        return recoverSigner(message(manifestCid));
    }

    /**
     * The address whose key produced this EIP-191 signature over {@code message}; a signature that recovers no key is
     * a {@code ModelStoreException} (INVALID_SIGNATURE).
     */
    public EthAddress recoverSigner(byte[] message) {
        byte v = bytes[64];
        if (v == 0 || v == 1) {
            v += 27;
        }
        if (v != 27 && v != 28) {
            throw invalid("signature recovery id v must be 27 or 28");
        }
        byte[] r = Arrays.copyOfRange(bytes, 0, 32);
        byte[] s = Arrays.copyOfRange(bytes, 32, 64);
        // A signature's r and s lie in [1, n-1]; web3j does not check, and r = n ends in an ArithmeticException.
        if (!inCurveOrder(r) || !inCurveOrder(s)) {
            throw invalid("signature r and s must each be between 1 and the secp256k1 group order - 1");
        }
        Sign.SignatureData data = new Sign.SignatureData(v, r, s);
        try {
            BigInteger publicKey = Sign.signedPrefixedMessageToKey(message, data);
            return EthAddress.of("0x" + Keys.getAddress(publicKey));
        } catch (SignatureException | IllegalArgumentException e) {
            throw invalid("signature does not recover a public key: " + e.getMessage());
        }
    }

    /** Whether this is {@code expected}'s signature over {@code manifestCid}. */
    public boolean isBy(EthAddress expected, Cid manifestCid) {
        return recover(manifestCid).equals(expected);
    }

    public String toHex() {
        return "0x" + HexFormat.of().formatHex(bytes);
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ManifestSignature other && Arrays.equals(other.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return toHex();
    }

    private static boolean inCurveOrder(byte[] unsigned) {
        BigInteger value = new BigInteger(1, unsigned);
        return value.signum() > 0 && value.compareTo(CURVE_ORDER) < 0;
    }

    private static byte[] message(Cid cid) {
        return cid.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static ModelStoreException invalid(String message) {
        return new ModelStoreException(ModelStoreException.ErrorCode.INVALID_SIGNATURE, message);
    }
}
