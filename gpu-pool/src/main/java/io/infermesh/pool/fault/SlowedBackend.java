package io.infermesh.pool.fault;

import io.infermesh.pool.ModelSignature;
import io.infermesh.pool.Tensor;
import io.infermesh.pool.batch.BatchingOptions;
import io.infermesh.pool.spi.Backend;
import io.infermesh.pool.spi.LoadedModel;
import io.infermesh.pool.spi.ModelSource;
import io.infermesh.store.manifest.Manifest;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Makes a backend's models {@code factor} times slower, the way a slower device would be: each execution, after it
 * ran, holds its execution slot {@code (factor − 1) ×} its own compute time longer before it answers. Throughput per
 * slot drops by the same factor, so queues build up on this worker as they would on a slow machine. For latency and
 * routing experiments ({@code infermesh.pool.fault.slowdown}); never on by default.
 */
public final class SlowedBackend implements Backend {
    /** Waits the given nanoseconds (tests record the request instead of waiting). */
    public interface Sleeper {
        void sleep(long nanos) throws InterruptedException;
    }

    private final Backend backend;
    private final double factor;
    private final LongSupplier nanoTime;
    private final Sleeper sleeper;

    public SlowedBackend(Backend backend, double factor) {
        this(backend, factor, System::nanoTime, TimeUnit.NANOSECONDS::sleep);
    }

    /** A slowed backend that measures compute time on {@code nanoTime} and waits on {@code sleeper}. */
    public SlowedBackend(Backend backend, double factor, LongSupplier nanoTime, Sleeper sleeper) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
        if (!(factor >= 1) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("slowdown factor must be a finite number ≥ 1, not " + factor);
        }
        this.factor = factor;
    }

    @Override
    public String name() {
        return backend.name();
    }

    @Override
    public boolean supports(Manifest manifest) {
        return backend.supports(manifest);
    }

    @Override
    public long estimateMemoryBytes(Manifest manifest) {
        return backend.estimateMemoryBytes(manifest);
    }

    @Override
    public BatchingOptions batching(BatchingOptions defaults) {
        return backend.batching(defaults);
    }

    @Override
    public LoadedModel load(ModelSource source) {
        return new Slowed(backend.load(source));
    }

    private final class Slowed implements LoadedModel {
        private final LoadedModel model;

        Slowed(LoadedModel model) {
            this.model = model;
        }

        @Override
        public ModelSignature signature() {
            return model.signature();
        }

        @Override
        public List<Tensor> infer(List<Tensor> inputs) {
            return slowed(() -> model.infer(inputs));
        }

        @Override
        public List<Tensor> infer(List<Tensor> inputs, Callers callers) {
            return slowed(() -> model.infer(inputs, callers));
        }

        private List<Tensor> slowed(java.util.function.Supplier<List<Tensor>> run) {
            long start = nanoTime.getAsLong();
            List<Tensor> out = run.get();
            long extra = (long) ((nanoTime.getAsLong() - start) * (factor - 1));
            try {
                sleeper.sleep(extra);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return out;
        }

        @Override
        public long memoryBytes() {
            return model.memoryBytes();
        }

        @Override
        public void close() {
            model.close();
        }
    }
}
