package io.infermesh.store.unixfs;

/**
 * How bytes are cut into a UnixFS file DAG. The defaults are those of {@code ipfs add --cid-version=1}: 256 KiB
 * fixed-size chunks, raw leaves, balanced layout with at most 174 links per node.
 *
 * @param cidVersion 0 or 1; CIDv0 implies dag-pb leaves
 * @param rawLeaves leaves are raw blocks (true) or UnixFS file nodes (false)
 * @param chunkBytes fixed chunk size in bytes, 1 B to 1 MiB (IPFS refuses larger blocks)
 * @param maxLinks most children per interior node, at least 2
 */
public record ImportOptions(int cidVersion, boolean rawLeaves, int chunkBytes, int maxLinks) {
    public static final int DEFAULT_CHUNK_BYTES = 256 * 1024;
    public static final int DEFAULT_MAX_LINKS = 174;
    public static final int MAX_CHUNK_BYTES = 1024 * 1024;

    public ImportOptions {
        if (cidVersion != 0 && cidVersion != 1) {
            throw new IllegalArgumentException("cidVersion must be 0 or 1");
        }
        if (cidVersion == 0 && rawLeaves) {
            throw new IllegalArgumentException("CIDv0 cannot name raw leaves; use cidVersion 1 for raw leaves");
        }
        if (chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) {
            throw new IllegalArgumentException("chunkBytes must be between 1 and " + MAX_CHUNK_BYTES);
        }
        if (maxLinks < 2) {
            throw new IllegalArgumentException("maxLinks must be at least 2");
        }
    }

    /** {@code ipfs add --cid-version=1}: the store's addressing. */
    public static ImportOptions defaults() {
        return new ImportOptions(1, true, DEFAULT_CHUNK_BYTES, DEFAULT_MAX_LINKS);
    }

    /** {@code ipfs add} with CIDv0 ({@code Qm...}) and dag-pb leaves. */
    public static ImportOptions cidV0() {
        return new ImportOptions(0, false, DEFAULT_CHUNK_BYTES, DEFAULT_MAX_LINKS);
    }

    /** The options a stored CID implies: v0 → {@link #cidV0()}, v1 → {@link #defaults()}. */
    public static ImportOptions impliedBy(io.infermesh.store.cid.Cid cid) {
        return cid.version() == 0 ? cidV0() : defaults();
    }
}
