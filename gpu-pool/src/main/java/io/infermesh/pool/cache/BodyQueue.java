package io.infermesh.pool.cache;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP response body as a queue of the client's own buffers, drained in batches by the thread that downloads.
 *
 * <p>Why not {@code BodyHandlers.ofInputStream()}: that body asks the client for one delivery at a time and hands it
 * over one {@code read} at a time, so reading the socket waits while the reader writes and hashes, and every delivery
 * costs a thread wake-up and a copy. Here {@value #WINDOW} deliveries are requested ahead, so the client keeps reading
 * the socket while the drainer works, and {@link #drainTo} passes everything that has arrived since its last wake-up to
 * the sink at once. Memory stays bounded by the window: a delivery is requested again only after the sink took one.
 *
 * <p>{@link #getBody()} completes at once, so {@code HttpClient.send} returns with the headers and the body follows
 * through {@link #drainTo}. One drainer thread; the client's threads only enqueue.
 */
final class BodyQueue implements HttpResponse.BodySubscriber<Void> {
    /**
     * Deliveries requested ahead: 4 MiB with the worker's 256 KiB client buffers ({@link HttpBlobSource#defaultClient}),
     * several times what the hasher and the disk take per wake-up, yet small against a model.
     */
    static final int WINDOW = 16;

    private sealed interface Item {}

    private record Data(List<ByteBuffer> buffers) implements Item {}

    private record End() implements Item {}

    private record Failed(Throwable error) implements Item {}

    private final LinkedBlockingQueue<Item> queue = new LinkedBlockingQueue<>();
    private final CompletableFuture<Flow.Subscription> subscription = new CompletableFuture<>();
    private final Duration stallTimeout;

    /** @param stallTimeout how long {@link #drainTo} waits for the next bytes before it gives up on the download */
    BodyQueue(Duration stallTimeout) {
        this.stallTimeout = stallTimeout;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        if (!subscription.complete(s)) {
            s.cancel();
            return;
        }
        s.request(WINDOW);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        queue.add(new Data(buffers));
    }

    @Override
    public void onError(Throwable error) {
        queue.add(new Failed(error));
    }

    @Override
    public void onComplete() {
        queue.add(new End());
    }

    @Override
    public CompletionStage<Void> getBody() {
        return CompletableFuture.completedStage(null);
    }

    /**
     * Passes every byte of the body to {@code sink}, in order, until the body ends.
     *
     * @throws IOException if the download broke off, stalled for longer than the stall timeout, or the sink failed
     *     with one; the body is cancelled on any failure, so the connection is not kept reading
     */
    void drainTo(ByteSink sink) throws IOException, InterruptedException {
        List<Item> batch = new ArrayList<>();
        List<ByteBuffer> buffers = new ArrayList<>();
        boolean done = false;
        try {
            while (!done) {
                Item first = queue.poll(stallTimeout.toNanos(), TimeUnit.NANOSECONDS);
                if (first == null) {
                    throw new IOException("no bytes arrived for " + stallTimeout.toSeconds() + " s");
                }
                batch.add(first);
                queue.drainTo(batch);
                int deliveries = 0;
                for (Item item : batch) {
                    switch (item) {
                        case Data data -> {
                            buffers.addAll(data.buffers());
                            deliveries++;
                        }
                        case End end -> done = true;
                        case Failed failed ->
                            throw failed.error() instanceof IOException io
                                    ? io
                                    : new IOException(failed.error().getMessage(), failed.error());
                    }
                }
                if (!buffers.isEmpty()) {
                    sink.accept(List.copyOf(buffers));
                }
                if (!done && deliveries > 0) {
                    subscription.join().request(deliveries);
                }
                batch.clear();
                buffers.clear();
            }
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            subscription.thenAccept(Flow.Subscription::cancel);
            throw e;
        }
    }
}
