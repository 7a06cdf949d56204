package io.infermesh.pool.triton;

import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import io.infermesh.openapi.inference.ModelInferRequest;
import io.infermesh.openapi.inference.RepositoryModelUnloadRequest;
import io.infermesh.pool.ModelSignature;
import io.infermesh.pool.Tensor;
import io.infermesh.pool.TensorInfo;
import io.infermesh.pool.WorkerException;
import io.infermesh.pool.grpc.TensorCodec;
import io.infermesh.pool.spi.LoadedModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
        return forward(inputs, TritonBackend.CALL_TIMEOUT);
    }

    /**
     * Forwards under the callers' last deadline (at most {@link TritonBackend#CALL_TIMEOUT}), and cancels the
     * forwarded call once every caller is gone: a hung upstream holds a forwarding slot no longer than anyone waits.
     */
    @Override
    public List<Tensor> infer(List<Tensor> inputs, Callers callers) {
        Duration limit = callers.timeLeft()
                .filter(left -> left.compareTo(TritonBackend.CALL_TIMEOUT) < 0)
                .orElse(TritonBackend.CALL_TIMEOUT);
        Context.CancellableContext call = Context.current().withCancellation();
        callers.gone().thenRun(() -> call.cancel(null));
        Context previous = call.attach();
        try {
            return forward(inputs, limit);
        } finally {
            call.detach(previous);
            call.cancel(null);
        }
    }

    private List<Tensor> forward(List<Tensor> inputs, Duration limit) {
        ModelInferRequest.Builder request = ModelInferRequest.newBuilder().setModelName(name);
        TensorCodec.encodeInputs(inputs, request);
        List<Tensor> answered;
        try {
            answered = TensorCodec.decodeOutputs(backend.stub(limit).modelInfer(request.build()));
        } catch (StatusRuntimeException e) {
            throw backend.upstreamError("inference on '" + name + "'", e);
        }
        return inSignatureOrder(answered);
    }

    /**
     * The upstream's outputs as the {@link LoadedModel} contract wants them: every declared output, in signature
     * order, of its declared type. An answer that lacks one (or types it otherwise) is the upstream's fault, so
     * UNAVAILABLE; outputs the signature does not declare are dropped.
     */
    private List<Tensor> inSignatureOrder(List<Tensor> answered) {
        Map<String, Tensor> byName = new HashMap<>();
        answered.forEach(t -> byName.putIfAbsent(t.name(), t));
        List<Tensor> out = new ArrayList<>(signature.outputs().size());
        for (TensorInfo declared : signature.outputs()) {
            Tensor t = byName.get(declared.name());
            if (t == null || t.type() != declared.type()) {
                throw WorkerException.unavailable("upstream " + backend.target() + " answered inference on '" + name
                        + "' " + (t == null ? "without output '" + declared.name() + "'" : "with " + t)
                        + "; its metadata declares " + declared.name() + ":" + declared.type());
            }
            out.add(t);
        }
        return out;
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
