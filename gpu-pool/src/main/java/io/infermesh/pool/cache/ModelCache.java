package io.infermesh.pool.cache;

import io.infermesh.pool.Ticker;
import io.infermesh.pool.WorkerException;
import io.infermesh.pool.batch.BatchingOptions;
import io.infermesh.pool.batch.DynamicBatcher;
import io.infermesh.pool.batch.ModelStats;
import io.infermesh.pool.spi.Backend;
import io.infermesh.pool.spi.LoadedModel;
import io.infermesh.store.ContentMismatchException;
import io.infermesh.store.ModelStoreException;
import io.infermesh.store.manifest.Manifest;
import io.infermesh.store.manifest.ModelPacker;
import io.infermesh.store.unixfs.VerifyingInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The models this worker serves, loaded by manifest CID and kept warm within a memory budget.
 *
 * <p>Loading: fetch the manifest and check it hashes to its CID; refuse pickle-based files; pick the first backend
 * that supports the manifest; reserve its memory estimate (evicting idle models, least recently used first, if the
 * budget is short); let the backend load, downloading and verifying files only if it asks for them. The model
 * becomes visible to callers only when all of that succeeded; on any failure nothing is left loaded, the
 * reservation is returned and the reason is kept for the repository index.
 *
 * <p>Concurrent loads of the same name and manifest share one load. Loading a name under a different manifest
 * replaces the served model once the new one is ready; the old one finishes its queued requests, then closes.
 * A model with queued or running requests is never evicted.
 *
 * <p>Thread-safe. Budget accounting and the name tables change under one lock; downloads and engine loads run on
 * the loader threads outside it.
 */
public final class ModelCache implements AutoCloseable {
    private final LocalBlobCache blobs;
    private final Path modelsDir;
    private final List<Backend> backends;
    private final long budgetBytes;
    private final BatchingOptions batching;
    private final Ticker ticker;
    private final Clock clock;
    private final ExecutorService loaders;

    private final Map<String, ServedModel> ready = new ConcurrentHashMap<>();
    private final Map<String, Loading> loading = new HashMap<>();
    private final Map<String, Failure> failures = new ConcurrentHashMap<>();
    private long reservedBytes;
    private boolean closed;

    /** A load in flight; {@code unloaded} once an unload of its name came while it ran (guarded by the cache). */
    private static final class Loading {
        final LoadSpec spec;
        final CompletableFuture<ServedModel> future = new CompletableFuture<>();
        boolean unloaded;

        Loading(LoadSpec spec) {
            this.spec = spec;
        }

        LoadSpec spec() {
            return spec;
        }

        CompletableFuture<ServedModel> future() {
            return future;
        }
    }

    private record Failure(String manifestCid, String reason) {}

