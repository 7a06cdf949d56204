package io.infermesh.router.spi;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a task after a delay: hedging timers and bounded waits. Production uses {@link #of(ScheduledExecutorService)};
 * tests use a manual scheduler that runs due tasks when they move their clock, so nothing sleeps.
 *
 * <p>Tasks must be short and must not block: they run on the scheduler's thread.
 */
@FunctionalInterface
public interface Scheduler {
    /** Schedules {@code task}; the returned handle cancels it if it has not run yet. */
    Cancellable schedule(Duration delay, Runnable task);

    /** A scheduled task that may still be cancelled. */
    @FunctionalInterface
    interface Cancellable {
        void cancel();
    }

    static Scheduler of(ScheduledExecutorService executor) {
        Objects.requireNonNull(executor, "executor");
        return (delay, task) -> {
            ScheduledFuture<?> f = executor.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        };
    }
}
