package io.infermesh.router.testing;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.Context;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.infermesh.openapi.inference.GRPCInferenceServiceGrpc;
import io.infermesh.openapi.inference.ModelInferRequest;
import io.infermesh.openapi.inference.ModelInferResponse;
import io.infermesh.openapi.inference.RepositoryModelLoadRequest;
import io.infermesh.openapi.inference.RepositoryModelLoadResponse;
import io.infermesh.router.WorkerId;
import io.infermesh.router.WorkerInfo;
import io.infermesh.router.auth.TokenVerifier;
import io.infermesh.router.grpc.WorkerTokenCheck;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real gRPC worker on a loopback port whose {@code ModelInfer} does what the test says: answer, fail with a status
 * (carrying an infermesh ErrorInfo, like gpu-pool's mapper), or hang until the caller cancels. It checks the gateway
 * token like a worker must.
 */
public final class FakeWorker implements AutoCloseable {
    public enum Behaviour {
        ANSWER,
        UNAVAILABLE,
        INVALID_ARGUMENT,
        NOT_FOUND,
        BUSY,
        HANG
    }

    public final WorkerId id;
    public final AtomicInteger inferCalls = new AtomicInteger();
    public final CountDownLatch cancelled = new CountDownLatch(1);
    public final List<RepositoryModelLoadRequest> loads = new CopyOnWriteArrayList<>();
    private volatile Behaviour behaviour = Behaviour.ANSWER;
    private volatile long delayMillis;
    private final Server server;

    public FakeWorker(String id, TokenVerifier verifier) {
        this.id = WorkerId.of(id);
        Service service = new Service();
        try {
            server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .addService(ServerInterceptors.intercept(service, new WorkerTokenCheck(verifier, r -> {})))
                    .build()
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public FakeWorker behave(Behaviour b) {
        behaviour = b;
        return this;
    }

    /** Makes every {@code ModelInfer} wait {@code delay} (on the server's own thread) before it behaves. */
    public FakeWorker delay(java.time.Duration delay) {
        delayMillis = delay.toMillis();
        return this;
    }

    public int port() {
        return server.getPort();
    }

    public WorkerInfo info(String... models) {
        Map<String, String> loaded = new HashMap<>();
        for (String m : models) {
            loaded.put(m, "bafyManifest");
        }
        return new WorkerInfo(id, "127.0.0.1:" + port(), "pool-1", loaded, 8L << 30, 100, BigInteger.ONE);
    }

    @Override
    public void close() {
        server.shutdownNow();
    }

    private final class Service extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
        @Override
        public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
            inferCalls.incrementAndGet();
            if (delayMillis > 0) {
                try {
                    Thread.sleep(delayMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            switch (behaviour) {
                case ANSWER -> {
                    out.onNext(ModelInferResponse.newBuilder()
                            .setModelName(request.getModelName())
                            .setId(request.getId())
                            .build());
                    out.onCompleted();
                }
                case UNAVAILABLE -> out.onError(error(Status.Code.UNAVAILABLE, "UNAVAILABLE"));
                case INVALID_ARGUMENT -> out.onError(error(Status.Code.INVALID_ARGUMENT, "INVALID_ARGUMENT"));
                case NOT_FOUND -> out.onError(error(Status.Code.NOT_FOUND, "NOT_FOUND"));
                case BUSY -> out.onError(error(Status.Code.RESOURCE_EXHAUSTED, "RESOURCE_EXHAUSTED"));
                case HANG -> Context.current().addListener(ctx -> cancelled.countDown(), Runnable::run);
            }
        }

        @Override
        public void repositoryModelLoad(
                RepositoryModelLoadRequest request, StreamObserver<RepositoryModelLoadResponse> out) {
            loads.add(request);
            out.onNext(RepositoryModelLoadResponse.getDefaultInstance());
            out.onCompleted();
        }
    }

    private static io.grpc.StatusRuntimeException error(Status.Code code, String reason) {
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(code.value())
                .setMessage("fake worker says " + reason)
                .addDetails(Any.pack(ErrorInfo.newBuilder()
                        .setReason(reason)
                        .setDomain("infermesh.io")
                        .build()))
                .build());
    }
}
