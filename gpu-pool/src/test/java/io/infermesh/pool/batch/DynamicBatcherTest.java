package io.infermesh.pool.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.pool.DataType;
import io.infermesh.pool.InferRequest;
import io.infermesh.pool.ModelSignature;
import io.infermesh.pool.Tensor;
import io.infermesh.pool.TensorInfo;
import io.infermesh.pool.TensorShape;
import io.infermesh.pool.Ticker;
import io.infermesh.pool.WorkerException;
import io.infermesh.pool.spi.LoadedModel;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DynamicBatcherTest {
    /**
     * A real model of our SPI: {@code y = 2x} and {@code echo = label}. Records each execution's row count and can be
     * held at a gate so requests pile up behind it.
     */
    static class Doubler implements LoadedModel {
        final List<Integer> executions = new CopyOnWriteArrayList<>();
        volatile CountDownLatch gate = new CountDownLatch(0);
        final CountDownLatch entered = new CountDownLatch(1);

        @Override
        public ModelSignature signature() {
            return new ModelSignature(
                    "test",
                    List.of(
                            new TensorInfo("x", DataType.FP32, TensorShape.of(-1, -1)),
                            new TensorInfo("label", DataType.BYTES, TensorShape.of(-1))),
                    List.of(
                            new TensorInfo("y", DataType.FP32, TensorShape.of(-1, -1)),
                            new TensorInfo("echo", DataType.BYTES, TensorShape.of(-1))));
        }

        @Override
        public List<Tensor> infer(List<Tensor> inputs) {
            entered.countDown();
            try {
                gate.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            Tensor x = inputs.get(0);
            executions.add(Math.toIntExact(x.shape().dim(0)));
            float[] v = x.floats();
            for (int i = 0; i < v.length; i++) {
                v[i] *= 2;
            }
            return List.of(Tensor.ofFloats("y", x.shape(), v), inputs.get(1).renamed("echo"));
        }

        @Override
        public long memoryBytes() {
            return 0;
        }

        @Override
        public void close() {}
    }

    private final List<DynamicBatcher> open = new ArrayList<>();

    @AfterEach
    void closeAll() {
        open.forEach(DynamicBatcher::close);
    }

    private DynamicBatcher batcher(LoadedModel model, BatchingOptions options, Ticker ticker) {
        DynamicBatcher b = new DynamicBatcher("m", model, options, new ModelStats(Clock.systemUTC()), ticker);
        open.add(b);
        return b;
    }

    private static InferRequest request(int rows, int cols, float base, String label) {
        float[] x = new float[rows * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = base + i;
        }
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            labels.add(label + i);
        }
        return InferRequest.of(
                List.of(Tensor.ofFloats("x", TensorShape.of(rows, cols), x), Tensor.ofStrings("label", labels)));
    }

    @Test
    void combinesRequestsThatWaitWhileTheModelIsBusyAndGivesEachItsOwnRows() throws Exception {
        Doubler model = new Doubler();
        model.gate = new CountDownLatch(1);
        DynamicBatcher b = batcher(model, new BatchingOptions(16, Duration.ofMillis(5), 64, 1), Ticker.SYSTEM);
        CompletableFuture<List<Tensor>> blocker = b.submit(request(1, 3, 0, "first"));
        assertTrue(model.entered.await(5, TimeUnit.SECONDS));
        List<CompletableFuture<List<Tensor>>> waiting = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            waiting.add(b.submit(request(i % 3 + 1, 3, 100 * i, "r" + i)));
        }
        model.gate.countDown();
        blocker.get(5, TimeUnit.SECONDS);
        for (int i = 0; i < 6; i++) {
            List<Tensor> out = waiting.get(i).get(5, TimeUnit.SECONDS);
            InferRequest alone = request(i % 3 + 1, 3, 100 * i, "r" + i);
            float[] expected = alone.inputs().get(0).floats();
            for (int j = 0; j < expected.length; j++) {
                expected[j] *= 2;
            }
            assertArrayEquals(expected, out.get(0).floats());
            assertEquals(alone.inputs().get(1).strings(), out.get(1).strings());
            assertEquals(TensorShape.of(i % 3 + 1, 3), out.get(0).shape());
        }
        // 1 + 2 + 3 + 1 + 2 + 3 = 12 rows queued behind the blocker: one execution, not six.
        assertEquals(List.of(1, 12), model.executions);
        ModelStats.Snapshot s = b.stats().snapshot();
        assertEquals(2, s.executionCount());
        assertEquals(13, s.inferenceCount());
        assertEquals(7, s.success().count());
    }

    /** A model whose i-th execution runs only once the test releases it, so slots free in a chosen order. */
    static final class Stepped extends Doubler {
        private final List<CountDownLatch> releases = new CopyOnWriteArrayList<>();
        private final Semaphore started = new Semaphore(0);
        private final AtomicInteger next = new AtomicInteger();
        private final List<Integer> sizes = new CopyOnWriteArrayList<>();

        Stepped(int executions) {
            for (int i = 0; i < executions; i++) {
                releases.add(new CountDownLatch(1));
            }
        }

        @Override
        public List<Tensor> infer(List<Tensor> inputs) {
            CountDownLatch mine;
            synchronized (this) {
                mine = releases.get(next.getAndIncrement());
                sizes.add(Math.toIntExact(inputs.get(0).shape().dim(0)));
            }
            started.release();
            try {
                mine.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return super.infer(inputs);
        }

        void awaitStarted(int executions) throws InterruptedException {
            assertTrue(started.tryAcquire(executions, 5, TimeUnit.SECONDS));
        }

        void release(int execution) {
            releases.get(execution).countDown();
        }

        /** Row counts of the executions in the order they started. */
        List<Integer> started() {
            return List.copyOf(sizes);
        }
    }

    @Test
    void splitsTheOutstandingRowsEvenlyBetweenInstances() throws Exception {
        Stepped model = new Stepped(4);
        DynamicBatcher b = batcher(model, new BatchingOptions(32, Duration.ofMillis(5), 64, 2), Ticker.SYSTEM);
        List<CompletableFuture<List<Tensor>>> all = new ArrayList<>();
        all.add(b.submit(request(1, 3, 0, "a")));
        model.awaitStarted(1);
        all.add(b.submit(request(1, 3, 0, "b")));
        model.awaitStarted(1);
        // Both slots busy: 12 rows queue up.
        for (int i = 0; i < 12; i++) {
            all.add(b.submit(request(1, 3, i, "q" + i)));
        }
        model.release(0);
        model.awaitStarted(1);
        // 12 queued + 1 running: the freed slot takes ⌈13 / 2⌉ = 7, not all 12.
        model.release(1);
        model.awaitStarted(1);
        // 5 queued + 7 running: ⌈12 / 2⌉ = 6, so the other slot takes the remaining 5.
        model.release(2);
        model.release(3);
        for (CompletableFuture<List<Tensor>> f : all) {
            f.get(5, TimeUnit.SECONDS);
        }
        assertEquals(List.of(1, 1, 7, 5), model.started());
    }

    @Test
    void neverExceedsTheMaxBatchSizeAndKeepsArrivalOrder() throws Exception {
        Doubler model = new Doubler();
        model.gate = new CountDownLatch(1);
        DynamicBatcher b = batcher(model, new BatchingOptions(4, Duration.ofMillis(5), 64, 1), Ticker.SYSTEM);
        CompletableFuture<List<Tensor>> blocker = b.submit(request(1, 2, 0, "b"));
        assertTrue(model.entered.await(5, TimeUnit.SECONDS));
        List<CompletableFuture<List<Tensor>>> all = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            all.add(b.submit(request(3, 2, i, "r")));
        }
        model.gate.countDown();
        blocker.get(5, TimeUnit.SECONDS);
        for (var f : all) {
            f.get(5, TimeUnit.SECONDS);
        }
        assertEquals(List.of(1, 3, 3, 3, 3, 3), model.executions);
    }

    @Test
    void doesNotStackRequestsWhoseShapesDiffer() throws Exception {
        Doubler model = new Doubler();
        model.gate = new CountDownLatch(1);
        DynamicBatcher b = batcher(model, new BatchingOptions(32, Duration.ofMillis(5), 64, 1), Ticker.SYSTEM);
        CompletableFuture<List<Tensor>> blocker = b.submit(request(1, 2, 0, "b"));
        assertTrue(model.entered.await(5, TimeUnit.SECONDS));
        var a = b.submit(request(2, 2, 0, "a"));
        var c = b.submit(request(2, 5, 0, "c"));
        var d = b.submit(request(1, 5, 0, "d"));
        model.gate.countDown();
        for (var f : List.of(blocker, a, c, d)) {
            f.get(5, TimeUnit.SECONDS);
        }
        assertEquals(List.of(1, 2, 3), model.executions);
        assertEquals(TensorShape.of(2, 5), c.get().get(0).shape());
    }

    @Test
    void refusesARequestWhenTheQueueIsFull() throws Exception {
        Doubler model = new Doubler();
        model.gate = new CountDownLatch(1);
        DynamicBatcher b = batcher(model, new BatchingOptions(1, Duration.ZERO, 2, 1), Ticker.SYSTEM);
        var running = b.submit(request(1, 1, 0, "x"));
        assertTrue(model.entered.await(5, TimeUnit.SECONDS));
        var q1 = b.submit(request(1, 1, 0, "x"));
        var q2 = b.submit(request(1, 1, 0, "x"));
        var refused = b.submit(request(1, 1, 0, "x"));
        assertTrue(refused.isCompletedExceptionally());
        WorkerException e = cause(refused);
        assertEquals(WorkerException.Code.RESOURCE_EXHAUSTED, e.code());
        assertTrue(e.getMessage().contains("queue of model 'm' is full"), e.getMessage());
        model.gate.countDown();
        for (var f : List.of(running, q1, q2)) {
            f.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void doesNotRunARequestWhoseDeadlinePassedWhileQueued() throws Exception {
        Doubler model = new Doubler();
        model.gate = new CountDownLatch(1);
        long[] now = {1_000};
        Ticker ticker = () -> now[0];
        DynamicBatcher b = batcher(model, new BatchingOptions(8, Duration.ZERO, 8, 1), ticker);
        var running = b.submit(request(1, 1, 0, "x"));
        assertTrue(model.entered.await(5, TimeUnit.SECONDS));
        InferRequest r = request(1, 1, 0, "late");
        var late = b.submit(new InferRequest("late", r.inputs(), Set.of(), 2_000));
        now[0] = 2_000;
        model.gate.countDown();
        running.get(5, TimeUnit.SECONDS);
        WorkerException e = assertInstanceOf(
                WorkerException.class,
                org.junit.jupiter.api.Assertions.assertThrows(
                                ExecutionException.class, () -> late.get(5, TimeUnit.SECONDS))
                        .getCause());
        assertEquals(WorkerException.Code.DEADLINE_EXCEEDED, e.code());
        assertEquals(List.of(1), model.executions);
        assertEquals(1, b.stats().snapshot().fail().count());
    }

    @Test
    void returnsOnlyTheRequestedOutputs() throws Exception {
        DynamicBatcher b = batcher(new Doubler(), new BatchingOptions(8, Duration.ZERO, 8, 1), Ticker.SYSTEM);
        InferRequest r = request(2, 2, 1, "x");
        List<Tensor> out = b.submit(new InferRequest("", r.inputs(), Set.of("echo"), Long.MAX_VALUE))
                .get(5, TimeUnit.SECONDS);
        assertEquals(1, out.size());
        assertEquals("echo", out.get(0).name());
    }

    @Test
    void finishesQueuedRequestsOnCloseAndRefusesNewOnes() throws Exception {
        Doubler model = new Doubler();
        model.gate = new CountDownLatch(1);
        DynamicBatcher b = new DynamicBatcher(
                "m",
                model,
                new BatchingOptions(1, Duration.ZERO, 8, 1),
                new ModelStats(Clock.systemUTC()),
                Ticker.SYSTEM);
        var running = b.submit(request(1, 1, 0, "x"));
        assertTrue(model.entered.await(5, TimeUnit.SECONDS));
        var queued = b.submit(request(1, 1, 0, "x"));
        Thread closer = Thread.ofPlatform().start(b::close);
        model.gate.countDown();
        closer.join(5_000);
        assertFalse(closer.isAlive(), "close() returned");
        // Both ran to completion although close() began while one was still queued.
        running.get(0, TimeUnit.SECONDS);
        queued.get(0, TimeUnit.SECONDS);
        assertEquals(List.of(1, 1), model.executions);
        var refused = b.submit(request(1, 1, 0, "x"));
        assertEquals(WorkerException.Code.UNAVAILABLE, cause(refused).code());
    }

    @Test
    void reportsAModelFailureToEveryRequestOfTheBatch() throws Exception {
        LoadedModel broken = new Doubler() {
            @Override
            public List<Tensor> infer(List<Tensor> inputs) {
                throw new IllegalStateException("engine exploded");
            }
        };
        DynamicBatcher b = batcher(broken, new BatchingOptions(8, Duration.ZERO, 8, 1), Ticker.SYSTEM);
        WorkerException e = cause(waitDone(b.submit(request(1, 1, 0, "x"))));
        assertEquals(WorkerException.Code.INTERNAL, e.code());
        assertTrue(e.getMessage().contains("engine exploded"));
    }

    @Test
    void countsARequestWaitingForCompanyAsLoad() throws Exception {
        // One instance and a long queue delay: the scheduler takes the request off the queue and waits for others.
        DynamicBatcher b = batcher(new Doubler(), new BatchingOptions(8, Duration.ofSeconds(2), 8, 1), Ticker.SYSTEM);
        var waiting = b.submit(request(1, 1, 0, "x"));
        for (int i = 0; i < 10; i++) {
            Thread.sleep(20);
            assertFalse(waiting.isDone());
            // The model cache evicts only models whose load is 0: this one has a caller waiting.
            assertEquals(1, b.load(), "load while the request waits for its batch to fill");
        }
        waiting.get(5, TimeUnit.SECONDS);
        // The execution thread finishes its bookkeeping just after answering.
        for (int i = 0; i < 250 && b.load() != 0; i++) {
            Thread.sleep(20);
        }
        assertEquals(0, b.load());
    }

    /** Not batchable: the output's first dimension is fixed, whatever the input's length (a sum of three sums). */
    static final class Summer implements LoadedModel {
        final List<Integer> executions = new CopyOnWriteArrayList<>();
        volatile CountDownLatch gate = new CountDownLatch(0);
        final CountDownLatch entered = new CountDownLatch(1);

        @Override
        public ModelSignature signature() {
            return new ModelSignature(
                    "test",
                    List.of(new TensorInfo("x", DataType.FP32, TensorShape.of(-1))),
                    List.of(new TensorInfo("sums", DataType.FP32, TensorShape.of(3))));
        }

        @Override
        public List<Tensor> infer(List<Tensor> inputs) {
            entered.countDown();
            try {
                gate.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            float[] x = inputs.get(0).floats();
            executions.add(x.length);
            float sum = 0;
            for (float v : x) {
                sum += v;
            }
            return List.of(Tensor.ofFloats("sums", TensorShape.of(3), new float[] {sum, sum, sum}));
        }

        @Override
        public long memoryBytes() {
            return 0;
        }

        @Override
        public void close() {}
    }

    @Test
    void runsEachRequestAloneOnAModelThatCannotBatchEvenWhenItHasZeroRows() throws Exception {
        Summer model = new Summer();
        model.gate = new CountDownLatch(1);
        DynamicBatcher b = batcher(model, new BatchingOptions(8, Duration.ofMillis(5), 8, 1), Ticker.SYSTEM);
        assertFalse(b.options().batching());
        var blocker = b.submit(InferRequest.of(List.of(Tensor.ofFloats("x", TensorShape.of(1), new float[] {1}))));
        assertTrue(model.entered.await(5, TimeUnit.SECONDS));
        var empty = b.submit(InferRequest.of(List.of(Tensor.ofFloats("x", TensorShape.of(0), new float[0]))));
        var one = b.submit(InferRequest.of(List.of(Tensor.ofFloats("x", TensorShape.of(1), new float[] {5}))));
        model.gate.countDown();
        blocker.get(5, TimeUnit.SECONDS);
        assertArrayEquals(new float[] {0, 0, 0}, waitDone(empty).get().get(0).floats());
        assertArrayEquals(new float[] {5, 5, 5}, waitDone(one).get().get(0).floats());
        assertEquals(List.of(1, 0, 1), model.executions);
    }

    @Test
    void answersEveryCallerWhenTheEngineThrowsAnError() {
        LoadedModel broken = new Doubler() {
            @Override
            public List<Tensor> infer(List<Tensor> inputs) {
                // What a native engine's binding throws when it cannot allocate or link, for example.
                throw new OutOfMemoryError("Direct buffer memory");
            }
        };
        DynamicBatcher b = batcher(broken, new BatchingOptions(8, Duration.ZERO, 8, 1), Ticker.SYSTEM);
        var f = waitDone(b.submit(request(1, 1, 0, "x")));
        assertTrue(f.isDone(), "the caller got an answer instead of waiting forever");
        assertTrue(cause(f).getMessage().contains("Direct buffer memory"), cause(f).getMessage());
    }

    private static <T> CompletableFuture<T> waitDone(CompletableFuture<T> f) {
        try {
            f.get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // inspected by the caller
        }
        return f;
    }

    private static WorkerException cause(CompletableFuture<?> f) {
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, f::get);
        return assertInstanceOf(WorkerException.class, e.getCause());
    }
}
