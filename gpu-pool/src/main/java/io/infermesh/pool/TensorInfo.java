package io.infermesh.pool;

/**
 * Name, element type and shape of one model input or output. A {@code -1} dimension is dynamic; for a model that
 * batches, the first dimension is the batch dimension.
 */
public record TensorInfo(String name, DataType type, TensorShape shape) {
    public TensorInfo {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("tensor name is required");
        }
        if (type == null || shape == null) {
            throw new IllegalArgumentException("tensor type and shape are required");
        }
    }
}
