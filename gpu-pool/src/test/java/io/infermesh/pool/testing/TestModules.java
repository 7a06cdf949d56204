package io.infermesh.pool.testing;

/**
 * Small TorchScript models for tests, written by {@link TorchScriptArchive}, with the same math in Java to check them
 * against.
 */
public final class TestModules {
    /** {@link #mlp()}: input features, hidden units, outputs. */
    public static final int MLP_IN = 4;

    public static final int MLP_HIDDEN = 8;
    public static final int MLP_OUT = 3;

    private static final float[] W1 = weights(MLP_HIDDEN * MLP_IN, 1);
    private static final float[] B1 = weights(MLP_HIDDEN, 2);
    private static final float[] W2 = weights(MLP_OUT * MLP_HIDDEN, 3);
    private static final float[] B2 = weights(MLP_OUT, 4);

    /** {@link #pair()}'s per-column scale. */
    public static final float[] PAIR_SCALE = {0.5f, -2f, 3f};

    private TestModules() {}

    /**
     * {@code y = relu(x · W1ᵀ + b1) · W2ᵀ + b2}: Linear(4, 8), ReLU, Linear(8, 3) with fixed pseudo-random weights,
     * FP32 [-1, 4] → FP32 [-1, 3].
     */
    public static TorchScriptArchive mlp() {
        return TorchScriptArchive.module("mlp", "Mlp")
                .parameter("w1", new long[] {MLP_HIDDEN, MLP_IN}, W1)
                .parameter("b1", new long[] {MLP_HIDDEN}, B1)
                .parameter("w2", new long[] {MLP_OUT, MLP_HIDDEN}, W2)
                .parameter("b2", new long[] {MLP_OUT}, B2)
                .forward(
                        "x: Tensor",
                        "Tensor",
                        "h = torch.relu(torch.linear(x, self.w1, self.b1))",
                        "return torch.linear(h, self.w2, self.b2)");
    }

    /** {@link #mlp()} computed in Java, row by row: {@code x} is [rows, 4], the result [rows, 3]. */
    public static float[] mlpReference(float[] x) {
        int rows = x.length / MLP_IN;
        float[] y = new float[rows * MLP_OUT];
        float[] h = new float[MLP_HIDDEN];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < MLP_HIDDEN; j++) {
                float s = B1[j];
                for (int i = 0; i < MLP_IN; i++) {
                    s += x[r * MLP_IN + i] * W1[j * MLP_IN + i];
                }
                h[j] = Math.max(s, 0f);
            }
            for (int o = 0; o < MLP_OUT; o++) {
                float s = B2[o];
                for (int j = 0; j < MLP_HIDDEN; j++) {
                    s += h[j] * W2[o * MLP_HIDDEN + j];
                }
                y[r * MLP_OUT + o] = s;
            }
        }
        return y;
    }

    /**
     * Two inputs, two outputs (a tuple): {@code scaled = x * scale} (FP32 [-1, 3]) and {@code next_ids = ids + 1}
     * (INT64 [-1]).
     */
    public static TorchScriptArchive pair() {
        return TorchScriptArchive.module("pair", "Pair")
                .parameter("scale", new long[] {3}, PAIR_SCALE)
                .forward(
                        "x: Tensor, ids: Tensor",
                        "Tuple[Tensor, Tensor]",
                        "scaled = torch.mul(x, self.scale)",
                        "return (scaled, torch.add(ids, 1))");
    }

    /** Values in [-1, 1) that differ per index and seed, the same on every run. */
    static float[] weights(int n, int seed) {
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) Math.sin(seed * 97.0 + i * 1.7);
        }
        return w;
    }
}
