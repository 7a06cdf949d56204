package io.infermesh.pool;

import java.util.List;
import java.util.Optional;

/**
 * What a loaded model accepts and returns.
 *
 * @param platform engine name as reported in model metadata, e.g. {@code onnxruntime_onnx}
 * @param inputs inputs in the model's order
 * @param outputs outputs in the model's order
 */
public record ModelSignature(String platform, List<TensorInfo> inputs, List<TensorInfo> outputs) {
    public ModelSignature {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        if (inputs.isEmpty() || outputs.isEmpty()) {
            throw new IllegalArgumentException("a model has at least one input and one output");
        }
    }

    /**
     * True when every input and output has a dynamic first dimension, so requests can be stacked along it (the batch
     * dimension) and results split back per request.
     */
    public boolean batchable() {
        return inputs.stream().allMatch(ModelSignature::hasDynamicFirst)
                && outputs.stream().allMatch(ModelSignature::hasDynamicFirst);
    }

    public Optional<TensorInfo> input(String name) {
        return inputs.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    public Optional<TensorInfo> output(String name) {
        return outputs.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    private static boolean hasDynamicFirst(TensorInfo t) {
        return t.shape().rank() > 0 && t.shape().dim(0) == -1;
    }
}
