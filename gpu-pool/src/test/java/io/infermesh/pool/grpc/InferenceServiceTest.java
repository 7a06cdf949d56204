package io.infermesh.pool.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.infermesh.openapi.inference.ModelInferRequest;
import io.infermesh.openapi.inference.ModelInferResponse;
import io.infermesh.pool.DataType;
import io.infermesh.pool.ModelSignature;
import io.infermesh.pool.Tensor;
import io.infermesh.pool.TensorInfo;
import io.infermesh.pool.TensorShape;
import io.infermesh.pool.Ticker;
import io.infermesh.pool.batch.BatchingOptions;
import io.infermesh.pool.cache.LoadSpec;
import io.infermesh.pool.cache.MemoryBlobSource;
import io.infermesh.pool.cache.ModelCache;
import io.infermesh.pool.cache.ServedModel;
import io.infermesh.pool.quarkus.Worker;
import io.infermesh.pool.spi.Backend;
import io.infermesh.pool.spi.LoadedModel;
import io.infermesh.pool.spi.ModelSource;
import io.infermesh.store.manifest.Manifest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gRPC service driven in-process, with a real model cache and batcher behind a {@link Worker}. */
class InferenceServiceTest {
    /** {@code y = x}, FP32 [-1, -1]; counts executions and can hold them at a gate. */
    static final class Gated implements LoadedModel {
        final AtomicInteger executions = new AtomicInteger();
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch gate = new CountDownLatch(1);

        @Override
        public ModelSignature signature() {
            return new ModelSignature(
                    "test",
                    List.of(new TensorInfo("x", DataType.FP32, TensorShape.of(-1, -1))),
                    List.of(new TensorInfo("y", DataType.FP32, TensorShape.of(-1, -1))));
        }

        @Override
        public List<Tensor> infer(List<Tensor> inputs) {
            executions.incrementAndGet();
            entered.countDown();
            try {
                gate.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return List.of(inputs.getFirst().renamed("y"));
        }

        @Override
        public long memoryBytes() {
            return 0;
        }

        @Override
        public void close() {}
    }

    /** Records what the service answers on one call. */
    static final class Answer<T> implements StreamObserver<T> {
        final CompletableFuture<T> value = new CompletableFuture<>();

        @Override
        public void onNext(T v) {
            value.complete(v);
        }

        @Override
        public void onError(Throwable t) {
            value.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {}

        Status.Code code() throws InterruptedException {
            try {
                value.get(5, TimeUnit.SECONDS);
                return Status.Code.OK;
            } catch (java.util.concurrent.ExecutionException e) {
                return Status.fromThrowable(e.getCause()).getCode();
            } catch (java.util.concurrent.TimeoutException e) {
                return Status.Code.DEADLINE_EXCEEDED;
            }
        }
    }

    /** The gRPC service of a worker whose models are {@code cache}'s (requests up to 1 MiB). */
    static InferenceService serving(ModelCache cache) {
        InferenceService service = new InferenceService();
        service.worker = new Worker() {
            @Override
            public ModelCache cache() {
                return cache;
            }

            @Override
            public long maxRequestBytes() {
                return 1 << 20;
            }
        };
        return service;
    }

    @TempDir
    Path dir;

    private ModelCache cache;

    @AfterEach
    void close() {
        if (cache != null) {
            cache.close();
        }
    }

    private static ModelInferRequest request() {
        ByteBuffer x = ByteBuffer.allocate(8)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putFloat(1)
                .putFloat(2);
        return ModelInferRequest.newBuilder()
                .setModelName("m")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("x")
                        .setDatatype("FP32")
                        .addShape(1)
                        .addShape(2))
                .addRawInputContents(ByteString.copyFrom(x.array()))
                .build();
    }

    @Test
    void doesNotRunAQueuedRequestWhoseCallerWentAway() throws Exception {
        Gated model = new Gated();
        Backend backend = new Backend() {
            @Override
            public String name() {
                return "gated";
            }

            @Override
            public boolean supports(Manifest manifest) {
                return true;
            }

            @Override
            public long estimateMemoryBytes(Manifest manifest) {
                return 1;
            }

            @Override
            public LoadedModel load(ModelSource source) {
                return model;
            }
        };
        MemoryBlobSource blobs = new MemoryBlobSource();
        cache = new ModelCache(
                dir,
                List.of(backend),
                100,
                new BatchingOptions(1, Duration.ZERO, 8, 1),
                Ticker.SYSTEM,
                Clock.systemUTC());
        ServedModel served = cache.load(new LoadSpec(
                        "m", blobs.publish("gated", MemoryBlobSource.files("weights.txt", "w")), blobs, Map.of()))
                .get(10, TimeUnit.SECONDS);
        InferenceService service = serving(cache);

        Answer<ModelInferResponse> first = new Answer<>();
        service.modelInfer(request(), first);
        assertTrue(model.entered.await(5, TimeUnit.SECONDS));
        // The only execution slot is busy: the second call queues. Then its caller cancels (or its deadline passes).
        Context.CancellableContext call = Context.current().withCancellation();
        Answer<ModelInferResponse> second = new Answer<>();
        call.run(() -> service.modelInfer(request(), second));
        call.cancel(null);
        assertEquals(Status.Code.CANCELLED, second.code());

        model.gate.countDown();
        assertEquals(Status.Code.OK, first.code());
        for (int i = 0; i < 250 && served.load() != 0; i++) {
            Thread.sleep(20);
        }
        assertEquals(0, served.load());
        assertEquals(1, model.executions.get(), "the cancelled call's request was run on the model anyway");
        assertEquals(0, service.worker.inFlight().current());
    }
}
