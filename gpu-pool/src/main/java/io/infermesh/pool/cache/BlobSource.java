package io.infermesh.pool.cache;

import io.infermesh.store.cid.Cid;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Where a worker downloads blobs from. The bytes are untrusted: the cache verifies every byte against the CID before
 * anything is used. Implementations are thread-safe.
 */
public interface BlobSource {
    /**
     * Opens the blob's bytes. Errors are {@code WorkerException}s: NOT_FOUND when the source does not have it,
     * UNAVAILABLE when the source cannot be reached.
     */
    InputStream open(Cid cid);

    /**
     * Streams the blob's bytes, in order, into {@code sink} and returns at the end of the blob. Errors are as for
     * {@link #open}; an {@link IOException} is a download that broke off (or a sink that failed). The default reads
     * {@link #open} in pieces of {@value #PIECE_BYTES} bytes, each in a new array; sources that receive buffers anyway
     * (HTTP) override it to pass them on without an {@code InputStream} in between.
     */
    default void transfer(Cid cid, ByteSink sink) throws IOException {
        try (InputStream in = open(cid)) {
            for (byte[] piece; (piece = in.readNBytes(PIECE_BYTES)).length > 0; ) {
                sink.accept(List.of(ByteBuffer.wrap(piece)));
            }
        }
    }

    /** Bytes per piece of the default {@link #transfer}. */
    int PIECE_BYTES = 1 << 20;

    /** For messages: where blobs come from, without credentials. */
    String describe();
}
