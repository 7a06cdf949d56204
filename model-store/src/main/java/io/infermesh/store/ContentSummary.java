package io.infermesh.store;

import io.infermesh.store.cid.Cid;
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
}
