package io.infermesh.pool.triton;

import io.grpc.StatusRuntimeException;
import io.infermesh.openapi.inference.ModelInferRequest;
import io.infermesh.openapi.inference.RepositoryModelUnloadRequest;
import io.infermesh.pool.ModelSignature;
import io.infermesh.pool.Tensor;
import io.infermesh.pool.grpc.TensorCodec;
import io.infermesh.pool.spi.LoadedModel;
import java.time.Duration;
import java.util.List;

/** A model held by the upstream server. Thread-safe (the gRPC channel multiplexes calls). */
final class TritonModel implements LoadedModel {
    private final TritonBackend backend;
    private final String name;
    private final ModelSignature signature;

    TritonModel(TritonBackend backend, String name, ModelSignature signature) {
        this.backend = backend;
        this.name = name;
        this.signature = signature;
    }

    @Override
    public ModelSignature signature() {
        return signature;
    }

    @Override
    public List<Tensor> infer(List<Tensor> inputs) {
        ModelInferRequest.Builder request = ModelInferRequest.newBuilder().setModelName(name);
        TensorCodec.encodeInputs(inputs, request);
        try {
            return TensorCodec.decodeOutputs(
                    backend.stub(TritonBackend.CALL_TIMEOUT).modelInfer(request.build()));
        } catch (StatusRuntimeException e) {
            throw backend.upstreamError("inference on '" + name + "'", e);
        }
    }

    @Override
    public long memoryBytes() {
        return TritonBackend.MODEL_BYTES;
    }

    /** Asks the upstream to unload too; the upstream being gone already is fine. */
    @Override
    public void close() {
        try {
            backend.stub(Duration.ofSeconds(10))
                    .repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder()
                            .setModelName(name)
                            .build());
        } catch (StatusRuntimeException ignored) {
            // best effort: an unreachable upstream has nothing loaded for us anymore
        }
    }
}
