package io.infermesh.router.testing;

import io.infermesh.router.Ticker;
import io.infermesh.router.spi.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A ticker and a scheduler moved by hand: {@link #advance} runs the tasks that fall due, in time order. */
public final class ManualClock implements Ticker, Scheduler {
    private long now = 1_000_000_000L;
    private long sequence;
    private final List<Task> tasks = new ArrayList<>();

    @Override
    public synchronized long nanos() {
        return now;
    }

    public void advance(Duration d) {
        long target;
        synchronized (this) {
            target = now + d.toNanos();
        }
        while (true) {
            Task next;
            synchronized (this) {
                next = tasks.stream()
                        .filter(t -> t.due <= target)
                        .min(Comparator.comparingLong((Task t) -> t.due).thenComparingLong(t -> t.seq))
                        .orElse(null);
                if (next == null) {
                    now = target;
                    return;
                }
                tasks.remove(next);
                now = Math.max(now, next.due);
            }
            next.run.run();
        }
    }

    @Override
    public synchronized Cancellable schedule(Duration delay, Runnable task) {
        Task t = new Task(now + Math.max(0, delay.toNanos()), sequence++, task);
        tasks.add(t);
        return () -> {
            synchronized (this) {
                tasks.remove(t);
            }
        };
    }

    public synchronized int pendingTasks() {
        return tasks.size();
    }

    private record Task(long due, long seq, Runnable run) {}
}
