package io.infermesh.store.cli.gateway;

import io.infermesh.store.cid.Cid;
import java.util.Objects;

/**
 * The answer to one blob upload.
 *
 * @param cid the blob
 * @param sizeBytes its size as the store holds it
 * @param alreadyStored true when the store had it already (HTTP 200) rather than storing these bytes (201)
 */
public record BlobUpload(Cid cid, long sizeBytes, boolean alreadyStored) {
    public BlobUpload {
        Objects.requireNonNull(cid, "cid");
        if (sizeBytes < 0) {
            throw new IllegalArgumentException("a blob's size is not negative");
        }
    }
}
