package io.infermesh.pool.grpc;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.infermesh.openapi.inference.GRPCInferenceServiceGrpc;
import io.infermesh.openapi.inference.RepositoryModelLoadRequest;
import java.util.concurrent.TimeUnit;

/**
 * One {@code RepositoryModelLoad} to the worker's own gRPC port before it reports ready: a request without {@code
 * manifest_cid}, answered {@code INVALID_ARGUMENT}, touching no model. The first call of that method in a worker pays
 * a one-time cost on the server side; measured with ColdLoadBenchmark, the first cold load's request took 87-140 ms to
 * reach its handler, and 11-14 ms after such a call. With gateway keys configured the call is refused before the
 * handler, so only the transport part is warmed. Failures are ignored: this only saves time.
 */
public final class LoadCallWarmUp {
    private LoadCallWarmUp() {}

    /**
     * Calls {@code host:port} ({@code 0.0.0.0} and {@code ::} mean loopback) and returns how long it took, in
     * nanoseconds.
     */
    public static long run(String host, int port) {
        long start = System.nanoTime();
        String target = host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]") ? "127.0.0.1" : host;
        ManagedChannel channel =
                ManagedChannelBuilder.forAddress(target, port).usePlaintext().build();
        try {
            GRPCInferenceServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(5, TimeUnit.SECONDS)
                    .repositoryModelLoad(RepositoryModelLoadRequest.newBuilder()
                            .setModelName("load-path-warm-up")
                            .build());
        } catch (StatusRuntimeException expected) {
            // INVALID_ARGUMENT (or UNAUTHENTICATED with gateway keys): the call went through the server either way.
        } finally {
            channel.shutdownNow();
        }
        return System.nanoTime() - start;
    }
}
