package io.infermesh.pool.cache;

import io.infermesh.pool.WorkerException;
import io.infermesh.store.ContentMismatchException;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.cid.Codec;
import io.infermesh.store.unixfs.ContentDigester;
import io.infermesh.store.unixfs.ImportOptions;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Checks a blob against its CID and declared size while it streams by: counts the bytes (more than declared fails at
 * once) and hashes them as {@code VerifyingInputStream.cidOnly} does (a UnixFS CID from its leaves only; a raw CID
 * is the whole-file SHA-256, so that is computed too). {@link #finish} says whether what went by is the blob.
 *
 * <p>Buffers passed to {@link #update} must not change afterwards (whole chunks are hashed where they lie, later, on
 * the hashing pool). Not thread-safe: one downloading thread.
 */
final class BlobCheck {
    private final Cid expected;
    private final long expectedBytes;
    private final String from;
    private final boolean raw;
    private final ContentDigester digester;
    private long bytes;

    /** @param from where the bytes come from, for messages */
    BlobCheck(Cid expected, long expectedBytes, String from) {
        this.expected = expected;
        this.expectedBytes = expectedBytes;
        this.from = from;
        this.raw = expected.codec() == Codec.RAW;
        ImportOptions options = ImportOptions.impliedBy(expected);
        this.digester = raw ? ContentDigester.create(options) : ContentDigester.forCid(options);
    }

    /** Counts and hashes the buffers' remaining bytes (their positions do not move). */
    void update(List<ByteBuffer> buffers) {
        for (ByteBuffer b : buffers) {
            bytes += b.remaining();
            if (bytes > expectedBytes) {
                throw new WorkerException(
                        WorkerException.Code.DATA_LOSS,
                        "blob " + expected + " from " + from + " is longer than the " + expectedBytes
                                + " bytes the manifest declares; nothing was loaded");
            }
            digester.updateInPlace(b);
        }
    }

    /**
     * Ends the blob.
     *
     * @throws WorkerException DATA_LOSS if fewer bytes than declared went by
     * @throws ContentMismatchException if they do not hash to the expected CID
     */
    void finish() {
        if (bytes != expectedBytes) {
            throw new WorkerException(
                    WorkerException.Code.DATA_LOSS,
                    "blob " + expected + " from " + from + " has " + bytes + " bytes, the manifest declares "
                            + expectedBytes + "; nothing was loaded");
        }
        if (raw) {
            digester.finish().requireCid(expected);
            return;
        }
        Cid actual = digester.finishCid();
        if (!actual.equals(expected)) {
            throw new ContentMismatchException(expected, actual, bytes);
        }
    }
}
