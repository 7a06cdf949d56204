package io.infermesh.store;

import io.infermesh.store.cid.Cid;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Content-addressed blob storage. Invariant: a blob readable under a CID always hashes to that CID, because bytes are
 * verified while they stream in and committed only after the digest matches.
 *
 * <p>CIDs name bytes as {@code ipfs add} would: CIDv1 dag-pb/raw with the default import options (256 KiB chunks, raw
 * leaves, balanced, 174 links), CIDv0 with dag-pb leaves. A raw CID names the plain SHA-256 of all bytes.
 *
 * <p>Implementations are thread-safe.
 */
public interface BlobStore {
    /**
     * Streams {@code in} to the store under {@code expected}. Reads {@code in} to its end (does not close it). If the
     * bytes hash to another CID, nothing is stored and a {@link ContentMismatchException} is thrown.
     *
     * @return the summary of the bytes received (its CID equals {@code expected})
     */
    ContentSummary put(Cid expected, InputStream in);

    /** Stores a small in-memory blob (a manifest) and returns its summary. */
    ContentSummary put(byte[] bytes);

    /** The whole blob. The caller closes the stream. */
    InputStream get(Cid cid);

    /** {@code length} bytes starting at {@code offset} (fewer if the blob ends first). */
    InputStream getRange(Cid cid, long offset, long length);

    Optional<BlobInfo> stat(Cid cid);

    default boolean exists(Cid cid) {
        return stat(cid).isPresent();
    }

    /** The CIDs among {@code cids} that the store does not hold, in the order given, without duplicates. */
    List<Cid> missing(Collection<Cid> cids);

    /** A URL anyone holding it can GET the blob from until it expires; hands out no credentials. */
    URI presignGet(Cid cid, Duration validity);

    /** Aborts uploads that were started more than {@code olderThan} ago and never committed; returns how many. */
    int deleteStaleStaging(Duration olderThan);

    /**
     * A stored blob.
     *
     * @param cid its address
     * @param sizeBytes its length
     */
    record BlobInfo(Cid cid, long sizeBytes) {}
}
