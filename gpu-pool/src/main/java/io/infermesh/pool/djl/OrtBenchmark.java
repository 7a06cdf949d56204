package io.infermesh.pool.djl;

import io.infermesh.pool.DataType;
import io.infermesh.pool.Tensor;
import io.infermesh.pool.TensorShape;
import io.infermesh.pool.bench.CapabilityReport;
import io.infermesh.pool.bench.HardwareFacts;
import io.infermesh.pool.bench.OnnxGraph;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The start-up benchmark: a fixed ONNX workload run through the same DJL / ONNX Runtime path that serves models.
 *
 * <p>Workload: an MLP of {@value #LAYERS} layers {@code h = relu(h · W_i)}, {@code W_i} FP32 [{@value #WIDTH},
 * {@value #WIDTH}] with fixed pseudo-random weights, on a batch of {@value #BATCH} rows. One execution costs {@code
 * 2 · BATCH · WIDTH² · LAYERS} floating-point operations; the score is that times executions per second, in GFLOP/s,
 * after a short warm-up. It measures the matrix throughput the worker's engine actually gets on this machine (cores,
 * SIMD width, contention), which is what inference time scales with.
 */
public final class OrtBenchmark {
    static final int LAYERS = 4;
    static final int WIDTH = 512;
    static final int BATCH = 32;

    private OrtBenchmark() {}

    /** Runs the workload for about {@code duration} (plus a warm-up of a quarter of it). */
    public static CapabilityReport run(OrtRuntime runtime, Duration duration) {
        Path file;
        try {
            file = Files.createTempFile("infermesh-bench", ".onnx");
            Files.write(file, workload());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (OnnxModel model = new OnnxModel(runtime, runtime.open(file), "startup-benchmark", 0)) {
            float[] x = new float[BATCH * WIDTH];
            SplittableRandom random = new SplittableRandom(7);
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextDouble(-1, 1);
            }
            ByteBuffer bytes = ByteBuffer.allocate(x.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(x);
            List<Tensor> input = List.of(new Tensor("x", DataType.FP32, TensorShape.of(BATCH, WIDTH), bytes));
            runFor(model, input, duration.dividedBy(4));
            long start = System.nanoTime();
            long runs = runFor(model, input, duration);
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            double flops = 2.0 * BATCH * WIDTH * WIDTH * LAYERS * runs;
            double gflops = flops / elapsed.toNanos();
            return new CapabilityReport(
                    Math.round(gflops * 10) / 10.0,
                    "onnxruntime " + runtime.version(),
                    runs,
                    elapsed,
                    HardwareFacts.probe());
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // temp file
            }
        }
    }

    private static long runFor(OnnxModel model, List<Tensor> input, Duration duration) {
        long end = System.nanoTime() + duration.toNanos();
        long runs = 0;
        do {
            model.infer(input);
            runs++;
        } while (System.nanoTime() < end);
        return runs;
    }

    /** The benchmark model's bytes. */
    static byte[] workload() {
        SplittableRandom random = new SplittableRandom(42);
        OnnxGraph g = new OnnxGraph("infermesh-startup-benchmark").input("x", OnnxGraph.FLOAT, "batch", WIDTH);
        String h = "x";
        double scale = Math.sqrt(2.0 / WIDTH);
        for (int i = 0; i < LAYERS; i++) {
            float[] w = new float[WIDTH * WIDTH];
            for (int j = 0; j < w.length; j++) {
                w[j] = (float) (random.nextGaussian() * scale);
            }
            g.initializer("w" + i, new long[] {WIDTH, WIDTH}, w);
            String mm = "mm" + i;
            String out = i == LAYERS - 1 ? "y" : "h" + i;
            g.node("MatMul", List.of(h, "w" + i), List.of(mm));
            g.node("Relu", List.of(mm), List.of(out));
            h = out;
        }
        return g.output("y", OnnxGraph.FLOAT, "batch", WIDTH).toBytes();
    }
}
