package io.infermesh.pool.spi;

import io.infermesh.pool.batch.BatchingOptions;
import io.infermesh.store.manifest.Manifest;

/**
 * An engine that can turn a published model into a {@link LoadedModel}. Implementations are thread-safe; a worker
 * asks its backends in order and uses the first that {@link #supports} the manifest.
 */
public interface Backend {
    /** Short name for logs and metadata, e.g. {@code onnxruntime}. */
    String name();

    boolean supports(Manifest manifest);

    /**
     * Bytes of memory the model will need once loaded, estimated from the manifest before any download; used to make
     * room under the worker's memory budget.
     */
    long estimateMemoryBytes(Manifest manifest);

    /**
     * The queueing and batching this backend's models get, given the worker's configured defaults. A backend whose
     * engine batches by itself (an upstream server) turns the worker's batching off here.
     */
    default BatchingOptions batching(BatchingOptions defaults) {
        return defaults;
    }

    /** Loads the model; failures are {@code WorkerException}s with a message naming the file and the problem. */
    LoadedModel load(ModelSource source);
}
