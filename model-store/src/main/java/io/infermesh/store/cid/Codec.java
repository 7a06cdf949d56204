package io.infermesh.store.cid;

/** The IPLD codecs a stored CID may name (multicodec table). */
public enum Codec {
    /** Plain bytes: the CID hashes the bytes themselves. Leaves of CIDv1 files. */
    RAW(0x55, "raw"),
    /** MerkleDAG protobuf: UnixFS file and directory nodes. */
    DAG_PB(0x70, "dag-pb");

    private final int code;
    private final String label;

    Codec(int code, String label) {
        this.code = code;
        this.label = label;
    }

    public int code() {
        return code;
    }

    public String label() {
        return label;
    }

    public static Codec ofCode(long code) {
        for (Codec c : values()) {
            if (c.code == code) {
                return c;
            }
        }
        throw new InvalidCidException("unsupported CID codec 0x" + Long.toHexString(code)
                + "; this store holds raw (0x55) and dag-pb (0x70)");
    }
}
