package io.infermesh.pool.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.onnxruntime.engine.OrtSymbolBlock;
import ai.djl.training.ParameterStore;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.infermesh.pool.DataType;
import io.infermesh.pool.ModelSignature;
import io.infermesh.pool.Tensor;
import io.infermesh.pool.TensorInfo;
import io.infermesh.pool.TensorShape;
import io.infermesh.pool.WorkerException;
import io.infermesh.pool.spi.LoadedModel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Any ONNX model as raw tensors, run by ONNX Runtime through a DJL block. Names, types and shapes come from the
 * model graph; symbolic dimensions are reported as -1. Thread-safe (ONNX Runtime sessions run concurrently).
 */
final class OnnxModel implements LoadedModel {
    static final String PLATFORM = "onnxruntime_onnx";

    private final OrtRuntime runtime;
    private final OrtSymbolBlock block;
    private final ModelSignature signature;
    private final long memoryBytes;

    OnnxModel(OrtRuntime runtime, OrtSession session, String name, long memoryBytes) {
        this.runtime = runtime;
        this.block = new OrtSymbolBlock(session, runtime.manager());
        this.memoryBytes = memoryBytes;
        try {
            this.signature = new ModelSignature(
                    PLATFORM, describe(name, session.getInputInfo()), describe(name, session.getOutputInfo()));
        } catch (RuntimeException | OrtException e) {
            block.close();
            throw e instanceof WorkerException w
                    ? w
                    : WorkerException.invalidArgument(
                            "cannot read the inputs and outputs of ONNX model '" + name + "': " + e.getMessage());
        }
    }

    NDManager manager() {
        return runtime.manager();
    }

    @Override
    public ModelSignature signature() {
        return signature;
    }

    @Override
    public List<Tensor> infer(List<Tensor> inputs) {
        try (NDManager scope = runtime.manager().newSubManager()) {
            NDList in = new NDList(inputs.size());
            for (Tensor t : inputs) {
                in.add(toNd(scope, t));
            }
            Map<String, NDArray> out = run(scope, in);
            List<Tensor> result = new ArrayList<>(signature.outputs().size());
            for (TensorInfo info : signature.outputs()) {
                result.add(fromNd(info.name(), out.get(info.name())));
            }
            return result;
        }
    }

    /** Runs the graph on named arrays; the outputs live in {@code scope}. */
    Map<String, NDArray> run(NDManager scope, NDList inputs) {
        NDList out;
        try {
            out = block.forward(new ParameterStore(scope, false), inputs, false);
        } catch (RuntimeException e) {
            throw WorkerException.invalidArgument("ONNX Runtime rejected the inputs: " + rootMessage(e));
        }
        Map<String, NDArray> byName = new HashMap<>();
        for (NDArray a : out) {
            a.attach(scope);
            byName.put(a.getName(), a);
        }
        return byName;
    }

    static NDArray toNd(NDManager scope, Tensor t) {
        Shape shape = new Shape(t.shape().toArray());
        NDArray array;
        if (t.type() == DataType.BYTES) {
            array = scope.create(t.strings().toArray(String[]::new), StandardCharsets.UTF_8, shape);
        } else {
            ByteBuffer direct = ByteBuffer.allocateDirect(t.byteSize()).order(ByteOrder.nativeOrder());
            ByteBuffer src = t.data();
            if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
                direct.put(src).flip();
            } else {
                throw new WorkerException(WorkerException.Code.INTERNAL, "big-endian hosts are not supported");
            }
            array = scope.create(direct, shape, OrtTypes.toDjl(t.type()));
        }
        array.setName(t.name());
        return array;
    }

    static Tensor fromNd(String name, NDArray a) {
        if (a == null) {
            throw new WorkerException(WorkerException.Code.INTERNAL, "the model did not produce output '" + name + "'");
        }
        TensorShape shape = TensorShape.of(a.getShape().getShape());
        DataType type = OrtTypes.fromDjl(a.getDataType());
        if (type == DataType.BYTES) {
            List<byte[]> values = new ArrayList<>();
            for (String s : a.toStringArray(StandardCharsets.UTF_8)) {
                values.add(s.getBytes(StandardCharsets.UTF_8));
            }
            return Tensor.ofByteStrings(name, shape, values);
        }
        ByteBuffer bytes = a.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer copy = ByteBuffer.allocate(bytes.remaining());
        copy.put(bytes).flip();
        return new Tensor(name, type, shape, copy);
    }

    private static List<TensorInfo> describe(String model, Map<String, NodeInfo> nodes) {
        List<TensorInfo> out = new ArrayList<>(nodes.size());
        for (NodeInfo node : nodes.values()) {
            if (!(node.getInfo() instanceof ai.onnxruntime.TensorInfo info)) {
                throw WorkerException.invalidArgument("ONNX model '" + model + "' has a non-tensor input or output '"
                        + node.getName() + "' (" + node.getInfo() + "); only tensors are served");
            }
            DataType type = OrtTypes.fromOnnx(info.onnxType)
                    .orElseThrow(() -> WorkerException.invalidArgument("ONNX model '" + model + "' uses element type "
                            + info.onnxType + " for '" + node.getName() + "', which the protocol cannot carry"));
            long[] dims = info.getShape().clone();
            for (int i = 0; i < dims.length; i++) {
                if (dims[i] < 0) {
                    dims[i] = -1;
                }
            }
            out.add(new TensorInfo(node.getName(), type, TensorShape.of(dims)));
        }
        return out;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
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
