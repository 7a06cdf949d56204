package io.infermesh.pool.batch;

import java.time.Clock;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one model, in the shape of the protocol's {@code ModelStatistics}: requests that succeeded or failed
 * (count and total nanoseconds from enqueue to completion), time spent queued, time spent computing, and per batch
 * size how many executions ran and how long they took. Thread-safe; reads are a consistent-enough snapshot for
 * monitoring (each counter is exact, the set is not read atomically).
 */
public final class ModelStats {
    /** A count and the total nanoseconds spent by those events. */
    public record Duration(long count, long nanos) {}

    /** A read of all counters. */
    public record Snapshot(
            long lastInferenceMillis,
            long inferenceCount,
            long executionCount,
            Duration success,
            Duration fail,
            Duration queue,
            Duration computeInfer,
            Map<Integer, Duration> batches) {}

    private final Clock wallClock;
    private final Counter success = new Counter();
    private final Counter fail = new Counter();
    private final Counter queue = new Counter();
    private final Counter compute = new Counter();
    private final LongAdder inferences = new LongAdder();
    private final LongAdder executions = new LongAdder();
    private final AtomicLong lastInferenceMillis = new AtomicLong();
    private final ConcurrentHashMap<Integer, Counter> batches = new ConcurrentHashMap<>();

    public ModelStats(Clock wallClock) {
        this.wallClock = wallClock;
    }

    void recordQueued(long nanos) {
        queue.add(nanos);
    }

    void recordExecution(int batchRows, long computeNanos) {
        executions.increment();
        inferences.add(batchRows);
        compute.add(computeNanos);
        batches.computeIfAbsent(batchRows, k -> new Counter()).add(computeNanos);
        lastInferenceMillis.set(wallClock.millis());
    }

    void recordSuccess(long nanos) {
        success.add(nanos);
    }

    void recordFailure(long nanos) {
        fail.add(nanos);
    }

    public Snapshot snapshot() {
        Map<Integer, Duration> sizes = new TreeMap<>();
        batches.forEach((size, c) -> sizes.put(size, c.read()));
        return new Snapshot(
                lastInferenceMillis.get(),
                inferences.sum(),
                executions.sum(),
                success.read(),
                fail.read(),
                queue.read(),
                compute.read(),
                sizes);
    }

    private static final class Counter {
        private final LongAdder count = new LongAdder();
        private final LongAdder nanos = new LongAdder();

        void add(long ns) {
            count.increment();
            nanos.add(ns);
        }

        Duration read() {
            return new Duration(count.sum(), nanos.sum());
        }
    }
}
