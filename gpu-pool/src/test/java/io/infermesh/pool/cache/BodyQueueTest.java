package io.infermesh.pool.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Drives the body queue as the HTTP client does: subscribe, deliveries, then completion or an error. */
class BodyQueueTest {
    /** The client's side of the subscription: counts what was requested and whether it was cancelled. */
    static final class Demand implements Flow.Subscription {
        final AtomicLong requested = new AtomicLong();
        final AtomicBoolean cancelled = new AtomicBoolean();

        @Override
        public void request(long n) {
            requested.addAndGet(n);
        }

        @Override
        public void cancel() {
            cancelled.set(true);
        }
    }

    private static List<ByteBuffer> delivery(String text) {
        return List.of(ByteBuffer.wrap(text.getBytes()));
    }

    @Test
    void passesEveryByteInOrderAndAsksForAsManyDeliveriesAsItTook() throws Exception {
        BodyQueue body = new BodyQueue(Duration.ofSeconds(30));
        Demand demand = new Demand();
        body.onSubscribe(demand);
        assertEquals(BodyQueue.WINDOW, demand.requested.get(), "a window of deliveries ahead");
        body.onNext(delivery("hello "));
        body.onNext(List.of(ByteBuffer.wrap("wor".getBytes()), ByteBuffer.wrap("ld".getBytes())));
        body.onComplete();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Integer> batches = new CopyOnWriteArrayList<>();
        body.drainTo(buffers -> {
            batches.add(buffers.size());
            for (ByteBuffer b : buffers) {
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                out.write(bytes);
            }
        });
        assertArrayEquals("hello world".getBytes(), out.toByteArray());
        assertEquals(List.of(3), batches, "everything that had arrived went to the sink at once");
        assertEquals(BodyQueue.WINDOW, demand.requested.get(), "no demand after the end");
        assertTrue(body.getBody().toCompletableFuture().isDone(), "send returns with the headers");
    }

    @Test
    void keepsTheWindowFullWhileTheBodyFlows() throws Exception {
        BodyQueue body = new BodyQueue(Duration.ofSeconds(30));
        Demand demand = new Demand();
        body.onSubscribe(demand);
        body.onNext(delivery("a"));
        body.onNext(delivery("b"));
        Thread feeder = Thread.ofVirtual().start(() -> {
            while (demand.requested.get() < BodyQueue.WINDOW + 2) {
                Thread.onSpinWait();
            }
            body.onComplete();
        });
        body.drainTo(buffers -> {});
        feeder.join();
        assertEquals(BodyQueue.WINDOW + 2, demand.requested.get());
    }

    @Test
    void aBrokenDownloadIsAnIOExceptionAndEndsTheSubscription() {
        BodyQueue body = new BodyQueue(Duration.ofSeconds(30));
        Demand demand = new Demand();
        body.onSubscribe(demand);
        body.onNext(delivery("partial"));
        body.onError(new IOException("connection reset"));
        IOException e = assertThrows(IOException.class, () -> body.drainTo(buffers -> {}));
        assertEquals("connection reset", e.getMessage());
        assertTrue(demand.cancelled.get());
    }

    @Test
    void aDownloadThatStallsIsGivenUp() {
        BodyQueue body = new BodyQueue(Duration.ofMillis(20));
        Demand demand = new Demand();
        body.onSubscribe(demand);
        IOException e = assertThrows(IOException.class, () -> body.drainTo(buffers -> {}));
        assertTrue(e.getMessage().startsWith("no bytes arrived for"), e.getMessage());
        assertTrue(demand.cancelled.get(), "the connection is not kept reading");
    }

    @Test
    void aSinkThatRefusesTheBytesCancelsTheDownload() {
        BodyQueue body = new BodyQueue(Duration.ofSeconds(30));
        Demand demand = new Demand();
        body.onSubscribe(demand);
        body.onNext(delivery("too long"));
        IllegalStateException e = assertThrows(
                IllegalStateException.class,
                () -> body.drainTo(buffers -> {
                    throw new IllegalStateException("longer than declared");
                }));
        assertEquals("longer than declared", e.getMessage());
        assertTrue(demand.cancelled.get());
    }
}
