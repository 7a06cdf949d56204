package io.infermesh.pool.djl;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * How the cost of one engine run is timed for {@link RunCostModel}, in nanoseconds between two reads on the thread
 * that runs it.
 *
 * <p>{@link #threadCpu()} counts only the time the calling thread was on a core. It is the right measure when ONNX
 * Runtime computes on the calling thread (CPU, intra-op 1): on cores shared with gRPC, the JIT and other processes,
 * wall time adds whatever preemption happened to hit each run, mostly to the short ones, and the fitted fixed cost
 * then swings between 1 and 60+ tokens (measured on the 2-vCPU machine; see docs/benchmarks.md, gpu-pool run 4).
 * {@link #wall()} is right when the work happens elsewhere (intra-op thread pools, an accelerator).
 */
@FunctionalInterface
interface RunClock {
    long nanos();

    static RunClock wall() {
        return System::nanoTime;
    }

    /** CPU time of the current thread, or wall time where the JVM cannot measure it. */
    static RunClock threadCpu() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        if (!threads.isCurrentThreadCpuTimeSupported()) {
            return wall();
        }
        if (!threads.isThreadCpuTimeEnabled()) {
            threads.setThreadCpuTimeEnabled(true);
        }
        return threads::getCurrentThreadCpuTime;
    }
}
