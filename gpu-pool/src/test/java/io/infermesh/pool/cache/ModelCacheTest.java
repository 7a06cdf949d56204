package io.infermesh.pool.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.pool.DataType;
import io.infermesh.pool.InferRequest;
import io.infermesh.pool.ModelSignature;
import io.infermesh.pool.Tensor;
import io.infermesh.pool.TensorInfo;
import io.infermesh.pool.TensorShape;
import io.infermesh.pool.WorkerException;
import io.infermesh.pool.batch.BatchingOptions;
import io.infermesh.pool.spi.Backend;
import io.infermesh.pool.spi.LoadedModel;
import io.infermesh.pool.spi.ModelSource;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.Manifest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCacheTest {
    /**
     * A backend of our SPI that reads the model's {@code weights.txt} (proving the file was materialized) and serves
     * {@code out = in} with the file's text as a second output. Loads can be held at a gate; each model's memory is
     * a fixed number of bytes.
     */
    static final class EchoBackend implements Backend {
        final AtomicInteger loads = new AtomicInteger();
        volatile String lastWeights;
        volatile CountDownLatch gate = new CountDownLatch(0);
        final long memory;

        EchoBackend(long memory) {
            this.memory = memory;
        }

        @Override
        public String name() {
            return "echo";
        }

        @Override
        public boolean supports(Manifest manifest) {
            return manifest.task().equals("echo");
        }

        @Override
        public long estimateMemoryBytes(Manifest manifest) {
            return memory;
        }

        @Override
        public LoadedModel load(ModelSource source) {
            loads.incrementAndGet();
            try {
                gate.await();
                lastWeights = Files.readString(source.directory().resolve("weights.txt"));
                return new Echo();
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }

        record Echo() implements LoadedModel {
            @Override
            public ModelSignature signature() {
                return new ModelSignature(
                        "echo",
                        List.of(new TensorInfo("in", DataType.BYTES, TensorShape.of(-1))),
                        List.of(new TensorInfo("out", DataType.BYTES, TensorShape.of(-1))));
            }

            @Override
            public List<Tensor> infer(List<Tensor> inputs) {
                return List.of(inputs.getFirst().renamed("out"));
            }

            @Override
            public long memoryBytes() {
                return 0;
            }

            @Override
            public void close() {}
        }
    }

    @TempDir
    Path dir;

    private final MemoryBlobSource source = new MemoryBlobSource();
    private ModelCache cache;

    /** The cache's clock: tests move it to order uses without sleeping. */
    private final AtomicLong now = new AtomicLong(1_000);

    private ModelCache cache(Backend backend, long budget) {
        cache = new ModelCache(
                dir,
                List.of(backend),
                budget,
                new BatchingOptions(8, Duration.ZERO, 16, 1),
                now::get,
                Clock.systemUTC());
        return cache;
    }

    @AfterEach
    void close() {
        if (cache != null) {
            cache.close();
        }
    }

    private LoadSpec spec(String name, Cid manifest) {
        return new LoadSpec(name, manifest, source, Map.of());
    }

    private static ServedModel await(CompletableFuture<ServedModel> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    private static WorkerException failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        return assertInstanceOf(WorkerException.class, e.getCause());
    }

    @Test
    void loadsAModelFromVerifiedFilesAndServesIt() throws Exception {
        Cid manifest = source.publish("echo", MemoryBlobSource.files("weights.txt", "w1", "sub/extra.bin", "x"));
        ServedModel m = await(cache(new EchoBackend(10), 100).load(spec("org/echo:1", manifest)));
        assertEquals(manifest, m.manifestCid());
        List<Tensor> out = m.infer(InferRequest.of(List.of(Tensor.ofStrings("in", List.of("a", "b")))))
                .get(5, TimeUnit.SECONDS);
        assertEquals(List.of("a", "b"), out.getFirst().strings());
        assertEquals("READY", cache.index().getFirst().state());
        assertEquals(10, cache.reservedBytes());
        Path folder = dir.resolve("models").resolve(manifest.toString());
        assertEquals("x", Files.readString(folder.resolve("sub/extra.bin")));
    }

    @Test
    void reportsOnlyTheBytesItDownloadedInTheLoadTimings() throws Exception {
        Cid manifest = source.publish("echo", MemoryBlobSource.files("weights.txt", "w1", "sub/extra.bin", "xyz"));
        cache(new EchoBackend(10), 100);
        assertEquals(5, await(cache.load(spec("m", manifest))).loadTimings().fetchedBytes());
        assertTrue(cache.unload("m"));
        assertEquals(0, await(cache.load(spec("m", manifest))).loadTimings().fetchedBytes());
    }

    @Test
    void aModelFolderLeftByAnEarlierProcessIsUsedOnlyWithBlobsThisProcessVerified() throws Exception {
        Cid manifest = source.publish("echo", MemoryBlobSource.files("weights.txt", "good weights"));
        Cid weights = source.put("good weights".getBytes(StandardCharsets.UTF_8));
        EchoBackend backend = new EchoBackend(10);
        await(cache(backend, 100).load(spec("m", manifest)));
        cache.close();
        // Between processes the blob's bytes change in place, same size; the model folder links that same file.
        Files.writeString(dir.resolve("blobs").resolve(weights.toString()), "evil weights");
        assertEquals(
                "evil weights",
                Files.readString(
                        dir.resolve("models").resolve(manifest.toString()).resolve("weights.txt")));

        cache(backend, 100);
        await(cache.load(spec("m", manifest)));
        assertEquals("good weights", backend.lastWeights, "the next process loads the verified bytes");
        assertEquals("good weights", Files.readString(dir.resolve("blobs").resolve(weights.toString())));
    }

    @Test
    void failsTheWholeLoadWhenOneOfSeveralFilesIsTampered() throws Exception {
        Cid manifest = source.publish("echo", MemoryBlobSource.files("weights.txt", "good", "sub/extra.bin", "real"));
        Cid extra = source.put("real".getBytes(StandardCharsets.UTF_8));
        source.blobs.put(extra, "fake".getBytes(StandardCharsets.UTF_8));
        EchoBackend backend = new EchoBackend(10);
        cache(backend, 100);
        WorkerException e = failure(cache.load(spec("m", manifest)));
        assertEquals(WorkerException.Code.DATA_LOSS, e.code());
        assertTrue(e.getMessage().contains(extra.toString()), e.getMessage());
        assertEquals(null, backend.lastWeights, "the backend never saw a folder with an unverified file");
        assertFalse(Files.exists(dir.resolve("models").resolve(manifest.toString())));
    }

    @Test
    void coalescesConcurrentLoadsOfTheSameModel() throws Exception {
        Cid manifest = source.publish("echo", MemoryBlobSource.files("weights.txt", "w"));
        EchoBackend backend = new EchoBackend(10);
        backend.gate = new CountDownLatch(1);
        cache(backend, 100);
        var first = cache.load(spec("m", manifest));
        var second = cache.load(spec("m", manifest));
        assertSame(first, second);
        assertEquals("LOADING", cache.index().getFirst().state());
        backend.gate.countDown();
        assertSame(await(first), await(second));
        assertEquals(1, backend.loads.get());
        assertEquals(1, source.opens(manifest));
        assertSame(await(first), await(cache.load(spec("m", manifest))));
        assertEquals(1, backend.loads.get());
    }

    @Test
    void refusesBytesThatDoNotHashToTheirCidAndLeavesNothingBehind() throws Exception {
        var files = MemoryBlobSource.files("weights.txt", "the real weights");
        Cid manifest = source.publish("echo", files);
        Cid weights = source.put("the real weights".getBytes(StandardCharsets.UTF_8));
        source.blobs.put(weights, "tampered weights".getBytes(StandardCharsets.UTF_8));
        EchoBackend backend = new EchoBackend(10);
        cache(backend, 100);
        WorkerException e = failure(cache.load(spec("m", manifest)));
        assertEquals(WorkerException.Code.DATA_LOSS, e.code());
        assertEquals(null, backend.lastWeights, "the backend never saw unverified bytes");
        assertTrue(e.getMessage().contains(weights.toString()), e.getMessage());
        assertTrue(cache.get("m").isEmpty());
        assertEquals(0, cache.reservedBytes());
        ModelState state = cache.index().getFirst();
        assertEquals("UNAVAILABLE", state.state());
        assertTrue(state.reason().contains("hash to"), state.reason());
        try (Stream<Path> blobs = Files.list(dir.resolve("blobs"))) {
            assertEquals(
                    List.of(),
                    blobs.filter(p -> p.getFileName().toString().equals(weights.toString())
                                    || p.getFileName().toString().startsWith(".part"))
                            .toList());
        }
        // Once the store serves the right bytes, the same load succeeds.
        source.blobs.put(weights, "the real weights".getBytes(StandardCharsets.UTF_8));
        await(cache.load(spec("m", manifest)));
        assertEquals("the real weights", backend.lastWeights);
    }

    @Test
    void refusesAManifestServedUnderAnotherCid() {
        Cid manifest = source.publish("echo", MemoryBlobSource.files("weights.txt", "w"));
        Cid other = source.publish("echo", MemoryBlobSource.files("weights.txt", "v"));
        source.blobs.put(manifest, source.blobs.get(other));
        WorkerException e = failure(cache(new EchoBackend(10), 100).load(spec("m", manifest)));
        assertEquals(WorkerException.Code.DATA_LOSS, e.code());
    }

    @Test
    void refusesPickleFiles() {
        Cid manifest = source.publish("echo", MemoryBlobSource.files("weights.txt", "w", "model.pkl", "code"));
        WorkerException e = failure(cache(new EchoBackend(10), 100).load(spec("m", manifest)));
        assertEquals(WorkerException.Code.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("model.pkl"), e.getMessage());
    }

    @Test
    void saysWhenNoBackendServesTheModel() {
        Cid manifest = source.publish("speech-to-text", MemoryBlobSource.files("weights.txt", "w"));
        WorkerException e = failure(cache(new EchoBackend(10), 100).load(spec("m", manifest)));
        assertEquals(WorkerException.Code.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("speech-to-text"), e.getMessage());
    }

    @Test
    void evictsTheLeastRecentlyUsedIdleModelToStayWithinTheBudget() throws Exception {
        cache(new EchoBackend(40), 100);
        Cid a = source.publish("echo", MemoryBlobSource.files("weights.txt", "a"));
        Cid b = source.publish("echo", MemoryBlobSource.files("weights.txt", "b"));
        Cid c = source.publish("echo", MemoryBlobSource.files("weights.txt", "c"));
        ServedModel ma = await(cache.load(spec("a", a)));
        now.addAndGet(10);
        await(cache.load(spec("b", b)));
        now.addAndGet(10);
        ma.infer(InferRequest.of(List.of(Tensor.ofStrings("in", List.of("touch")))))
                .get(5, TimeUnit.SECONDS);
        await(cache.load(spec("c", c)));
        assertTrue(cache.get("a").isPresent());
        assertTrue(cache.get("b").isEmpty(), "b was used least recently");
        assertTrue(cache.get("c").isPresent());
        assertEquals(80, cache.reservedBytes());
    }

    @Test
    void keepsAModelWhoseRequestIsWaitingForItsBatchToFill() throws Exception {
        // One instance and a 2 s queue delay: the batcher holds a lone request while it waits for company.
        cache = new ModelCache(
                dir,
                List.of(new EchoBackend(40)),
                50,
                new BatchingOptions(8, Duration.ofSeconds(2), 16, 1),
                now::get,
                Clock.systemUTC());
        Cid a = source.publish("echo", MemoryBlobSource.files("weights.txt", "a"));
        Cid c = source.publish("echo", MemoryBlobSource.files("weights.txt", "c"));
        ServedModel ma = await(cache.load(spec("a", a)));
        var pending = ma.infer(InferRequest.of(List.of(Tensor.ofStrings("in", List.of("busy")))));
        Thread.sleep(200);
        assertFalse(pending.isDone());
        WorkerException e = failure(cache.load(spec("c", c)));
        assertEquals(WorkerException.Code.RESOURCE_EXHAUSTED, e.code(), e.getMessage());
        assertTrue(cache.get("a").isPresent(), "a model with a request in flight is never evicted");
        assertEquals(
                List.of("busy"), pending.get(5, TimeUnit.SECONDS).getFirst().strings());
    }

    @Test
    void refusesAModelLargerThanTheBudget() {
        Cid manifest = source.publish("echo", MemoryBlobSource.files("weights.txt", "w"));
        WorkerException e = failure(cache(new EchoBackend(200), 100).load(spec("m", manifest)));
        assertEquals(WorkerException.Code.RESOURCE_EXHAUSTED, e.code());
        assertEquals(0, cache.reservedBytes());
    }

    @Test
    void replacesAModelLoadedUnderAnotherManifest() throws Exception {
        cache(new EchoBackend(10), 100);
        Cid v1 = source.publish("echo", MemoryBlobSource.files("weights.txt", "v1"));
        Cid v2 = source.publish("echo", MemoryBlobSource.files("weights.txt", "v2"));
        await(cache.load(spec("m", v1)));
        ServedModel second = await(cache.load(spec("m", v2)));
        assertSame(second, cache.require("m"));
        assertEquals(v2, cache.require("m").manifestCid());
        assertEquals(10, cache.reservedBytes());
    }

    @Test
    void unloadsAndThenAnswersNotFound() throws Exception {
        cache(new EchoBackend(10), 100);
        Cid v1 = source.publish("echo", MemoryBlobSource.files("weights.txt", "v1"));
        await(cache.load(spec("m", v1)));
        assertTrue(cache.unload("m"));
        assertFalse(cache.unload("m"));
        WorkerException e = assertThrows(WorkerException.class, () -> cache.require("m"));
        assertEquals(WorkerException.Code.NOT_FOUND, e.code());
        assertEquals(0, cache.reservedBytes());
    }
}
