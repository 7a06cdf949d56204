package io.infermesh.store;

import io.infermesh.store.cid.Cid;
import io.infermesh.store.cid.Codec;
import io.infermesh.store.cid.Multihash;

/**
 * What one streaming pass over some bytes yields.
 *
 * @param cid the UnixFS CID {@code ipfs add} would print for these bytes with the same import options
 * @param sha256 SHA-256 of the whole byte stream (not of any block)
 * @param sizeBytes number of bytes
 */
public record ContentSummary(Cid cid, Multihash sha256, long sizeBytes) {
    public ContentSummary {
        if (cid == null || sha256 == null) {
            throw new IllegalArgumentException("cid and sha256 are required");
        }
        if (sizeBytes < 0) {
            throw new IllegalArgumentException("size must be non-negative");
        }
    }

    /**
     * Whether these bytes may be stored under {@code expected}. A raw CID names the plain SHA-256 of all the bytes,
     * whatever their size; any other CID must equal {@link #cid()} (computed with the options that CID implies).
     */
    public boolean satisfies(Cid expected) {
        return expected.codec() == Codec.RAW ? expected.multihash().equals(sha256) : expected.equals(cid);
    }

    /** Throws {@link ContentMismatchException} unless {@link #satisfies(Cid)}. */
    public ContentSummary requireCid(Cid expected) {
        if (!satisfies(expected)) {
            Cid actual = expected.codec() == Codec.RAW ? Cid.v1(Codec.RAW, sha256) : cid;
            throw new ContentMismatchException(expected, actual, sizeBytes);
        }
        return this;
    }
}
