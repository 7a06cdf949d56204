package io.infermesh.store.cid;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * A content identifier, as IPFS defines it.
 *
 * <ul>
 *   <li>CIDv0: a bare sha2-256 multihash of a dag-pb block, printed in base58btc ({@code Qm...}).
 *   <li>CIDv1: {@code varint(1) varint(codec) multihash}, printed in multibase base32 ({@code bafy...} for dag-pb,
 *       {@code bafk...} for raw).
 * </ul>
 *
 * <p>Parsing is strict: anything that does not decode to a sha2-256 CID with codec raw or dag-pb is rejected with an
 * {@link InvalidCidException}, so a CID that parses is always safe to use as an object-key component.
 *
 * @param version 0 or 1
 * @param codec what the hashed block is
 * @param multihash the block's digest
 */
public record Cid(int version, Codec codec, Multihash multihash) {
    /** Longest CID text accepted by {@link #parse}; real CIDs are 46–61 characters. */
    public static final int MAX_TEXT_LENGTH = 128;

    public Cid {
        if (version != 0 && version != 1) {
            throw new InvalidCidException("CID version must be 0 or 1; got " + version);
        }
        if (codec == null || multihash == null) {
            throw new InvalidCidException("CID needs a codec and a multihash");
        }
        if (version == 0 && codec != Codec.DAG_PB) {
            throw new InvalidCidException("CIDv0 can only name dag-pb blocks");
        }
    }

    public static Cid v1(Codec codec, Multihash multihash) {
        return new Cid(1, codec, multihash);
    }

    public static Cid v0(Multihash multihash) {
        return new Cid(0, Codec.DAG_PB, multihash);
    }

    /** Parses CID text: {@code Qm...} (v0), or multibase-prefixed v1 (base32, base58btc, base16). */
    public static Cid parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new InvalidCidException("CID is empty");
        }
        if (text.length() > MAX_TEXT_LENGTH) {
            throw new InvalidCidException("CID text is longer than " + MAX_TEXT_LENGTH + " characters");
        }
        if (text.length() == 46 && text.startsWith("Qm")) {
            byte[] mh = Base58.decode(text);
            Multihash.Parsed parsed = Multihash.read(mh, 0);
            if (parsed.next() != mh.length) {
                throw new InvalidCidException("CIDv0 has trailing bytes");
            }
            return v0(parsed.multihash());
        }
        Cid cid = fromBytes(Multibase.decode(text));
        if (cid.version() == 0) {
            throw new InvalidCidException("a CIDv0 must be written in bare base58 (Qm...)");
        }
        return cid;
    }

    /** Parses the binary form (v0: a multihash; v1: version, codec, multihash). */
    public static Cid fromBytes(byte[] bytes) {
        if (bytes.length == 34 && bytes[0] == Multihash.SHA2_256 && bytes[1] == Multihash.SHA2_256_LENGTH) {
            return v0(Multihash.read(bytes, 0).multihash());
        }
        Varint.Decoded version = Varint.read(bytes, 0);
        if (version.value() != 1) {
            throw new InvalidCidException("unsupported CID version " + version.value());
        }
        Varint.Decoded codec = Varint.read(bytes, version.next());
        Multihash.Parsed parsed = Multihash.read(bytes, codec.next());
        if (parsed.next() != bytes.length) {
            throw new InvalidCidException("CID has trailing bytes");
        }
        return v1(Codec.ofCode(codec.value()), parsed.multihash());
    }

    public byte[] toBytes() {
        if (version == 0) {
            return multihash.toBytes();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(36);
        Varint.write(1, out);
        Varint.write(codec.code(), out);
        out.writeBytes(multihash.toBytes());
        return out.toByteArray();
    }

    /** The same block named by a CIDv1 (v0 → v1 dag-pb; v1 unchanged). */
    public Cid toV1() {
        return version == 1 ? this : v1(codec, multihash);
    }

    /** Canonical text: base58btc for v0, multibase base32 lower-case for v1 (what {@code ipfs add} prints). */
    @Override
    public String toString() {
        return version == 0 ? Base58.encode(multihash.toBytes()) : Multibase.BASE32.encode(toBytes());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cid other
                && other.version == version
                && other.codec == codec
                && other.multihash.equals(multihash);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new int[] {version, codec.hashCode(), multihash.hashCode()});
    }
}
