package io.infermesh.pool.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.infermesh.openapi.inference.GRPCInferenceServiceGrpc;
import io.infermesh.openapi.inference.ModelInferRequest;
import io.infermesh.openapi.inference.ModelInferResponse;
import io.infermesh.openapi.inference.ModelMetadataRequest;
import io.infermesh.openapi.inference.ModelMetadataResponse;
import io.infermesh.openapi.inference.RepositoryModelLoadRequest;
import io.infermesh.openapi.inference.RepositoryModelLoadResponse;
import io.infermesh.pool.Ticker;
import io.infermesh.pool.batch.BatchingOptions;
import io.infermesh.pool.cache.LoadSpec;
import io.infermesh.pool.cache.MemoryBlobSource;
import io.infermesh.pool.cache.ModelCache;
import io.infermesh.pool.triton.TritonBackend;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Triton-forwarding backend through the whole worker (service, cache, batcher) against a real upstream gRPC server
 * that never answers: the forwarded call carries the caller's deadline and ends when the caller goes.
 */
class TritonForwardingDeadlineTest {
    /** Serves model "m" (x FP32 [-1, 2] → y); records the deadline each forwarded inference arrives with, never answers. */
    static final class HangingUpstream extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
        final CompletableFuture<Deadline> inferDeadline = new CompletableFuture<>();
        final CompletableFuture<Void> inferCancelled = new CompletableFuture<>();

        @Override
        public void repositoryModelLoad(
                RepositoryModelLoadRequest request, StreamObserver<RepositoryModelLoadResponse> out) {
            out.onNext(RepositoryModelLoadResponse.getDefaultInstance());
            out.onCompleted();
        }

        @Override
        public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
            ModelMetadataResponse.TensorMetadata.Builder t = ModelMetadataResponse.TensorMetadata.newBuilder()
                    .setDatatype("FP32")
                    .addShape(-1)
                    .addShape(2);
            out.onNext(ModelMetadataResponse.newBuilder()
                    .setName("m")
                    .setPlatform("onnxruntime_onnx")
                    .addInputs(t.clone().setName("x"))
                    .addOutputs(t.clone().setName("y"))
                    .build());
            out.onCompleted();
        }

        @Override
        public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
            Context.current().addListener(ctx -> inferCancelled.complete(null), Runnable::run);
            Deadline d = Context.current().getDeadline();
            inferDeadline.complete(d == null ? Deadline.after(365, TimeUnit.DAYS) : d);
            // hangs: never answers
        }
    }

    @TempDir
    Path dir;

    private final HangingUpstream upstream = new HangingUpstream();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private Server server;
    private ModelCache cache;

    @AfterEach
    void stop() throws Exception {
        // The upstream first: that ends the hung forwarded call, which closing the cache would wait for.
        if (server != null) {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (cache != null) {
            cache.close();
        }
        timer.shutdownNow();
    }

    private InferenceService forwardingService() throws Exception {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(upstream)
                .build()
                .start();
        TritonBackend backend = new TritonBackend("127.0.0.1:" + server.getPort(), Duration.ofSeconds(10));
        cache = new ModelCache(
                dir,
                List.of(backend),
                64 << 20,
                backend.batching(new BatchingOptions(1, Duration.ZERO, 8, 1)),
                Ticker.SYSTEM,
                Clock.systemUTC());
        MemoryBlobSource blobs = new MemoryBlobSource();
        cache.load(new LoadSpec("m", blobs.publish("m", MemoryBlobSource.files("config.pbtxt", "x")), blobs, Map.of()))
                .get(10, TimeUnit.SECONDS);
        return InferenceServiceTest.serving(cache);
    }

    private static ModelInferRequest request() {
        return ModelInferRequest.newBuilder()
                .setModelName("m")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("x")
                        .setDatatype("FP32")
                        .addShape(1)
                        .addShape(2))
                .addRawInputContents(com.google.protobuf.ByteString.copyFrom(new byte[8]))
                .build();
    }

    @Test
    void aForwardedCallCarriesTheCallersDeadlineToTheUpstream() throws Exception {
        InferenceService service = forwardingService();
        InferenceServiceTest.Answer<ModelInferResponse> answer = new InferenceServiceTest.Answer<>();
        Context.CancellableContext call = Context.current().withDeadlineAfter(3, TimeUnit.SECONDS, timer);
        try {
            call.run(() -> service.modelInfer(request(), answer));
            Deadline upstreamDeadline = upstream.inferDeadline.get(10, TimeUnit.SECONDS);
            long seconds = upstreamDeadline.timeRemaining(TimeUnit.SECONDS);
            assertTrue(
                    seconds <= 3,
                    "the caller allowed 3 s, but the worker gave the hanging upstream " + seconds + " s more");
        } finally {
            call.cancel(null);
        }
    }

    @Test
    void aCallerThatGivesUpCancelsItsForwardedCall() throws Exception {
        InferenceService service = forwardingService();
        InferenceServiceTest.Answer<ModelInferResponse> answer = new InferenceServiceTest.Answer<>();
        Context.CancellableContext call = Context.current().withCancellation();
        call.run(() -> service.modelInfer(request(), answer));
        upstream.inferDeadline.get(10, TimeUnit.SECONDS);
        call.cancel(null);
        assertEquals(Status.Code.CANCELLED, answer.code());
        // The forwarding slot (one of 64) stays taken until the upstream call ends: up to 2 minutes later.
        try {
            upstream.inferCancelled.get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("10 s after its caller cancelled, the forwarded call still runs upstream", e);
        }
    }
}
