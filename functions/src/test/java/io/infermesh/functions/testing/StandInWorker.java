package io.infermesh.functions.testing;

import com.google.protobuf.ByteString;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.infermesh.functions.inference.OpenAiEmbeddings;
import io.infermesh.openapi.inference.GRPCInferenceServiceGrpc;
import io.infermesh.openapi.inference.ModelInferRequest;
import io.infermesh.openapi.inference.ModelInferResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A real gRPC server on a loopback port standing in for a {@code gpu-pool} worker that holds a text-embedding model
 * of dimension {@value #DIM} warm: {@code ModelInfer} answers one unit vector per input row plus {@code token_count},
 * or fails with the status the test sets. It does not run a model (that needs a worker process: see it/InferenceIT).
 */
public final class StandInWorker implements AutoCloseable {
    public static final int DIM = 4;

    private final Server server;
    private final List<ModelInferRequest> calls = new CopyOnWriteArrayList<>();
    private volatile Status failure;
    private volatile Runnable beforeAnswer = () -> {};

    public StandInWorker() {
        try {
            server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .addService(new Service())
                    .build()
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code host:port} to register. */
    public String target() {
        return "127.0.0.1:" + server.getPort();
    }

    /** Fails every call with {@code status} from now on; null to answer again. */
    public StandInWorker failWith(Status status) {
        failure = status;
        return this;
    }

    /** Runs {@code hook} on each call before answering (e.g. to change the world while the call is in flight). */
    public StandInWorker beforeAnswer(Runnable hook) {
        beforeAnswer = hook;
        return this;
    }

    /** Every ModelInfer request received, in order. */
    public List<ModelInferRequest> calls() {
        return calls;
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }

    private final class Service extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
        @Override
        public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
            calls.add(request);
            Status f = failure;
            if (f != null) {
                out.onError(f.asRuntimeException());
                return;
            }
            beforeAnswer.run();
            int rows = (int) request.getInputs(0).getShape(0);
            ByteBuffer vectors = ByteBuffer.allocate(rows * DIM * 4).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer tokens = ByteBuffer.allocate(rows * 8).order(ByteOrder.LITTLE_ENDIAN);
            for (int r = 0; r < rows; r++) {
                for (int d = 0; d < DIM; d++) {
                    vectors.putFloat(d == r % DIM ? 1f : 0f);
                }
                tokens.putLong(3);
            }
            out.onNext(ModelInferResponse.newBuilder()
                    .setModelName(request.getModelName())
                    .setModelVersion(request.getModelVersion())
                    .setId(request.getId())
                    .addOutputs(ModelInferResponse.InferOutputTensor.newBuilder()
                            .setName("embedding")
                            .setDatatype("FP32")
                            .addShape(rows)
                            .addShape(DIM))
                    .addOutputs(ModelInferResponse.InferOutputTensor.newBuilder()
                            .setName(OpenAiEmbeddings.TOKEN_COUNT_OUTPUT)
                            .setDatatype("INT64")
                            .addShape(rows))
                    .addRawOutputContents(ByteString.copyFrom(vectors.flip()))
                    .addRawOutputContents(ByteString.copyFrom(tokens.flip()))
                    .build());
            out.onCompleted();
        }
    }
}
