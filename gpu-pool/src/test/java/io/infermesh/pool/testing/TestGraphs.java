package io.infermesh.pool.testing;

import io.infermesh.pool.bench.OnnxGraph;
import java.util.List;

/** Small ONNX models for tests. */
public final class TestGraphs {
    /** The weights of {@link #affine()}, FP32 [3, 2] row-major. */
    public static final float[] AFFINE_W = {1, 2, 3, 4, 5, 6};

    private TestGraphs() {}

    /** {@code y = x · W} (FP32 [batch, 3] → [batch, 2]) and {@code ids_out = ids} (INT64 [batch]). */
    public static byte[] affine() {
        return new OnnxGraph("affine")
                .input("x", OnnxGraph.FLOAT, "batch", 3)
                .input("ids", OnnxGraph.INT64, "batch")
                .initializer("W", new long[] {3, 2}, AFFINE_W)
                .node("MatMul", List.of("x", "W"), List.of("y"))
                .node("Identity", List.of("ids"), List.of("ids_out"))
                .output("y", OnnxGraph.FLOAT, "batch", 2)
                .output("ids_out", OnnxGraph.INT64, "batch")
                .toBytes();
    }
}
