package io.infermesh.pool.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import io.infermesh.pool.ModelSignature;
import io.infermesh.pool.Tensor;
import io.infermesh.pool.TensorInfo;
import io.infermesh.pool.WorkerException;
import io.infermesh.pool.spi.LoadedModel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A TorchScript module run by libtorch: {@code forward(inputs...)} with the inputs in signature order, its result (a
 * tensor, or a tuple or list of tensors) checked against the declared outputs, by count, element type and shape.
 * A result that does not match is FAILED_PRECONDITION: the model and its manifest disagree, and no request can fix
 * that. Thread-safe (TorchScript modules run concurrently in inference mode).
 */
final class TorchScriptModel implements LoadedModel {
    /** Triton's platform name for TorchScript models. */
    static final String PLATFORM = "pytorch_libtorch";

    /** DJL's names for {@link TorchScriptBackend#TYPES}; anything else (bfloat16, int16, complex) reads as unknown. */
    private static final Set<ai.djl.ndarray.types.DataType> READABLE =
            TorchScriptBackend.TYPES.stream().map(OrtTypes::toDjl).collect(Collectors.toUnmodifiableSet());

    private final PtNDManager manager;
    private final PtSymbolBlock block;
    private final ModelSignature signature;
    private final long memoryBytes;

    /** @param manager the engine's array manager; each call works in a sub-manager of it */
    TorchScriptModel(PtNDManager manager, PtSymbolBlock block, ModelSignature signature, long memoryBytes) {
        this.manager = manager;
        this.block = block;
        this.signature = signature;
        this.memoryBytes = memoryBytes;
    }

    @Override
    public ModelSignature signature() {
        return signature;
    }

    @Override
    public List<Tensor> infer(List<Tensor> inputs) {
        try (NDManager scope = manager.newSubManager()) {
            IValue[] args = new IValue[inputs.size()];
            try {
                for (int i = 0; i < args.length; i++) {
                    args[i] = IValue.from((PtNDArray) toNd(scope, inputs.get(i)));
                }
                IValue result;
                try {
                    result = block.forward(args);
                } catch (RuntimeException e) {
                    throw WorkerException.invalidArgument("PyTorch rejected the inputs: " + TorchRuntime.reason(e));
                }
                try {
                    return outputs(result, (PtNDManager) scope);
                } finally {
                    result.close();
                }
            } finally {
                for (IValue arg : args) {
                    if (arg != null) {
                        arg.close();
                    }
                }
            }
        }
    }

    private static NDArray toNd(NDManager scope, Tensor t) {
        ByteBuffer direct = ByteBuffer.allocateDirect(t.byteSize()).order(ByteOrder.nativeOrder());
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new WorkerException(WorkerException.Code.INTERNAL, "big-endian hosts are not supported");
        }
        direct.put(t.data()).flip();
        return scope.create(direct, new Shape(t.shape().toArray()), OrtTypes.toDjl(t.type()));
    }

    /** The module's result as the declared outputs, in order. */
    private List<Tensor> outputs(IValue result, PtNDManager scope) {
        List<TensorInfo> declared = signature.outputs();
        List<IValue> parts = new ArrayList<>();
        boolean single = result.isTensor();
        IValue[] owned = new IValue[0];
        try {
            if (single) {
                parts.add(result);
            } else if (result.isTuple()) {
                owned = result.toIValueTuple();
            } else if (result.isList()) {
                owned = result.toIValueArray();
            } else {
                throw mismatch("returned a value of type " + result.getType() + ", not a tensor or a tuple or list of"
                        + " tensors");
            }
            parts.addAll(List.of(owned));
            if (parts.size() != declared.size()) {
                throw mismatch("returned " + parts.size() + (single ? " tensor" : " values (" + result.getType() + ")")
                        + " but its manifest declares " + declared.size() + " outputs "
                        + declared.stream().map(TensorInfo::name).toList());
            }
            List<Tensor> out = new ArrayList<>(declared.size());
            for (int i = 0; i < declared.size(); i++) {
                TensorInfo info = declared.get(i);
                IValue part = parts.get(i);
                if (!part.isTensor()) {
                    throw mismatch("returned a value of type " + part.getType() + " for output '" + info.name()
                            + "'; outputs are tensors");
                }
                NDArray array = part.toTensor(scope);
                if (!READABLE.contains(array.getDataType())) {
                    throw mismatch("returned output '" + info.name() + "' with element type " + array.getDataType()
                            + ", which this worker cannot read from libtorch (it reads "
                            + TorchScriptBackend.TYPES.stream()
                                    .map(Enum::name)
                                    .sorted()
                                    .toList() + ")");
                }
                Tensor t = OnnxModel.fromNd(info.name(), array);
                if (t.type() != info.type() || !info.shape().accepts(t.shape())) {
                    throw mismatch("returned output '" + info.name() + "' as " + t.type() + " " + t.shape()
                            + " but its manifest declares " + info.type() + " " + info.shape());
                }
                out.add(t);
            }
            return out;
        } finally {
            for (IValue v : owned) {
                v.close();
            }
        }
    }

    private static WorkerException mismatch(String what) {
        return new WorkerException(
                WorkerException.Code.FAILED_PRECONDITION,
                "the TorchScript model " + what + "; the model and its manifest disagree, so it cannot serve this"
                        + " request (publish a manifest that matches forward())");
    }

    @Override
    public long memoryBytes() {
        return memoryBytes;
    }

    @Override
    public void close() {
        block.close();
    }
}
