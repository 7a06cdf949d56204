package io.infermesh.pool.batch;

import io.infermesh.pool.InferRequest;
import io.infermesh.pool.Tensor;
import io.infermesh.pool.Ticker;
import io.infermesh.pool.WorkerException;
import io.infermesh.pool.spi.LoadedModel;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Queues one model's requests and runs them, combining requests into batches.
 *
 * <p>One scheduler thread forms batches and hands each to one of {@code instances} execution threads. It forms a
 * batch only once an execution slot is free, so while every slot is busy requests pile up in the queue and the next
 * batch is as large as the load allows. A batch always takes the oldest waiting request, so none starves, and at most
 * {@code limit = min(maxBatchSize, share)} rows, where the fair share is
 *
 * <pre>  share = ⌈(rows waiting + rows executing) / instances⌉</pre>
 *
 * (no limit with one instance). So with a second slot free and nothing else outstanding, a lone request runs at once
 * instead of waiting {@code maxQueueDelay} for company. Without the share, one slot could take almost every
 * outstanding row while the other ran batches of one: under a closed loop of callers that split is stable (the small
 * batch's callers come back while the big batch still runs) and rows in small batches cost up to twice as much
 * (measured with MiniLM; docs/benchmarks.md, gpu-pool run 4). While fewer rows than the limit could join and the
 * oldest request has waited less than {@code maxQueueDelay}, the scheduler waits for more.
 *
 * <p>Which requests join the oldest:
 *
 * <ul>
 *   <li>Arrival order (a model without {@link LoadedModel#sizeKey size keys}, or {@code groupBySize} off): the next
 *       requests as they arrived; the first one that does not stack with the batch, or would take it past {@code
 *       maxBatchSize}, starts the next batch.
 *   <li>By size (the model gives each request a size key): the waiting requests whose keys are nearest the oldest's
 *       ({@link NearestSizeSelection}), from the whole queue. With several instances the share is then {@code
 *       ⌈(rows waiting + rows executing) / (2·instances)⌉}: half of it stays queued, so the next batch again has
 *       requests of several sizes to pick similar ones from (see {@link #GROUPED_SHARE_DIVISOR}).
 * </ul>
 *
 * A request joins only if its inputs stack with the oldest's (same names, types and every dimension but the first).
 * Stacked outputs are split back by rows, so each caller receives exactly the rows of its own inputs, whichever
 * requests it shared the batch with.
 *
 * <p>Backpressure: at most {@code queueCapacity} requests wait; {@link #submit} completes one more exceptionally
 * with RESOURCE_EXHAUSTED at once. A request whose deadline has passed when a batch forms, or when its batch is
 * about to run, completes with DEADLINE_EXCEEDED and is not executed; so does one whose caller cancelled.
 *
 * <p>Thread-safe. After {@link #close} new requests are refused with UNAVAILABLE; queued ones still run.
 */
public final class DynamicBatcher implements AutoCloseable {
    /**
     * With size keys and several instances, a batch takes at most {@code 1 / GROUPED_SHARE_DIVISOR} of its fair
     * share. Why: a batch that takes its whole share takes nearly the whole queue (under a closed loop the queue holds
     * about one share when a slot frees), which leaves nothing to choose from; taking half keeps a queue of about one
     * batch, so each batch picks similar sizes among about twice as many requests. Simulated for MiniLM's measured run
     * cost (9 tokens fixed + 1 per padded token) at 2 instances and 8 / 32 / 64 callers: 3–7 % less compute per
     * sentence than the whole share, nearest by token count or by string length alike; 3 and 4 were no better at 32
     * callers and worse at 8.
     */
    static final int GROUPED_SHARE_DIVISOR = 2;

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final String model;
    private final LoadedModel loaded;
    private final BatchingOptions options;
    private final boolean grouping;
    private final ModelStats stats;
    private final Ticker ticker;
    private final Semaphore slots;
    private final ExecutorService executions;
    private final Thread scheduler;
    private final AtomicInteger running = new AtomicInteger();
    /** Rows of the executions running. */
    private final AtomicLong runningRows = new AtomicLong();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    /** Requests not yet in a batch, oldest first. Guarded by {@link #lock}. */
    private final List<Pending> waiting = new ArrayList<>();
    /** Rows of {@link #waiting}. Guarded by {@link #lock}. */
    private long waitingRows;
    /** Guarded by {@link #lock}. */
    private boolean closed;

    public DynamicBatcher(String model, LoadedModel loaded, BatchingOptions options, ModelStats stats, Ticker ticker) {
        this.model = model;
        this.loaded = loaded;
        this.options = loaded.signature().batchable() ? options : options.withoutBatching();
        this.grouping = this.options.batching() && this.options.groupBySize();
        this.stats = stats;
        this.ticker = ticker;
        this.slots = new Semaphore(options.instances());
        int id = SEQUENCE.incrementAndGet();
        AtomicInteger threads = new AtomicInteger();
        this.executions = Executors.newFixedThreadPool(options.instances(), r -> {
            Thread t = new Thread(r, "infer-" + id + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.scheduler = Thread.ofPlatform().name("batcher-" + id).daemon().unstarted(this::schedule);
        scheduler.start();
    }

    /** The options in effect (batching is off for a model whose signature is not batchable). */
    public BatchingOptions options() {
        return options;
    }

    public ModelStats stats() {
        return stats;
    }

    /** Requests waiting plus executions running; 0 means the model is idle. */
    public int load() {
        lock.lock();
        try {
            return waiting.size() + running.get();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Queues a validated request. The future completes with the requested outputs (all outputs when none were
     * named), or exceptionally with a {@link WorkerException}.
     */
    public CompletableFuture<List<Tensor>> submit(InferRequest request) {
        // The key is the model's work; done here, on the caller's thread, outside the lock.
        OptionalLong key = grouping ? loaded.sizeKey(request.inputs()) : OptionalLong.empty();
        Pending p = new Pending(request, ticker.nanos(), key);
        WorkerException refused = null;
        lock.lock();
        try {
            if (closed) {
                refused = unloading();
            } else if (waiting.size() >= options.queueCapacity()) {
                refused = WorkerException.exhausted("the queue of model '" + model + "' is full ("
                        + options.queueCapacity() + " requests waiting); retry later or on another worker");
            } else {
                waiting.add(p);
                waitingRows += request.batchRows();
                arrived.signal();
            }
        } finally {
            lock.unlock();
        }
        if (refused != null) {
            p.result.completeExceptionally(refused);
        }
        return p.result;
    }

    private void schedule() {
        try {
            // After close(), keep going until everything queued has run: unloading is graceful.
            while (true) {
                slots.acquire();
                List<Pending> expired = new ArrayList<>();
                List<Pending> batch;
                lock.lock();
                try {
                    if (closed && waiting.isEmpty()) {
                        break;
                    }
                    batch = nextBatch(expired);
                } finally {
                    lock.unlock();
                }
                // Futures complete outside the lock: their callbacks (the gRPC response) run on this thread.
                expired.forEach(this::expire);
                if (batch.isEmpty()) {
                    slots.release();
                    continue;
                }
                long rows = batch.stream().mapToLong(p -> p.request.batchRows()).sum();
                running.incrementAndGet();
                runningRows.addAndGet(rows);
                executions.execute(() -> {
                    try {
                        execute(batch);
                    } finally {
                        runningRows.addAndGet(-rows);
                        running.decrementAndGet();
                        slots.release();
                    }
                });
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        drain();
    }

    /**
     * Forms the next batch out of {@link #waiting}, waiting for requests while it could grow; empty when there is
     * nothing to run yet. Requests that must not run go to {@code expired}. Called with the lock held.
     */
    private List<Pending> nextBatch(List<Pending> expired) throws InterruptedException {
        if (waiting.isEmpty()) {
            arrived.await(50, TimeUnit.MILLISECONDS);
        }
        dropUnrunnable(expired);
        if (waiting.isEmpty()) {
            return List.of();
        }
        Pending first = waiting.getFirst();
        boolean bySize = grouping && first.sizeKey.isPresent();
        long closeAt = first.enqueuedNanos + options.maxQueueDelay().toNanos();
        long limit = limit(bySize);
        while (!full(first, bySize, limit)) {
            long wait = closeAt - ticker.nanos();
            if (wait <= 0) {
                break;
            }
            arrived.awaitNanos(wait);
            limit = limit(bySize);
        }
        dropUnrunnable(expired);
        if (waiting.isEmpty() || waiting.getFirst() != first) {
            // The oldest expired while the batch formed: start over from the new oldest.
            return List.of();
        }
        int[] chosen = bySize ? bySize(first, limit) : inArrivalOrder(first, limit);
        List<Pending> batch = new ArrayList<>(chosen.length);
        for (int i : chosen) {
            batch.add(waiting.get(i));
        }
        // Remove the chosen from the back, so earlier indices stay valid.
        for (int k = chosen.length - 1; k >= 0; k--) {
            waitingRows -= waiting.remove(chosen[k]).request.batchRows();
        }
        return batch;
    }

    /** Rows a batch may take now: {@code min(maxBatchSize, share)} as in the class comment. */
    private long limit(boolean bySize) {
        int instances = options.instances();
        if (instances == 1) {
            // Nothing else could take the rows: only waiting for later arrivals makes a batch larger.
            return options.maxBatchSize();
        }
        long parts = bySize ? (long) instances * GROUPED_SHARE_DIVISOR : instances;
        long outstanding = waitingRows + runningRows.get();
        long share = Math.max(1, (outstanding + parts - 1) / parts);
        return Math.min(options.maxBatchSize(), share);
    }

    /** Whether the batch that {@code first} starts cannot grow by waiting longer. */
    private boolean full(Pending first, boolean bySize, long limit) {
        long rows = first.request.batchRows();
        for (int i = 1; i < waiting.size() && rows < limit; i++) {
            Pending p = waiting.get(i);
            if (bySize) {
                if (joins(first, p)) {
                    rows += p.request.batchRows();
                }
            } else if (!stacks(first.request, p.request) || rows + p.request.batchRows() > options.maxBatchSize()) {
                // In arrival order this request starts the next batch: waiting adds nothing to this one.
                return true;
            } else {
                rows += p.request.batchRows();
            }
        }
        return rows >= limit;
    }

    private int[] inArrivalOrder(Pending first, long limit) {
        long rows = first.request.batchRows();
        int n = 1;
        while (n < waiting.size() && rows < limit) {
            Pending p = waiting.get(n);
            long r = p.request.batchRows();
            if (!stacks(first.request, p.request) || rows + r > options.maxBatchSize()) {
                break;
            }
            rows += r;
            n++;
        }
        int[] chosen = new int[n];
        for (int i = 0; i < n; i++) {
            chosen[i] = i;
        }
        return chosen;
    }

    private int[] bySize(Pending first, long limit) {
        int n = waiting.size();
        long[] keys = new long[n];
        long[] rows = new long[n];
        boolean[] joins = new boolean[n];
        for (int i = 0; i < n; i++) {
            Pending p = waiting.get(i);
            keys[i] = p.sizeKey.orElse(0);
            rows[i] = p.request.batchRows();
            joins[i] = i == 0 || joins(first, p);
        }
        return NearestSizeSelection.select(keys, rows, joins, limit);
    }

    /** Whether {@code p} may join a batch by size that {@code first} starts. */
    private static boolean joins(Pending first, Pending p) {
        return p.sizeKey.isPresent() && stacks(first.request, p.request);
    }

    /**
     * Takes requests that must not run (caller gone, deadline passed) out of {@link #waiting}; those whose deadline
     * passed go to {@code expired}. Called with the lock held.
     */
    private void dropUnrunnable(List<Pending> expired) {
        long now = ticker.nanos();
        int kept = 0;
        for (int i = 0; i < waiting.size(); i++) {
            Pending p = waiting.get(i);
            boolean gone = p.result.isDone();
            if (gone || pastDeadline(p, now)) {
                waitingRows -= p.request.batchRows();
                if (!gone) {
                    expired.add(p);
                }
            } else {
                waiting.set(kept++, p);
            }
        }
        waiting.subList(kept, waiting.size()).clear();
    }

    private static boolean pastDeadline(Pending p, long now) {
        long deadline = p.request.deadlineNanos();
        // Compare by difference (nanoTime may be negative); MAX_VALUE means no deadline.
        return deadline != Long.MAX_VALUE && now - deadline >= 0;
    }

    private void expire(Pending p) {
        long waited = ticker.nanos() - p.enqueuedNanos;
        stats.recordFailure(waited);
        p.result.completeExceptionally(new WorkerException(
                WorkerException.Code.DEADLINE_EXCEEDED,
                "the deadline passed after " + TimeUnit.NANOSECONDS.toMillis(waited) + " ms in the queue of model '"
                        + model + "'; the request was not run"));
    }

    /** Completes requests that must not run (deadline passed, caller gone); true for the rest. */
    private boolean runnable(Pending p) {
        if (p.result.isDone()) {
            return false;
        }
        if (pastDeadline(p, ticker.nanos())) {
            expire(p);
            return false;
        }
        return true;
    }

    private static boolean stacks(InferRequest a, InferRequest b) {
        List<Tensor> x = a.inputs();
        List<Tensor> y = b.inputs();
        if (x.size() != y.size()) {
            return false;
        }
        for (int i = 0; i < x.size(); i++) {
            Tensor p = x.get(i);
            Tensor q = y.get(i);
            if (!p.name().equals(q.name()) || p.type() != q.type() || !p.shape().sameTail(q.shape())) {
                return false;
            }
        }
        return true;
    }

    private void execute(List<Pending> batch) {
        long start = ticker.nanos();
        List<Pending> live = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            if (runnable(p)) {
                stats.recordQueued(start - p.enqueuedNanos);
                live.add(p);
            }
        }
        if (live.isEmpty()) {
            return;
        }
        long[] rows = live.stream().mapToLong(p -> p.request.batchRows()).toArray();
        List<Tensor> outputs;
        try {
            outputs = loaded.infer(stackInputs(live));
        } catch (RuntimeException e) {
            long end = ticker.nanos();
            WorkerException failure = e instanceof WorkerException w
                    ? w
                    : new WorkerException(
                            WorkerException.Code.INTERNAL, "model '" + model + "' failed: " + e.getMessage(), e);
            for (Pending p : live) {
                stats.recordFailure(end - p.enqueuedNanos);
                p.result.completeExceptionally(failure);
            }
            return;
        }
        long computed = ticker.nanos();
        stats.recordExecution(Math.toIntExact(sum(rows)), computed - start);
        List<List<Tensor>> perRequest = new ArrayList<>(live.size());
        for (int i = 0; i < live.size(); i++) {
            perRequest.add(new ArrayList<>(outputs.size()));
        }
        try {
            for (Tensor out : outputs) {
                List<Tensor> pieces = Stacking.split(out, rows);
                for (int i = 0; i < live.size(); i++) {
                    perRequest.get(i).add(pieces.get(i));
                }
            }
        } catch (WorkerException e) {
            for (Pending p : live) {
                stats.recordFailure(computed - p.enqueuedNanos);
                p.result.completeExceptionally(e);
            }
            return;
        }
        long end = ticker.nanos();
        for (int i = 0; i < live.size(); i++) {
            Pending p = live.get(i);
            stats.recordSuccess(end - p.enqueuedNanos);
            p.result.complete(select(perRequest.get(i), p.request));
        }
    }

    private static List<Tensor> stackInputs(List<Pending> live) {
        int n = live.getFirst().request.inputs().size();
        List<Tensor> stacked = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            List<Tensor> parts = new ArrayList<>(live.size());
            for (Pending p : live) {
                parts.add(p.request.inputs().get(i));
            }
            stacked.add(Stacking.stack(parts));
        }
        return stacked;
    }

    private static List<Tensor> select(List<Tensor> outputs, InferRequest request) {
        if (request.outputs().isEmpty()) {
            return outputs;
        }
        return outputs.stream()
                .filter(t -> request.outputs().contains(t.name()))
                .toList();
    }

    private static long sum(long[] values) {
        long s = 0;
        for (long v : values) {
            s += v;
        }
        return s;
    }

    private WorkerException unloading() {
        return WorkerException.unavailable("model '" + model + "' is being unloaded; retry on another worker");
    }

    private void drain() {
        List<Pending> left;
        lock.lock();
        try {
            left = new ArrayList<>(waiting);
            waiting.clear();
            waitingRows = 0;
        } finally {
            lock.unlock();
        }
        for (Pending p : left) {
            p.result.completeExceptionally(unloading());
        }
    }

    /** Refuses new requests, runs the ones already queued, and waits for every execution to finish. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            scheduler.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        drain();
        executions.shutdown();
        try {
            if (!executions.awaitTermination(1, TimeUnit.MINUTES)) {
                executions.shutdownNow();
            }
        } catch (InterruptedException e) {
            executions.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private static final class Pending {
        final InferRequest request;
        final long enqueuedNanos;
        final OptionalLong sizeKey;
        final CompletableFuture<List<Tensor>> result = new CompletableFuture<>();

        Pending(InferRequest request, long enqueuedNanos, OptionalLong sizeKey) {
            this.request = request;
            this.enqueuedNanos = enqueuedNanos;
            this.sizeKey = sizeKey;
        }
    }
}
