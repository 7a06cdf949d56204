package io.infermesh.store.unixfs;

import io.infermesh.store.cid.Cid;
import io.infermesh.store.cid.Codec;
import io.infermesh.store.cid.Multihash;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.List;

/**
 * Encodes the two kinds of UnixFS file blocks the importer makes.
 *
 * <p>dag-pb {@code PBNode}: field 2 {@code Links} (each {@code PBLink}: 1 Hash, 2 Name, 3 Tsize) written before field 1
 * {@code Data}, as the canonical dag-pb encoding requires. UnixFS {@code Data}: 1 Type (File = 2), 2 Data, 3 filesize,
 * 4 blocksizes (proto2, unpacked). Links carry an empty Name, as {@code ipfs add} writes them.
 */
final class UnixfsNodes {
    private static final int TYPE_FILE = 2;

    private UnixfsNodes() {}

    /** A leaf holding the remaining bytes of {@code chunk}; raw leaves are hashed in place. */
    static DagLink leaf(ByteBuffer chunk, ImportOptions options) {
        int length = chunk.remaining();
        if (options.rawLeaves()) {
            MessageDigest sha = Multihash.newSha256();
            sha.update(chunk);
            return new DagLink(Cid.v1(Codec.RAW, Multihash.sha256(sha.digest())), length, length);
        }
        byte[] copy = new byte[length];
        chunk.get(copy);
        return leaf(copy, length, options);
    }

    /** A leaf holding {@code chunk[0, length)}: a raw block, or a dag-pb UnixFS file node for non-raw leaves. */
    static DagLink leaf(byte[] chunk, int length, ImportOptions options) {
        if (options.rawLeaves()) {
            Cid cid = Cid.v1(Codec.RAW, Multihash.sha256Of(chunk, 0, length));
            return new DagLink(cid, length, length);
        }
        // An empty file's node carries no Data bytes at all, only Type and filesize.
        byte[] unixfs = length == 0
                ? new ProtoWriter(4).varint(1, TYPE_FILE).varint(3, 0).toByteArray()
                : new ProtoWriter(length + 16)
                        .varint(1, TYPE_FILE)
                        .bytes(2, chunk, 0, length)
                        .varint(3, length)
                        .toByteArray();
        byte[] node = new ProtoWriter(unixfs.length + 8).bytes(1, unixfs).toByteArray();
        return new DagLink(dagPbCid(node, options), node.length, length);
    }

    /** An interior file node linking {@code children} in order. */
    static DagLink parent(List<DagLink> children, ImportOptions options) {
        long fileBytes = 0;
        long childTsize = 0;
        ProtoWriter unixfs = new ProtoWriter(8 + children.size() * 4).varint(1, TYPE_FILE);
        for (DagLink child : children) {
            fileBytes += child.fileBytes();
            childTsize += child.tsize();
        }
        unixfs.varint(3, fileBytes);
        for (DagLink child : children) {
            unixfs.varint(4, child.fileBytes());
        }
        ProtoWriter node = new ProtoWriter(children.size() * 48 + 32);
        for (DagLink child : children) {
            byte[] link = new ProtoWriter(48)
                    .bytes(1, child.cid().toBytes())
                    .bytes(2, EMPTY)
                    .varint(3, child.tsize())
                    .toByteArray();
            node.bytes(2, link);
        }
        byte[] encoded = node.bytes(1, unixfs.toByteArray()).toByteArray();
        return new DagLink(dagPbCid(encoded, options), encoded.length + childTsize, fileBytes);
    }

    private static final byte[] EMPTY = new byte[0];

    private static Cid dagPbCid(byte[] block, ImportOptions options) {
        Multihash mh = Multihash.sha256Of(block, 0, block.length);
        return options.cidVersion() == 0 ? Cid.v0(mh) : Cid.v1(Codec.DAG_PB, mh);
    }
}
