package io.infermesh.pool.grpc;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many {@code ModelInfer} calls this worker has accepted and not yet answered: decoding, queued, running or
 * being encoded. The gateway reads it from heartbeats to balance by fewest in flight. Thread-safe.
 */
public final class InFlightCalls {
    private final AtomicInteger count = new AtomicInteger();

    /** A call arrived; pair with exactly one {@link #end()}. */
    public void begin() {
        count.incrementAndGet();
    }

    /** A call was answered (with a result, an error or a cancellation). */
    public void end() {
        count.decrementAndGet();
    }

    public int current() {
        return count.get();
    }
}
