package io.infermesh.pool.triton;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.infermesh.openapi.inference.GRPCInferenceServiceGrpc;
import io.infermesh.openapi.inference.ModelMetadataRequest;
import io.infermesh.openapi.inference.ModelMetadataResponse;
import io.infermesh.openapi.inference.ModelRepositoryParameter;
import io.infermesh.openapi.inference.RepositoryModelLoadRequest;
import io.infermesh.pool.DataType;
import io.infermesh.pool.ModelSignature;
import io.infermesh.pool.TensorInfo;
import io.infermesh.pool.TensorShape;
import io.infermesh.pool.WorkerException;
import io.infermesh.pool.batch.BatchingOptions;
import io.infermesh.pool.spi.Backend;
import io.infermesh.pool.spi.LoadedModel;
import io.infermesh.pool.spi.ModelSource;
import io.infermesh.store.manifest.Manifest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Serves models by forwarding to an upstream server that speaks {@code inference.GRPCInferenceService} (NVIDIA Triton,
 * or another infermesh worker): the worker acts as a Triton gRPC client. Loading forwards {@code RepositoryModelLoad}
 * with the same name and parameters, then reads the upstream's {@code ModelMetadata} as the signature; inference
 * forwards {@code ModelInfer} with raw tensors; unloading forwards {@code RepositoryModelUnload}. The upstream does its
 * own batching, so the worker forwards each call as it arrives.
 */
public final class TritonBackend implements Backend {
    /** Upper bound on a forwarded inference call; the caller's own deadline is enforced by the worker's queue. */
    static final Duration CALL_TIMEOUT = Duration.ofMinutes(2);
    /** Forwarded calls of one model in flight at once. */
    static final int FORWARDS_IN_FLIGHT = 64;
    /** What the worker itself holds per forwarded model: a signature and a name. */
    static final long MODEL_BYTES = 1 << 20;

    private final String target;
    private final ManagedChannel channel;
    private final Duration loadTimeout;

    public TritonBackend(String target, Duration loadTimeout) {
        this.target = target;
        this.loadTimeout = loadTimeout;
        this.channel = ManagedChannelBuilder.forTarget(target)
                .usePlaintext()
                .maxInboundMessageSize(256 << 20)
                .build();
    }

    @Override
    public String name() {
        return "triton";
    }

    @Override
    public boolean supports(Manifest manifest) {
        return true;
    }

    /** The upstream holds the weights; the worker only keeps a connection and the signature. */
    @Override
    public long estimateMemoryBytes(Manifest manifest) {
        return MODEL_BYTES;
    }

    /** The upstream batches; here each call is forwarded as it comes, many at once. */
    @Override
    public BatchingOptions batching(BatchingOptions defaults) {
        return new BatchingOptions(1, Duration.ZERO, defaults.queueCapacity(), FORWARDS_IN_FLIGHT);
    }

    @Override
    public LoadedModel load(ModelSource source) {
        RepositoryModelLoadRequest.Builder load =
                RepositoryModelLoadRequest.newBuilder().setModelName(source.modelName());
        source.parameters()
                .forEach((k, v) -> load.putParameters(
                        k,
                        ModelRepositoryParameter.newBuilder().setStringParam(v).build()));
        try {
            stub(loadTimeout).repositoryModelLoad(load.build());
            ModelMetadataResponse meta = stub(Duration.ofSeconds(10))
                    .modelMetadata(ModelMetadataRequest.newBuilder()
                            .setName(source.modelName())
                            .build());
            ModelSignature signature;
            try {
                signature = new ModelSignature(
                        meta.getPlatform(), tensors(meta.getInputsList()), tensors(meta.getOutputsList()));
            } catch (WorkerException | IllegalArgumentException e) {
                // The upstream's metadata is malformed, not the load request: never INVALID_ARGUMENT.
                throw new WorkerException(
                        WorkerException.Code.UNAVAILABLE,
                        "upstream " + target + " answered malformed metadata for '" + source.modelName() + "': "
                                + e.getMessage(),
                        e);
            }
            return new TritonModel(this, source.modelName(), signature);
        } catch (StatusRuntimeException e) {
            throw upstreamError("loading '" + source.modelName() + "'", e);
        }
    }

    /** Where the upstream is, for messages. */
    String target() {
        return target;
    }

    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub(Duration timeout) {
        return GRPCInferenceServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Keeps the upstream's status code and message, saying where it came from. */
    WorkerException upstreamError(String what, StatusRuntimeException e) {
        String message =
                "upstream " + target + ", " + what + ": " + e.getStatus().getDescription();
        WorkerException.Code code =
                switch (e.getStatus().getCode()) {
                    case INVALID_ARGUMENT, OUT_OF_RANGE -> WorkerException.Code.INVALID_ARGUMENT;
                    case NOT_FOUND -> WorkerException.Code.NOT_FOUND;
                    case RESOURCE_EXHAUSTED -> WorkerException.Code.RESOURCE_EXHAUSTED;
                    case DEADLINE_EXCEEDED -> WorkerException.Code.DEADLINE_EXCEEDED;
                    case DATA_LOSS -> WorkerException.Code.DATA_LOSS;
                    case FAILED_PRECONDITION -> WorkerException.Code.FAILED_PRECONDITION;
                    case INTERNAL, UNKNOWN -> WorkerException.Code.INTERNAL;
                    default -> WorkerException.Code.UNAVAILABLE;
                };
        return new WorkerException(code, message, e);
    }

    private static List<TensorInfo> tensors(List<ModelMetadataResponse.TensorMetadata> list) {
        return list.stream()
                .map(t -> new TensorInfo(
                        t.getName(), DataType.fromWire(t.getDatatype()), TensorShape.of(t.getShapeList())))
                .toList();
    }
}
