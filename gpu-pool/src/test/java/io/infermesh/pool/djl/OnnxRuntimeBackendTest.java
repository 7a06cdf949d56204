package io.infermesh.pool.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.pool.DataType;
import io.infermesh.pool.InferRequest;
import io.infermesh.pool.ModelSignature;
import io.infermesh.pool.Tensor;
import io.infermesh.pool.TensorInfo;
import io.infermesh.pool.TensorShape;
import io.infermesh.pool.Ticker;
import io.infermesh.pool.WorkerException;
import io.infermesh.pool.batch.BatchingOptions;
import io.infermesh.pool.batch.DynamicBatcher;
import io.infermesh.pool.batch.ModelStats;
import io.infermesh.pool.bench.OnnxGraph;
import io.infermesh.pool.spi.LoadedModel;
import io.infermesh.pool.testing.FolderSource;
import io.infermesh.pool.testing.TestGraphs;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Framework;
import io.infermesh.store.manifest.Manifest;
import io.infermesh.store.manifest.ManifestFile;
import io.infermesh.store.manifest.Wei;
import io.infermesh.store.unixfs.ContentDigester;
import io.infermesh.store.unixfs.ImportOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxRuntimeBackendTest {
    private static OrtRuntime runtime;

    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        runtime = new OrtRuntime(new OrtSettings(1, 1));
    }

    private FolderSource source(Map<String, byte[]> files, Map<String, String> parameters) throws IOException {
        List<ManifestFile> list = new ArrayList<>();
        for (var e : files.entrySet()) {
            Files.write(dir.resolve(e.getKey()), e.getValue());
            var s = ContentDigester.digest(e.getValue(), ImportOptions.defaults());
            list.add(new ManifestFile(e.getKey(), s.cid(), s.sizeBytes(), s.sha256()));
        }
        Manifest m = new Manifest(
                Framework.ONNX,
                "raw-tensors",
                list,
                List.of(),
                List.of(),
                Wei.ZERO,
                "MIT",
                EthAddress.of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"),
                Instant.EPOCH);
        return new FolderSource(dir, m, parameters);
    }

    @Test
    void readsNamesTypesAndDynamicShapesFromTheGraph() throws IOException {
        try (LoadedModel m =
                new OnnxRuntimeBackend(runtime).load(source(Map.of("model.onnx", TestGraphs.affine()), Map.of()))) {
            ModelSignature s = m.signature();
            assertEquals("onnxruntime_onnx", s.platform());
            assertEquals(
                    List.of(
                            new TensorInfo("x", DataType.FP32, TensorShape.of(-1, 3)),
                            new TensorInfo("ids", DataType.INT64, TensorShape.of(-1))),
                    s.inputs());
            assertEquals(
                    List.of(
                            new TensorInfo("y", DataType.FP32, TensorShape.of(-1, 2)),
                            new TensorInfo("ids_out", DataType.INT64, TensorShape.of(-1))),
                    s.outputs());
            assertTrue(s.batchable());
        }
    }

    @Test
    void computesTheGraph() throws IOException {
        try (LoadedModel m =
                new OnnxRuntimeBackend(runtime).load(source(Map.of("model.onnx", TestGraphs.affine()), Map.of()))) {
            List<Tensor> out = m.infer(List.of(
                    Tensor.ofFloats("x", TensorShape.of(2, 3), new float[] {1, 0, 0, 1, 1, 1}),
                    Tensor.ofLongs("ids", TensorShape.of(2), new long[] {7, -9})));
            assertArrayEquals(new float[] {1, 2, 9, 12}, out.get(0).floats());
            assertEquals(TensorShape.of(2, 2), out.get(0).shape());
            assertArrayEquals(new long[] {7, -9}, out.get(1).longs());
        }
    }

    @Test
    void batchedResultsEqualUnbatchedOnes() throws Exception {
        try (LoadedModel m =
                new OnnxRuntimeBackend(runtime).load(source(Map.of("model.onnx", TestGraphs.affine()), Map.of()))) {
            List<InferRequest> requests = new ArrayList<>();
            for (int r = 0; r < 12; r++) {
                int rows = r % 4 + 1;
                float[] x = new float[rows * 3];
                long[] ids = new long[rows];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) Math.sin(r * 31 + i);
                }
                for (int i = 0; i < rows; i++) {
                    ids[i] = r * 100L + i;
                }
                requests.add(InferRequest.of(List.of(
                        Tensor.ofFloats("x", TensorShape.of(rows, 3), x),
                        Tensor.ofLongs("ids", TensorShape.of(rows), ids))));
            }
            ModelStats stats = new ModelStats(Clock.systemUTC());
            try (DynamicBatcher b = new DynamicBatcher(
                    "t", m, new BatchingOptions(64, Duration.ofMillis(50), 64, 1), stats, Ticker.SYSTEM)) {
                List<CompletableFuture<List<Tensor>>> futures =
                        requests.stream().map(b::submit).toList();
                for (int r = 0; r < requests.size(); r++) {
                    List<Tensor> batched = futures.get(r).get(10, TimeUnit.SECONDS);
                    List<Tensor> alone = m.infer(requests.get(r).inputs());
                    assertArrayEquals(alone.get(0).floats(), batched.get(0).floats());
                    assertArrayEquals(alone.get(1).longs(), batched.get(1).longs());
                }
            }
            assertTrue(stats.snapshot().executionCount() < requests.size(), "requests were combined");
        }
    }

    @Test
    void aGraphWithAFixedFirstDimensionIsNotBatchable() throws IOException {
        byte[] fixed = new OnnxGraph("fixed")
                .input("x", OnnxGraph.FLOAT, 2, 3)
                .node("Relu", List.of("x"), List.of("y"))
                .output("y", OnnxGraph.FLOAT, 2, 3)
                .toBytes();
        try (LoadedModel m = new OnnxRuntimeBackend(runtime).load(source(Map.of("model.onnx", fixed), Map.of()))) {
            assertFalse(m.signature().batchable());
        }
    }

    @Test
    void refusesBytesThatAreNotAnOnnxModel() throws IOException {
        FolderSource s = source(Map.of("model.onnx", "definitely not protobuf".getBytes()), Map.of());
        WorkerException e = assertThrows(WorkerException.class, () -> new OnnxRuntimeBackend(runtime).load(s));
        assertEquals(WorkerException.Code.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("model.onnx"), e.getMessage());
    }

    @Test
    void asksWhichFileToLoadWhenThereAreSeveral() throws IOException {
        FolderSource s = source(Map.of("a.onnx", TestGraphs.affine(), "b.onnx", TestGraphs.affine()), Map.of());
        WorkerException e = assertThrows(WorkerException.class, () -> new OnnxRuntimeBackend(runtime).load(s));
        assertTrue(e.getMessage().contains("model_file"), e.getMessage());
        FolderSource named = source(
                Map.of("a.onnx", TestGraphs.affine(), "b.onnx", TestGraphs.affine()), Map.of("model_file", "b.onnx"));
        try (LoadedModel m = new OnnxRuntimeBackend(runtime).load(named)) {
            assertEquals(2, m.signature().inputs().size());
        }
    }

    @Test
    void theStartupBenchmarkProducesAScore() {
        var report = OrtBenchmark.run(runtime, Duration.ofMillis(100));
        assertTrue(report.score() > 0, "score " + report.score());
        assertTrue(report.runs() > 0);
        assertTrue(report.engine().startsWith("onnxruntime 1."), report.engine());
        assertTrue(report.hardware().cpuCores() >= 1);
    }
}
