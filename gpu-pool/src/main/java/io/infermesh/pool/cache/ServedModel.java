package io.infermesh.pool.cache;

import io.infermesh.pool.InferRequest;
import io.infermesh.pool.ModelSignature;
import io.infermesh.pool.SignatureCheck;
import io.infermesh.pool.Tensor;
import io.infermesh.pool.Ticker;
import io.infermesh.pool.batch.DynamicBatcher;
import io.infermesh.pool.batch.ModelStats;
import io.infermesh.pool.spi.LoadedModel;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.Manifest;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A model that is loaded and warm: its engine state, its request queue and its counters. Thread-safe. */
public final class ServedModel {
    private final String name;
    private final Cid manifestCid;
    private final Manifest manifest;
    private final String backend;
    private final LoadedModel model;
    private final DynamicBatcher batcher;
    private final ModelStats stats;
    private final long memoryBytes;
    private final LoadTimings loadTimings;
    private final Ticker ticker;
    private volatile long lastUsedNanos;

    ServedModel(
            String name,
            Cid manifestCid,
            Manifest manifest,
            String backend,
            LoadedModel model,
            DynamicBatcher batcher,
            ModelStats stats,
            long memoryBytes,
            LoadTimings loadTimings,
            Ticker ticker) {
        this.name = name;
        this.manifestCid = manifestCid;
        this.manifest = manifest;
        this.backend = backend;
        this.model = model;
        this.batcher = batcher;
        this.stats = stats;
        this.memoryBytes = memoryBytes;
        this.loadTimings = loadTimings;
        this.ticker = ticker;
        this.lastUsedNanos = ticker.nanos();
    }

    /**
     * Checks the request against the signature (INVALID_ARGUMENT is thrown here, before queueing) and queues it.
     */
    public CompletableFuture<List<Tensor>> infer(InferRequest request) {
        lastUsedNanos = ticker.nanos();
        return batcher.submit(SignatureCheck.check(name, model.signature(), request));
    }

    public String name() {
        return name;
    }

    public Cid manifestCid() {
        return manifestCid;
    }

    public Manifest manifest() {
        return manifest;
    }

    public String backend() {
        return backend;
    }

    public ModelSignature signature() {
        return model.signature();
    }

    public ModelStats stats() {
        return stats;
    }

    public long memoryBytes() {
        return memoryBytes;
    }

    /** How long downloading, verifying and loading took. */
    public LoadTimings loadTimings() {
        return loadTimings;
    }

    /** Requests queued or running. */
    public int load() {
        return batcher.load();
    }

    long lastUsedNanos() {
        return lastUsedNanos;
    }

    /** Stops taking requests, finishes queued ones, then releases the engine. */
    void close() {
        batcher.close();
        model.close();
    }
}
