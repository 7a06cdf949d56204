package io.infermesh.pool.quarkus;

import io.infermesh.pool.Ticker;
import io.infermesh.pool.batch.BatchingOptions;
import io.infermesh.pool.bench.CapabilityReport;
import io.infermesh.pool.cache.BlobSource;
import io.infermesh.pool.cache.HttpBlobSource;
import io.infermesh.pool.cache.LoadPathWarmUp;
import io.infermesh.pool.cache.LoadSpec;
import io.infermesh.pool.cache.ModelCache;
import io.infermesh.pool.cache.ServedModel;
import io.infermesh.pool.cache.StoreBlobSource;
import io.infermesh.pool.djl.OnnxRuntimeBackend;
import io.infermesh.pool.djl.OrtBenchmark;
import io.infermesh.pool.djl.OrtRuntime;
import io.infermesh.pool.djl.OrtSettings;
import io.infermesh.pool.djl.TextEmbeddingBackend;
import io.infermesh.pool.djl.TorchRuntime;
import io.infermesh.pool.djl.TorchScriptBackend;
import io.infermesh.pool.djl.TorchSettings;
import io.infermesh.pool.fault.SlowedBackend;
import io.infermesh.pool.grpc.InFlightCalls;
import io.infermesh.pool.grpc.LoadCallWarmUp;
import io.infermesh.pool.spi.Backend;
import io.infermesh.pool.triton.TritonBackend;
import io.infermesh.store.s3.S3BlobStore;
import io.infermesh.store.s3.S3Config;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The worker process: builds the backends (ONNX Runtime, text embedding, TorchScript; or Triton) and the model cache from {@link WorkerConfig}, runs the start-up benchmark,
 * loads the models to preload, and is what the gRPC service, health checks and metrics read. Ready once both are
 * done.
 */
@Singleton
public class Worker {
    private static final Logger LOG = Logger.getLogger(Worker.class);

    @Inject
    WorkerConfig config;

    @Inject
    ModelMetrics metrics;

    @ConfigProperty(name = "quarkus.application.version", defaultValue = "dev")
    String version;

    @ConfigProperty(name = "quarkus.http.port")
    int httpPort;

    @ConfigProperty(name = "quarkus.grpc.server.host", defaultValue = "127.0.0.1")
    String grpcHost;

    @ConfigProperty(name = "quarkus.grpc.server.port")
    int grpcPort;

    private ModelCache cache;
    private OrtRuntime ort;
    private Optional<TorchRuntime> torch = Optional.empty();
    private Optional<BlobSource> store;
    private HttpClient http;
    private ExecutorService background;
    private volatile CapabilityReport capability;
    private volatile boolean ready;
    private final CompletableFuture<Void> readiness = new CompletableFuture<>();
    private final InFlightCalls inFlight = new InFlightCalls();
    private volatile String preloadFailure;

    void start(@Observes StartupEvent event) {
        http = HttpBlobSource.defaultClient();
        background = Executors.newVirtualThreadPerTaskExecutor();
        store = config.store()
                .s3Endpoint()
                .map(endpoint -> new StoreBlobSource(
                        S3BlobStore.connect(S3Config.of(
                                endpoint,
                                config.store().s3AccessKey().orElse(""),
                                config.store().s3SecretKey().orElse(""),
                                config.store().s3Bucket())),
                        "model store at " + endpoint));
        List<Backend> backends;
        BatchingOptions batching = batching();
        ort = new OrtRuntime(
                new OrtSettings(config.onnx().intraOpThreads(), config.onnx().interOpThreads()));
        switch (config.backend()) {
            case "djl" -> {
                // Nothing of PyTorch starts here: TorchRuntime extracts and loads libtorch on the first TorchScript
                // load.
                TorchRuntime pytorch = new TorchRuntime(new TorchSettings(
                        config.pytorch().intraOpThreads(), config.pytorch().interOpThreads()));
                torch = Optional.of(pytorch);
                backends = List.of(
                        new TextEmbeddingBackend(ort), new OnnxRuntimeBackend(ort), new TorchScriptBackend(pytorch));
            }
            case "triton" -> {
                String target = config.triton()
                        .target()
                        .orElseThrow(() -> new IllegalStateException(
                                "infermesh.pool.backend=triton needs infermesh.pool.triton.target=host:port"));
                backends = List.of(new TritonBackend(target, config.triton().loadTimeout()));
            }
            default ->
                throw new IllegalStateException(
                        "infermesh.pool.backend must be djl or triton, not '" + config.backend() + "'");
        }
        if (config.fault().slowdown() != 1) {
            double factor = config.fault().slowdown();
            backends = backends.stream()
                    .<Backend>map(b -> new SlowedBackend(b, factor))
                    .toList();
            LOG.warnf("infermesh.pool.fault.slowdown=%s: every model on this worker runs %s× slower", factor, factor);
        }
        cache = new ModelCache(
                config.cacheDir(),
                backends,
                config.memoryBudget().asLongValue(),
                batching,
                Ticker.SYSTEM,
                Clock.systemUTC());
        metrics.bindWorker(this);
        LOG.infof(
                "worker %s: backend %s, cache %s, memory budget %d MiB, batching %s",
                version,
                config.backend(),
                config.cacheDir(),
                config.memoryBudget().asLongValue() >> 20,
                batching);
        List<LoadSpec> preloads = preloads();
        background.execute(() -> {
            if (config.benchmark().enabled()) {
                benchmark();
            }
            long warmUp = LoadPathWarmUp.run(http, URI.create("http://127.0.0.1:" + httpPort + "/q/health/live"));
            long loadCall = LoadCallWarmUp.run(grpcHost, grpcPort);
            LOG.infof(
                    "load path warmed up in %d ms (and the load call in %d ms)",
                    warmUp / 1_000_000, loadCall / 1_000_000);
            for (LoadSpec spec : preloads) {
                try {
                    load(spec).join();
                } catch (RuntimeException e) {
                    preloadFailure = "preloading " + spec.modelName() + " failed: "
                            + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
                    LOG.error(preloadFailure);
                    return;
                }
            }
            ready = true;
            readiness.complete(null);
        });
    }

