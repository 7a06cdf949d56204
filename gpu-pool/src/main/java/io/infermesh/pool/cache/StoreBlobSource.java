package io.infermesh.pool.cache;

import io.infermesh.pool.WorkerException;
import io.infermesh.store.BlobStore;
import io.infermesh.store.ModelStoreException;
import io.infermesh.store.cid.Cid;
import java.io.InputStream;

/**
 * Blobs read straight from a model store, for an operator whose workers may hold store credentials (its own
 * pool). Workers of third-party pools use {@link HttpBlobSource} with presigned URLs instead.
 */
public final class StoreBlobSource implements BlobSource {
    private final BlobStore store;
    private final String description;

    public StoreBlobSource(BlobStore store, String description) {
        this.store = store;
        this.description = description;
    }

    @Override
    public InputStream open(Cid cid) {
        try {
            return store.get(cid);
        } catch (ModelStoreException e) {
            throw switch (e.code()) {
                case NOT_FOUND -> WorkerException.notFound("blob " + cid + " is not in the model store");
                default -> WorkerException.unavailable("model store: " + e.getMessage());
            };
        }
    }

    @Override
    public String describe() {
        return description;
    }
}
