package io.infermesh.pool.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.pool.WorkerException;
import io.infermesh.pool.batch.BatchingOptions;
import io.infermesh.store.cid.Cid;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loads that an unload or the worker's shutdown overtakes: every caller is answered, nothing stays served. */
class ModelCacheShutdownTest {
    @TempDir
    Path dir;

    private final MemoryBlobSource source = new MemoryBlobSource();
    private ModelCache cache;

    @AfterEach
    void close() {
        if (cache != null) {
            cache.close();
        }
    }

    private ModelCache cache(ModelCacheTest.EchoBackend backend) {
        cache = new ModelCache(
                dir,
                List.of(backend),
                1_000,
                new BatchingOptions(8, Duration.ZERO, 16, 1),
                () -> 0L,
                Clock.systemUTC());
        return cache;
    }

    private LoadSpec spec(String name, Cid manifest) {
        return new LoadSpec(name, manifest, source, Map.of());
    }

    /** How a load's caller is answered within 5 s: "ok", a WorkerException code, or "no answer". */
    private static String outcome(CompletableFuture<ServedModel> f) throws InterruptedException {
        try {
            f.get(5, TimeUnit.SECONDS);
            return "ok";
        } catch (ExecutionException e) {
            return e.getCause() instanceof WorkerException w
                    ? w.code().name()
                    : e.getCause().toString();
        } catch (TimeoutException e) {
            return "no answer";
        }
    }

    @Test
    void answersALoadStillWaitingForALoaderThreadWhenTheCacheCloses() throws Exception {
        ModelCacheTest.EchoBackend backend = new ModelCacheTest.EchoBackend(10);
        backend.gate = new CountDownLatch(1);
        cache(backend);
        // Two loader threads: a and b hold them at the gate, c waits in the executor's queue.
        var a = cache.load(spec("a", source.publish("echo", MemoryBlobSource.files("weights.txt", "a"))));
        var b = cache.load(spec("b", source.publish("echo", MemoryBlobSource.files("weights.txt", "b"))));
        var c = cache.load(spec("c", source.publish("echo", MemoryBlobSource.files("weights.txt", "c"))));
        for (int i = 0; i < 250 && backend.loads.get() < 2; i++) {
            Thread.sleep(20);
        }
        assertEquals(2, backend.loads.get());
        ModelCache closed = cache;
        closed.close();
        cache = null;
        // a and b are interrupted and fail; c's caller (a RepositoryModelLoad call) must be answered too.
        outcome(a);
        outcome(b);
        assertEquals("UNAVAILABLE", outcome(c));
        assertEquals(
                "UNAVAILABLE",
                outcome(closed.load(spec("d", source.publish("echo", MemoryBlobSource.files("weights.txt", "d"))))),
                "a closed cache refuses new loads");
        assertTrue(closed.ready().isEmpty());
    }

    @Test
    void unloadingAModelWhoseFirstLoadRunsAnswersTrueAndServesNothing() throws Exception {
        ModelCacheTest.EchoBackend backend = new ModelCacheTest.EchoBackend(10);
        cache(backend);
        backend.gate = new CountDownLatch(1);
        var first = cache.load(spec("m", source.publish("echo", MemoryBlobSource.files("weights.txt", "v1"))));
        for (int i = 0; i < 250 && backend.loads.get() < 1; i++) {
            Thread.sleep(20);
        }
        assertTrue(cache.unload("m"), "a load in flight is something to unload");
        backend.gate.countDown();
        assertEquals("ABORTED", outcome(first));
        assertTrue(cache.get("m").isEmpty());
        assertEquals(0, cache.reservedBytes());
    }

    @Test
    void unloadingAModelWhileItsNewVersionLoadsLeavesNothingServed() throws Exception {
        ModelCacheTest.EchoBackend backend = new ModelCacheTest.EchoBackend(10);
        cache(backend);
        Cid v1 = source.publish("echo", MemoryBlobSource.files("weights.txt", "v1"));
        Cid v2 = source.publish("echo", MemoryBlobSource.files("weights.txt", "v2"));
        cache.load(spec("m", v1)).get(10, TimeUnit.SECONDS);
        backend.gate = new CountDownLatch(1);
        var replacing = cache.load(spec("m", v2));
        assertTrue(cache.unload("m"), "RepositoryModelUnload answers OK");
        assertTrue(cache.get("m").isEmpty(), "v1 is no longer served");
        backend.gate.countDown();
        assertEquals("ABORTED", outcome(replacing), "the overtaken load's caller is told");
        assertEquals(0, cache.reservedBytes(), "v2's memory is given back");
        assertTrue(
                cache.get("m").isEmpty(),
                "after an unload that answered OK, 'm' is served again: "
                        + cache.get("m").map(ServedModel::manifestCid).orElse(null));
    }
}
