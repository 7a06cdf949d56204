package io.infermesh.router.grpc;

import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.infermesh.router.WorkerId;
import io.infermesh.router.WorkerInfo;
import io.infermesh.router.auth.TokenSigner;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * One gRPC channel per worker, created on first use, reused by every call, shut down when the worker leaves ({@link
 * #close(WorkerId)}, wired to {@link io.infermesh.router.WorkerSet#onDeparture}) or moves to another target. Every call
 * carries the gateway's token for that worker when a {@link TokenSigner} is given.
 *
 * <p>The channel factory decides transport and security: {@link #plaintext} uses whatever transport is on the class
 * path (grpc-netty, which the gateway's quarkus-grpc brings) without TLS — for loopback and private networks; pass a
 * factory with TLS credentials otherwise. Thread-safe.
 */
public final class WorkerChannels implements AutoCloseable {
    private final Function<String, ManagedChannel> factory;
    private final Optional<TokenSigner> signer;
    private final Map<WorkerId, Entry> channels = new ConcurrentHashMap<>();

    /**
     * @param factory makes a channel for a {@code host:port} target
     * @param signer signs the token each call carries; empty for workers that do not check one (tests)
     */
    public WorkerChannels(Function<String, ManagedChannel> factory, Optional<TokenSigner> signer) {
        this.factory = Objects.requireNonNull(factory, "factory");
        this.signer = Objects.requireNonNull(signer, "signer");
    }

    /**
     * Channels without TLS over the transport found on the class path. Their answers are handled on the transport's
     * own I/O thread ({@code directExecutor}), not handed to a thread pool first: one thread wake-up less per call.
     * That is safe because nothing the router runs on an answer blocks ({@link InferenceCall} decides and completes a
     * future; the gateway waits for that future on its own request thread), and a caller chaining work on the futures
     * this router returns must not block in it either.
     */
    public static WorkerChannels plaintext(Optional<TokenSigner> signer) {
        return new WorkerChannels(
                target -> ManagedChannelBuilder.forTarget(target)
                        .usePlaintext()
                        .directExecutor()
                        .build(),
                signer);
    }

    /** The channel to {@code worker}, with its token interceptor. */
    public Channel channel(WorkerInfo worker) {
        Entry e = channels.compute(worker.id(), (id, existing) -> {
            if (existing != null && existing.target().equals(worker.target())) {
                return existing;
            }
            if (existing != null) {
                existing.raw().shutdown();
            }
            ManagedChannel raw = factory.apply(worker.target());
            Channel intercepted = signer.<Channel>map(
                            s -> ClientInterceptors.intercept(raw, new BearerTokenInterceptor(worker.id(), s)))
                    .orElse(raw);
            return new Entry(worker.target(), raw, intercepted);
        });
        return e.channel();
    }

    /** Shuts the worker's channel down (calls in flight finish); the next {@link #channel} opens a new one. */
    public void close(WorkerId worker) {
        Entry e = channels.remove(worker);
        if (e != null) {
            e.raw().shutdown();
        }
        signer.ifPresent(s -> s.forget(worker));
    }

    /** Number of open channels. */
    public int size() {
        return channels.size();
    }

    /** Shuts every channel down at once, cancelling calls in flight. */
    @Override
    public void close() {
        channels.keySet().forEach(id -> {
            Entry e = channels.remove(id);
            if (e != null) {
                e.raw().shutdownNow();
            }
        });
    }

    private record Entry(String target, ManagedChannel raw, Channel channel) {}
}
