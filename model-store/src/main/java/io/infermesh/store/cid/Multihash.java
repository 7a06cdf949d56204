package io.infermesh.store.cid;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A self-describing digest: {@code varint(code) varint(length) digest}. Only sha2-256 (code 0x12, 32 bytes) is
 * accepted: it is what {@code ipfs add} uses by default and what the store verifies.
 *
 * @param code multicodec of the hash function
 * @param digest the raw digest bytes (copied, never shared)
 */
public record Multihash(int code, byte[] digest) {
    public static final int SHA2_256 = 0x12;
    public static final int SHA2_256_LENGTH = 32;

    public Multihash {
        if (code != SHA2_256) {
            throw new InvalidCidException("unsupported multihash function 0x" + Integer.toHexString(code)
                    + "; only sha2-256 (0x12) is accepted");
        }
        if (digest == null || digest.length != SHA2_256_LENGTH) {
            throw new InvalidCidException(
                    "a sha2-256 digest is 32 bytes; got " + (digest == null ? "none" : digest.length + ""));
        }
        digest = digest.clone();
    }

    public static Multihash sha256(byte[] digest) {
        return new Multihash(SHA2_256, digest);
    }

    /** Hashes {@code data[offset, offset+length)} with SHA-256. */
    public static Multihash sha256Of(byte[] data, int offset, int length) {
        MessageDigest md = newSha256();
        md.update(data, offset, length);
        return new Multihash(SHA2_256, md.digest());
    }

    public static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK ships SHA-256", e);
        }
    }

    @Override
    public byte[] digest() {
        return digest.clone();
    }

    /** The digest as lower-case hex (the form manifests carry for {@code sha256}). */
    public String hex() {
        return HexFormat.of().formatHex(digest);
    }

    /** Whether {@code otherDigest} equals this digest, in constant time. */
    public boolean matches(byte[] otherDigest) {
        return MessageDigest.isEqual(digest, otherDigest);
    }

    /** The binary multihash: {@code 0x12 0x20 <32 bytes>}. */
    public byte[] toBytes() {
        byte[] out = new byte[Varint.size(code) + Varint.size(digest.length) + digest.length];
        int pos = Varint.write(code, out, 0);
        pos = Varint.write(digest.length, out, pos);
        System.arraycopy(digest, 0, out, pos, digest.length);
        return out;
    }

    /** Parses a binary multihash starting at {@code pos}; returns it with the offset after it. */
    static Parsed read(byte[] buf, int pos) {
        Varint.Decoded code = Varint.read(buf, pos);
        Varint.Decoded length = Varint.read(buf, code.next());
        if (code.value() > Integer.MAX_VALUE || length.value() > buf.length - length.next()) {
            throw new InvalidCidException("multihash is truncated or declares an impossible length");
        }
        int start = length.next();
        int end = start + (int) length.value();
        return new Parsed(new Multihash((int) code.value(), Arrays.copyOfRange(buf, start, end)), end);
    }

    record Parsed(Multihash multihash, int next) {}

    @Override
    public boolean equals(Object o) {
        return o instanceof Multihash other && other.code == code && Arrays.equals(other.digest, digest);
    }

    @Override
    public int hashCode() {
        return 31 * code + Arrays.hashCode(digest);
    }

    @Override
    public String toString() {
        return "sha2-256:" + HexFormat.of().formatHex(digest);
    }
}