    public ModelCache(
            Path root, List<Backend> backends, long budgetBytes, BatchingOptions batching, Ticker ticker, Clock clock) {
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("at least one backend is required");
        }
        this.blobs = new LocalBlobCache(root);
        this.modelsDir = root.resolve("models");
        this.backends = List.copyOf(backends);
        this.budgetBytes = budgetBytes;
        this.batching = batching;
        this.ticker = ticker;
        this.clock = clock;
        AtomicInteger n = new AtomicInteger();
        this.loaders = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "model-loader-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts loading (or joins the load already running for the same name and manifest). Completes with the served
     * model, or exceptionally with a {@link WorkerException} saying why nothing was loaded.
     */
    public CompletableFuture<ServedModel> load(LoadSpec spec) {
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(
                        WorkerException.unavailable("this worker is shutting down; load the model on another one"));
            }
            ServedModel current = ready.get(spec.modelName());
            Loading inFlight = loading.get(spec.modelName());
            if (inFlight != null && inFlight.unloaded) {
                return CompletableFuture.failedFuture(WorkerException.unavailable("model '" + spec.modelName()
                        + "' was unloaded while a load of it ran; retry once that load has ended"));
            }
            if (inFlight != null) {
                if (inFlight.spec().manifestCid().equals(spec.manifestCid())) {
                    return inFlight.future();
                }
                return CompletableFuture.failedFuture(new WorkerException(
                        WorkerException.Code.FAILED_PRECONDITION,
                        "model '" + spec.modelName() + "' is being loaded from manifest "
                                + inFlight.spec().manifestCid() + "; wait for it before loading "
                                + spec.manifestCid()));
            }
            if (current != null && current.manifestCid().equals(spec.manifestCid())) {
                return CompletableFuture.completedFuture(current);
            }
            Loading started = new Loading(spec);
            loading.put(spec.modelName(), started);
            loaders.execute(() -> runLoad(started));
            return started.future();
        }
    }

    /** The ready model called {@code name}. */
    public Optional<ServedModel> get(String name) {
        return Optional.ofNullable(ready.get(name));
    }

    /** The ready model, or NOT_FOUND with a message saying what to do. */
    public ServedModel require(String name) {
        ServedModel m = ready.get(name);
        if (m != null) {
            return m;
        }
        synchronized (this) {
            if (loading.containsKey(name)) {
                throw WorkerException.unavailable("model '" + name + "' is still loading; retry shortly");
            }
        }
        throw WorkerException.notFound("model '" + name + "' is not loaded on this worker; load it with "
                + "RepositoryModelLoad (parameter manifest_cid) or send the request to a worker that has it");
    }

    public List<ServedModel> ready() {
        return List.copyOf(ready.values());
    }

    /**
     * Stops serving {@code name}: new requests get NOT_FOUND, queued ones finish, then the engine is released. A load
     * of {@code name} in flight (a first load, or a new version replacing the served one) is not served when it
     * finishes: its caller gets ABORTED and its engine is released, so after an unload nothing is served under the
     * name, whatever was loading.
     *
     * @return false if no such model was loaded or loading
     */
    public boolean unload(String name) {
        ServedModel m;
        synchronized (this) {
            Loading inFlight = loading.get(name);
            if (inFlight != null) {
                inFlight.unloaded = true;
            }
            m = ready.remove(name);
            if (m == null) {
                return inFlight != null;
            }
            reservedBytes -= m.memoryBytes();
        }
        m.close();
        return true;
    }

    /** Every model the worker knows: ready, loading, or whose last load failed. Sorted by name. */
    public List<ModelState> index() {
        Map<String, ModelState> out = new TreeMap<>();
        failures.forEach((name, f) ->
                out.put(name, new ModelState(name, "UNAVAILABLE", f.reason(), Optional.of(f.manifestCid()))));
        synchronized (this) {
            loading.forEach((name, l) -> out.put(
                    name,
                    new ModelState(
                            name,
                            "LOADING",
                            "",
                            Optional.of(l.spec().manifestCid().toString()))));
        }
        ready.forEach((name, m) -> out.put(
                name,
                new ModelState(name, "READY", "", Optional.of(m.manifestCid().toString()))));
        return List.copyOf(out.values());
    }

    public long budgetBytes() {
        return budgetBytes;
    }

    public synchronized long reservedBytes() {
        return reservedBytes;
    }

    private void runLoad(Loading job) {
        LoadSpec spec = job.spec();
        long start = ticker.nanos();
        long reserved = 0;
        try {
            Manifest manifest = fetchManifest(spec);
            long manifestNanos = ticker.nanos() - start;
            refusePickle(manifest);
            Backend backend = backends.stream()
                    .filter(b -> b.supports(manifest))
                    .findFirst()
                    .orElseThrow(() -> WorkerException.invalidArgument("no backend on this worker serves framework '"
                            + manifest.framework().wireName() + "' with task '" + manifest.task() + "'"));
            long estimate = backend.estimateMemoryBytes(manifest);
            List<ServedModel> evicted = reserve(spec.modelName(), estimate);
            reserved = estimate;
            evicted.forEach(ServedModel::close);
            CachedSource source = new CachedSource(spec, manifest, blobs, modelsDir, ticker);
            long backendStart = ticker.nanos();
            LoadedModel loaded = backend.load(source);
            long backendNanos = ticker.nanos() - backendStart;
            ServedModel served;
            try {
                ModelStats stats = new ModelStats(clock);
                DynamicBatcher batcher =
                        new DynamicBatcher(spec.modelName(), loaded, backend.batching(batching), stats, ticker);
                served = new ServedModel(
                        spec.modelName(),
                        spec.manifestCid(),
                        manifest,
                        backend.name(),
                        loaded,
                        batcher,
                        stats,
                        estimate,
                        new LoadTimings(
                                ticker.nanos() - start,
                                manifestNanos,
                                source.fetchNanos(),
                                source.fetchedBytes(),
                                backendNanos - source.fetchNanos()),
                        ticker);
            } catch (RuntimeException e) {
                loaded.close();
                throw e;
            }
            ServedModel replaced = null;
            String dropped = null;
            synchronized (this) {
                loading.remove(spec.modelName(), job);
                if (job.unloaded || closed) {
                    reservedBytes -= estimate;
                    dropped = closed
                            ? "this worker shut down while '" + spec.modelName() + "' loaded; nothing is served"
                            : "model '" + spec.modelName() + "' was unloaded while this load ran; nothing is served";
                } else {
                    replaced = ready.put(spec.modelName(), served);
                    if (replaced != null) {
                        reservedBytes -= replaced.memoryBytes();
                    }
                    failures.remove(spec.modelName());
                }
            }
            if (dropped != null) {
                served.close();
                job.future().completeExceptionally(new WorkerException(WorkerException.Code.ABORTED, dropped));
                return;
            }
            job.future().complete(served);
            if (replaced != null) {
                replaced.close();
            }
        } catch (RuntimeException | Error e) {
            WorkerException failure = asWorkerException(spec, e);
            synchronized (this) {
                reservedBytes -= reserved;
                loading.remove(spec.modelName(), job);
                failures.put(spec.modelName(), new Failure(spec.manifestCid().toString(), failure.getMessage()));
            }
            job.future().completeExceptionally(failure);
        }
    }

    /** Reserves memory, choosing idle models to evict (LRU first). Returns them; the caller closes them. */
    private synchronized List<ServedModel> reserve(String name, long bytes) {
        if (bytes > budgetBytes) {
            throw WorkerException.exhausted("model '" + name + "' needs about " + mib(bytes) + " MiB but this worker's"
                    + " memory budget is " + mib(budgetBytes) + " MiB (infermesh.pool.memory-budget)");
        }
        List<ServedModel> evicted = new ArrayList<>();
        if (reservedBytes + bytes > budgetBytes) {
            List<ServedModel> idle = ready.values().stream()
                    .filter(m -> m.load() == 0)
                    .sorted(Comparator.comparingLong(ServedModel::lastUsedNanos))
                    .toList();
            long free = budgetBytes - reservedBytes;
            for (ServedModel m : idle) {
                if (free >= bytes) {
                    break;
                }
                evicted.add(m);
                free += m.memoryBytes();
            }
            if (free < bytes) {
                throw WorkerException.exhausted("model '" + name + "' needs about " + mib(bytes) + " MiB; "
                        + mib(budgetBytes - reservedBytes) + " MiB of the " + mib(budgetBytes)
                        + " MiB budget are free and the other models are busy; retry later or on another worker");
            }
            for (ServedModel m : evicted) {
                ready.remove(m.name());
                reservedBytes -= m.memoryBytes();
            }
        }
        reservedBytes += bytes;
        return evicted;
    }

    private static Manifest fetchManifest(LoadSpec spec) {
        try (InputStream raw = spec.source().open(spec.manifestCid());
                VerifyingInputStream in = new VerifyingInputStream(raw, spec.manifestCid())) {
            byte[] bytes = in.readNBytes(Manifest.MAX_BYTES + 1);
            if (bytes.length > Manifest.MAX_BYTES) {
                throw WorkerException.invalidArgument(
                        "blob " + spec.manifestCid() + " is larger than any manifest; is manifest_cid a model file?");
            }
            if (in.read() != -1) {
                throw new IllegalStateException("stream continued after a short read");
            }
            return Manifest.parse(bytes);
        } catch (ContentMismatchException e) {
            throw new WorkerException(
                    WorkerException.Code.DATA_LOSS,
                    "the manifest served by " + spec.source().describe() + " hashes to " + e.actual() + ", not "
                            + spec.manifestCid() + "; nothing was loaded",
                    e);
        } catch (ModelStoreException e) {
            throw WorkerException.invalidArgument(
                    "blob " + spec.manifestCid() + " is not a valid manifest: " + e.getMessage());
        } catch (IOException e) {
            throw WorkerException.unavailable("could not read manifest " + spec.manifestCid() + " from "
                    + spec.source().describe() + ": " + e.getMessage());
        }
    }

    private static void refusePickle(Manifest manifest) {
        for (var file : manifest.files()) {
            if (ModelPacker.isPickle(file.path())) {
                throw WorkerException.invalidArgument("manifest lists '" + file.path() + "', a pickle-based file;"
                        + " loading pickles runs code, so this worker refuses them (use ONNX, TorchScript or"
                        + " safetensors)");
            }
        }
    }

    private static WorkerException asWorkerException(LoadSpec spec, Throwable e) {
        if (e instanceof WorkerException w) {
            return w;
        }
        if (e instanceof UncheckedIOException io) {
            return WorkerException.unavailable("loading '" + spec.modelName() + "' failed on local disk: "
                    + io.getCause().getMessage());
        }
        if (e instanceof OutOfMemoryError) {
            return WorkerException.exhausted("loading '" + spec.modelName() + "' ran out of memory");
        }
        return new WorkerException(
                WorkerException.Code.INTERNAL, "loading '" + spec.modelName() + "' failed: " + e.getMessage(), e);
    }

    private static long mib(long bytes) {
        return bytes >> 20;
    }

    /**
     * Closes every served model and stops the loaders. A load in flight or still waiting for a loader thread is
     * answered UNAVAILABLE (a load that finishes anyway is closed, not served); later loads are refused the same way.
     */
    @Override
    public void close() {
        List<ServedModel> all;
        List<Loading> pending;
        synchronized (this) {
            closed = true;
            all = List.copyOf(ready.values());
            ready.clear();
            reservedBytes = 0;
            pending = List.copyOf(loading.values());
        }
        all.forEach(ServedModel::close);
        loaders.shutdownNow();
        for (Loading l : pending) {
            l.future()
                    .completeExceptionally(WorkerException.unavailable("this worker is shutting down; model '"
                            + l.spec().modelName() + "' was not loaded; load it on another worker"));
        }
        try {
            loaders.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
