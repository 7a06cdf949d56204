package io.infermesh.pool.triton;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.infermesh.openapi.inference.GRPCInferenceServiceGrpc;
import io.infermesh.openapi.inference.InferTensorContents;
import io.infermesh.openapi.inference.ModelInferRequest;
import io.infermesh.openapi.inference.ModelInferResponse;
import io.infermesh.openapi.inference.ModelMetadataRequest;
import io.infermesh.openapi.inference.ModelMetadataResponse;
import io.infermesh.openapi.inference.RepositoryModelLoadRequest;
import io.infermesh.openapi.inference.RepositoryModelLoadResponse;
import io.infermesh.pool.Tensor;
import io.infermesh.pool.TensorShape;
import io.infermesh.pool.WorkerException;
import io.infermesh.pool.spi.LoadedModel;
import io.infermesh.pool.spi.ModelSource;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.Manifest;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The forwarding backend against a real gRPC upstream on loopback that answers what each test scripts. */
class TritonBackendTest {
    /** An upstream serving model "m": x FP32 [-1, 2] → y FP32 [-1, 2]; inference answers {@code answer}. */
    static final class Upstream extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
        volatile Function<ModelInferRequest, ModelInferResponse> answer = r -> ModelInferResponse.getDefaultInstance();
        volatile String outputDatatype = "FP32";

        @Override
        public void repositoryModelLoad(
                RepositoryModelLoadRequest request, StreamObserver<RepositoryModelLoadResponse> out) {
            out.onNext(RepositoryModelLoadResponse.getDefaultInstance());
            out.onCompleted();
        }

        @Override
        public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
            out.onNext(ModelMetadataResponse.newBuilder()
                    .setName("m")
                    .setPlatform("onnxruntime_onnx")
                    .addInputs(tensor("x"))
                    .addOutputs(tensor("y").toBuilder().setDatatype(outputDatatype))
                    .build());
            out.onCompleted();
        }

        private static ModelMetadataResponse.TensorMetadata tensor(String name) {
            return ModelMetadataResponse.TensorMetadata.newBuilder()
                    .setName(name)
                    .setDatatype("FP32")
                    .addShape(-1)
                    .addShape(2)
                    .build();
        }

        @Override
        public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
            ModelInferResponse response;
            try {
                response = answer.apply(request);
            } catch (io.grpc.StatusRuntimeException e) {
                out.onError(e);
                return;
            }
            out.onNext(response);
            out.onCompleted();
        }
    }

    private final Upstream upstream = new Upstream();
    private Server server;
    private TritonBackend backend;

    private LoadedModel start() throws Exception {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(upstream)
                .build()
                .start();
        backend = new TritonBackend("127.0.0.1:" + server.getPort(), Duration.ofSeconds(10));
        return backend.load(new ModelSource() {
            @Override
            public String modelName() {
                return "m";
            }

            @Override
            public Cid manifestCid() {
                throw new UnsupportedOperationException();
            }

            @Override
            public Manifest manifest() {
                throw new UnsupportedOperationException();
            }

            @Override
            public Map<String, String> parameters() {
                return Map.of();
            }

            @Override
            public Path directory() {
                throw new UnsupportedOperationException();
            }
        });
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static List<Tensor> oneRow() {
        return List.of(Tensor.ofFloats("x", TensorShape.of(1, 2), new float[] {1, 2}));
    }

    private static ModelInferResponse.InferOutputTensor.Builder y(long... shape) {
        ModelInferResponse.InferOutputTensor.Builder b =
                ModelInferResponse.InferOutputTensor.newBuilder().setName("y").setDatatype("FP32");
        for (long d : shape) {
            b.addShape(d);
        }
        return b;
    }

    private WorkerException inferFails(LoadedModel model) {
        return assertThrows(WorkerException.class, () -> model.infer(oneRow()));
    }

    @Test
    void anUpstreamAnswerWithTheWrongByteLengthIsNotBlamedOnTheClient() throws Exception {
        LoadedModel model = start();
        upstream.answer = r -> ModelInferResponse.newBuilder()
                .addOutputs(y(1, 2))
                .addRawOutputContents(ByteString.copyFrom(new byte[4]))
                .build();
        WorkerException e = inferFails(model);
        assertNotEquals(WorkerException.Code.INVALID_ARGUMENT, e.code(), e.getMessage());
        assertTrue(e.getMessage().startsWith("upstream "), e.getMessage());
    }

    @Test
    void anUpstreamAnswerWithTooFewTypedValuesIsNotBlamedOnTheClient() throws Exception {
        LoadedModel model = start();
        upstream.answer = r -> ModelInferResponse.newBuilder()
                .addOutputs(y(1, 2).setContents(InferTensorContents.newBuilder().addFp32Contents(1)))
                .build();
        WorkerException e = inferFails(model);
        assertNotEquals(WorkerException.Code.INVALID_ARGUMENT, e.code(), e.getMessage());
        assertFalse(e.getMessage().startsWith("input "), e.getMessage());
    }

    @Test
    void anUpstreamAnswerWithANegativeShapeOrUnknownDatatypeIsNotBlamedOnTheClient() throws Exception {
        LoadedModel model = start();
        upstream.answer = r -> ModelInferResponse.newBuilder()
                .addOutputs(y(-1, 2))
                .addRawOutputContents(ByteString.copyFrom(new byte[8]))
                .build();
        WorkerException negative = inferFails(model);
        assertNotEquals(WorkerException.Code.INVALID_ARGUMENT, negative.code(), negative.getMessage());
        upstream.answer = r -> ModelInferResponse.newBuilder()
                .addOutputs(y(1, 2).setDatatype("FP8"))
                .addRawOutputContents(ByteString.copyFrom(new byte[2]))
                .build();
        WorkerException unknown = inferFails(model);
        assertNotEquals(WorkerException.Code.INVALID_ARGUMENT, unknown.code(), unknown.getMessage());
    }

    @Test
    void anUpstreamAnswerMissingADeclaredOutputIsAnErrorNotAnEmptySuccess() throws Exception {
        LoadedModel model = start();
        upstream.answer = r -> ModelInferResponse.getDefaultInstance();
        WorkerException none = inferFails(model);
        assertNotEquals(WorkerException.Code.INVALID_ARGUMENT, none.code(), none.getMessage());
        upstream.answer = r -> ModelInferResponse.newBuilder()
                .addOutputs(y(1, 2).setName("z"))
                .addRawOutputContents(ByteString.copyFrom(new byte[8]))
                .build();
        WorkerException other = inferFails(model);
        assertNotEquals(WorkerException.Code.INVALID_ARGUMENT, other.code(), other.getMessage());
    }

    @Test
    void upstreamMetadataWithAnUnknownDatatypeIsNotBlamedOnTheLoadRequest() {
        upstream.outputDatatype = "FP8";
        WorkerException e = assertThrows(WorkerException.class, this::start);
        assertNotEquals(WorkerException.Code.INVALID_ARGUMENT, e.code(), e.getMessage());
    }

    @Test
    void anUpstreamThatIsUnavailableIsUnavailable() throws Exception {
        LoadedModel model = start();
        upstream.answer = r -> {
            throw Status.UNAVAILABLE.withDescription("overloaded").asRuntimeException();
        };
        assertEquals(WorkerException.Code.UNAVAILABLE, inferFails(model).code());
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        assertEquals(WorkerException.Code.UNAVAILABLE, inferFails(model).code());
    }
}
