package io.infermesh.pool.cache;

import io.infermesh.store.cid.Cid;
import java.io.InputStream;

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

    /** For messages: where blobs come from, without credentials. */
    String describe();
}
