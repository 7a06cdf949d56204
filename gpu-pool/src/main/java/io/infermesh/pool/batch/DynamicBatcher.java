package io.infermesh.pool.batch;

import io.infermesh.pool.InferRequest;
import io.infermesh.pool.Tensor;
import io.infermesh.pool.Ticker;
import io.infermesh.pool.WorkerException;
import io.infermesh.pool.spi.LoadedModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Queues one model's requests and runs them, combining requests into batches.
 *
 * <p>One scheduler thread forms batches and hands each to one of {@code instances} execution threads. It forms a
 * batch only once an execution slot is free, so while every slot is busy requests pile up in the queue and the next
 * batch is as large as the load allows. Forming a batch: take the oldest request; then add the next requests in
 * arrival order while the batch has fewer than {@code min(maxBatchSize, share)} rows and the oldest request has waited
 * less than {@code maxQueueDelay}, where the fair share is
 *
 * <pre>  share = ⌈(rows queued + rows in this batch + rows executing) / instances⌉</pre>
 *
 * (no limit with one instance). So with a second slot free and nothing else outstanding, a lone request runs at once
 * instead of waiting {@code maxQueueDelay} for company.
 * Without the share, one slot could take almost every outstanding row while the other ran batches of one: under a
 * closed loop of callers that split is stable (the small batch's callers come back while the big batch still runs)
 * and rows in small batches cost up to twice as much (measured with MiniLM; docs/benchmarks.md, gpu-pool run 4). A
 * request joins only if its inputs stack with the batch's (same names, types and every dimension but the first); one
 * that does not starts the next batch. Stacked outputs are split back by rows, so each caller receives exactly the
 * rows of its own inputs.
 *
 * <p>Backpressure: at most {@code queueCapacity} requests wait; {@link #submit} completes one more exceptionally
 * with RESOURCE_EXHAUSTED at once. A request whose deadline has passed when its batch forms, or when its batch is
 * about to run, completes with DEADLINE_EXCEEDED and is not executed; so does one whose caller cancelled.
 *
 * <p>Thread-safe. After {@link #close} new requests are refused with UNAVAILABLE; queued ones still run.
 */
public final class DynamicBatcher implements AutoCloseable {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final String model;
    private final LoadedModel loaded;
    private final BatchingOptions options;
    private final ModelStats stats;
    private final Ticker ticker;
    private final BlockingQueue<Pending> queue;
    private final Semaphore slots;
    private final ExecutorService executions;
    private final Thread scheduler;
    private final AtomicInteger running = new AtomicInteger();
    /** Requests accepted and not yet answered: queued, waiting for their batch to fill, carried, or executing. */
    private final AtomicInteger unanswered = new AtomicInteger();
    /** Rows of the requests in {@link #queue}, and of the executions running. */
    private final AtomicLong queuedRows = new AtomicLong();

    private final AtomicLong runningRows = new AtomicLong();
    private volatile boolean closed;
    private Pending carried;

    public DynamicBatcher(String model, LoadedModel loaded, BatchingOptions options, ModelStats stats, Ticker ticker) {
        this.model = model;
        this.loaded = loaded;
        this.options = loaded.signature().batchable() ? options : options.withoutBatching();
        this.stats = stats;
        this.ticker = ticker;
        this.queue = new ArrayBlockingQueue<>(options.queueCapacity());
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

    /**
     * Requests not yet answered (queued, held while their batch fills, or executing) plus executions running; 0 means
     * the model is idle.
     */
    public int load() {
        return unanswered.get() + running.get();
    }

    /**
     * Queues a validated request. The future completes with the requested outputs (all outputs when none were
     * named), or exceptionally with a {@link WorkerException}.
     */
    public CompletableFuture<List<Tensor>> submit(InferRequest request) {
        Pending p = new Pending(request, ticker.nanos());
        // Counted until the future completes, however it completes (result, failure, refusal, cancellation).
        unanswered.incrementAndGet();
        p.result.whenComplete((value, error) -> unanswered.decrementAndGet());
        // Counted before the offer, so the scheduler never sees a queued request whose rows are not counted yet.
        queuedRows.addAndGet(request.batchRows());
        if (closed) {
            queuedRows.addAndGet(-request.batchRows());
            p.result.completeExceptionally(unloading());
        } else if (!queue.offer(p)) {
            queuedRows.addAndGet(-request.batchRows());
            p.result.completeExceptionally(WorkerException.exhausted("the queue of model '" + model + "' is full ("
                    + options.queueCapacity() + " requests waiting); retry later or on another worker"));
        } else if (closed && queue.remove(p)) {
            // close() may have drained the queue between the check above and the offer.
            queuedRows.addAndGet(-request.batchRows());
            p.result.completeExceptionally(unloading());
        }
        return p.result;
    }

    private void schedule() {
        try {
            // After close(), keep going until everything queued has run: unloading is graceful.
            while (!closed || carried != null || !queue.isEmpty()) {
                slots.acquire();
                List<Pending> batch = nextBatch();
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

    private List<Pending> nextBatch() throws InterruptedException {
        Pending first = carried != null ? carried : take(queue.poll(50, TimeUnit.MILLISECONDS));
        carried = null;
        List<Pending> batch = new ArrayList<>();
        if (first == null || !runnable(first)) {
            return batch;
        }
        batch.add(first);
        long rows = first.request.batchRows();
        long closeAt = first.enqueuedNanos + options.maxQueueDelay().toNanos();
        // Without batching, a request runs alone even when its first dimension is 0 (a model that cannot batch).
        while (options.batching() && rows < Math.min(options.maxBatchSize(), fairShare(rows))) {
            long wait = closeAt - ticker.nanos();
            Pending next = take(wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll());
            if (next == null) {
                break;
            }
            if (!runnable(next)) {
                continue;
            }
            long nextRows = next.request.batchRows();
            if (rows + nextRows > options.maxBatchSize() || !stacks(first.request, next.request)) {
                carried = next;
                break;
            }
            batch.add(next);
            rows += nextRows;
        }
        return batch;
    }

    /** Marks a request as taken off the queue (its rows no longer count as queued). */
    private Pending take(Pending p) {
        if (p != null) {
            queuedRows.addAndGet(-p.request.batchRows());
        }
        return p;
    }

    /**
     * Rows a batch may take so that every execution slot gets an equal part of the rows outstanding now: those
     * queued, those already in the batch being formed ({@code batchRows}) and those executing. A request carried
     * over to the next batch counts as queued.
     */
    private long fairShare(long batchRows) {
        int instances = options.instances();
        if (instances == 1) {
            // Nothing else could take the rows: only waiting for later arrivals makes a batch larger.
            return Long.MAX_VALUE;
        }
        long carriedRows = carried != null ? carried.request.batchRows() : 0;
        long outstanding = queuedRows.get() + carriedRows + batchRows + runningRows.get();
        return Math.max(1, (outstanding + instances - 1) / instances);
    }

    /** Completes requests that must not run (deadline passed, caller gone); true for the rest. */
    private boolean runnable(Pending p) {
        if (p.result.isDone()) {
            return false;
        }
        long deadline = p.request.deadlineNanos();
        // Compare by difference (nanoTime may be negative); MAX_VALUE means no deadline.
        if (deadline != Long.MAX_VALUE && ticker.nanos() - deadline >= 0) {
            long waited = ticker.nanos() - p.enqueuedNanos;
            stats.recordFailure(waited);
            p.result.completeExceptionally(new WorkerException(
                    WorkerException.Code.DEADLINE_EXCEEDED,
                    "the deadline passed after " + TimeUnit.NANOSECONDS.toMillis(waited) + " ms in the queue of model '"
                            + model + "'; the request was not run"));
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
            outputs = loaded.infer(stackInputs(live), callers(live));
        } catch (RuntimeException | Error e) {
            // An Error from an engine binding (out of memory, a native library) must still answer every caller.
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

    /** The batch's callers as the model sees them: the last of their deadlines, and when all of them are gone. */
    private LoadedModel.Callers callers(List<Pending> live) {
        long now = ticker.nanos();
        long latest = Long.MIN_VALUE;
        for (Pending p : live) {
            long deadline = p.request.deadlineNanos();
            if (deadline == Long.MAX_VALUE) {
                latest = Long.MAX_VALUE;
                break;
            }
            latest = latest == Long.MIN_VALUE || deadline - latest > 0 ? deadline : latest;
        }
        Optional<Duration> timeLeft =
                latest == Long.MAX_VALUE ? Optional.empty() : Optional.of(Duration.ofNanos(Math.max(0, latest - now)));
        // completes normally however the results ended (cancelled ones complete exceptionally)
        CompletableFuture<Void> gone = CompletableFuture.allOf(
                        live.stream().map(p -> p.result).toArray(CompletableFuture[]::new))
                .handle((ignored, error) -> null);
        return new LoadedModel.Callers(timeLeft, gone);
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
        if (carried != null) {
            carried.result.completeExceptionally(unloading());
            carried = null;
        }
        Pending p;
        while ((p = take(queue.poll())) != null) {
            p.result.completeExceptionally(unloading());
        }
    }

    /** Refuses new requests, runs the ones already queued, and waits for every execution to finish. */
    @Override
    public void close() {
        closed = true;
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
        final CompletableFuture<List<Tensor>> result = new CompletableFuture<>();

        Pending(InferRequest request, long enqueuedNanos) {
            this.request = request;
            this.enqueuedNanos = enqueuedNanos;
        }
    }
}
