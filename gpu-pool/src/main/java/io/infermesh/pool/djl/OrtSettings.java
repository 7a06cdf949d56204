package io.infermesh.pool.djl;

/**
 * ONNX Runtime session settings.
 *
 * @param intraOpThreads threads one execution may use inside an operator (0 = ONNX Runtime's default: all cores)
 * @param interOpThreads threads for running independent operators in parallel (0 = default)
 */
public record OrtSettings(int intraOpThreads, int interOpThreads) {
    public OrtSettings {
        if (intraOpThreads < 0 || interOpThreads < 0) {
            throw new IllegalArgumentException("thread counts must be >= 0");
        }
    }

    public static OrtSettings defaults() {
        return new OrtSettings(0, 0);
    }
}