    private List<LoadSpec> preloads() {
        List<String> entries = config.preload().orElse(List.of());
        if (entries.isEmpty()) {
            return List.of();
        }
        BlobSource source = store.orElseThrow(() -> new IllegalStateException(
                "infermesh.pool.preload needs a store: set infermesh.pool.store.s3-endpoint (and its keys)"));
        return entries.stream()
                .map(entry -> {
                    int eq = entry.lastIndexOf('=');
                    if (eq <= 0) {
                        throw new IllegalStateException(
                                "infermesh.pool.preload entry '" + entry + "' must be name=manifestCid");
                    }
                    return new LoadSpec(
                            entry.substring(0, eq).strip(),
                            io.infermesh.store.cid.Cid.parse(
                                    entry.substring(eq + 1).strip()),
                            source,
                            java.util.Map.of());
                })
                .toList();
    }

    private BatchingOptions batching() {
        WorkerConfig.Batching b = config.batching();
        BatchingOptions options =
                new BatchingOptions(b.maxBatchSize(), b.maxQueueDelay(), b.queueCapacity(), b.instances());
        return b.enabled() ? options : options.withoutBatching();
    }

    private void benchmark() {
        try {
            capability = OrtBenchmark.run(ort, config.benchmark().duration());
            LOG.infof(
                    "capability score %.1f GFLOP/s (%s, %d runs), %d cores, %d MiB memory, GPUs %s",
                    capability.score(),
                    capability.engine(),
                    capability.runs(),
                    capability.hardware().cpuCores(),
                    capability.hardware().memoryBytes() >> 20,
                    capability.hardware().gpus());
        } catch (RuntimeException e) {
            LOG.errorf(e, "start-up benchmark failed; the worker reports no capability score");
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (cache != null) {
            cache.close();
        }
        if (background != null) {
            background.shutdownNow();
        }
    }

    public CompletableFuture<ServedModel> load(LoadSpec spec) {
        return cache.load(spec).thenApply(m -> {
            metrics.bindModel(m.name());
            LOG.infof(
                    "loaded %s (manifest %s, backend %s) in %s",
                    m.name(), m.manifestCid(), m.backend(), m.loadTimings());
            return m;
        });
    }

    public boolean unload(String name) {
        boolean unloaded = cache.unload(name);
        if (unloaded) {
            LOG.infof("unloaded %s", name);
        }
        return unloaded;
    }

    public ModelCache cache() {
        return cache;
    }

    /** True once the start-up benchmark ran and every preloaded model is loaded. */
    public boolean ready() {
        return ready;
    }

    /**
     * Completes when the worker becomes ready (after the benchmark, the load-path warm-up and every preload); never, if
     * a preload fails. Dependent actions run on the worker's start-up thread: keep them short.
     */
    public CompletionStage<Void> whenReady() {
        return readiness.minimalCompletionStage();
    }

    /** {@code ModelInfer} calls accepted and not yet answered. */
    public InFlightCalls inFlight() {
        return inFlight;
    }

    /** Why a preload failed, if one did (the worker then never becomes ready). */
    public Optional<String> preloadFailure() {
        return Optional.ofNullable(preloadFailure);
    }

    /** The in-process PyTorch runtime ({@code djl} mode), started or not. */
    public Optional<TorchRuntime> torch() {
        return torch;
    }

    public Optional<CapabilityReport> capability() {
        return Optional.ofNullable(capability);
    }

    public String version() {
        return version;
    }

    public long maxRequestBytes() {
        return config.maxRequestBytes().asLongValue();
    }

    public Optional<BlobSource> configuredStore() {
        return store;
    }

    public HttpClient http() {
        return http;
    }

    public ExecutorService background() {
        return background;
    }
}
