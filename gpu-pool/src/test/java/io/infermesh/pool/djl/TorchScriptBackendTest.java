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
import io.infermesh.pool.spi.LoadedModel;
import io.infermesh.pool.testing.FolderSource;
import io.infermesh.pool.testing.TestModules;
import io.infermesh.pool.testing.TorchScriptArchive;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Framework;
import io.infermesh.store.manifest.Manifest;
import io.infermesh.store.manifest.ManifestFile;
import io.infermesh.store.manifest.TensorSpec;
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

class TorchScriptBackendTest {
    static final List<TensorSpec> MLP_IN = List.of(new TensorSpec("x", "FP32", List.of(-1L, 4L)));
    static final List<TensorSpec> MLP_OUT = List.of(new TensorSpec("y", "FP32", List.of(-1L, 3L)));
    static final List<TensorSpec> PAIR_IN =
            List.of(new TensorSpec("x", "FP32", List.of(-1L, 3L)), new TensorSpec("ids", "INT64", List.of(-1L)));
    static final List<TensorSpec> PAIR_OUT = List.of(
            new TensorSpec("scaled", "FP32", List.of(-1L, 3L)), new TensorSpec("next_ids", "INT64", List.of(-1L)));

    private static TorchRuntime runtime;

    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        runtime = new TorchRuntime(new TorchSettings(1, 1));
    }

    private FolderSource source(Map<String, byte[]> files, List<TensorSpec> inputs, List<TensorSpec> outputs)
            throws IOException {
        List<ManifestFile> list = new ArrayList<>();
        for (var e : files.entrySet()) {
            Files.write(dir.resolve(e.getKey()), e.getValue());
            var s = ContentDigester.digest(e.getValue(), ImportOptions.defaults());
            list.add(new ManifestFile(e.getKey(), s.cid(), s.sizeBytes(), s.sha256()));
        }
        Manifest m = new Manifest(
                Framework.TORCHSCRIPT,
                "raw-tensors",
                list,
                inputs,
                outputs,
                Wei.ZERO,
                "MIT",
                EthAddress.of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"),
                Instant.EPOCH);
        return new FolderSource(dir, m, Map.of());
    }

    private LoadedModel load(FolderSource s) {
        return new TorchScriptBackend(runtime).load(s);
    }

    private static float[] rows(int rows, int cols, int seed) {
        float[] x = new float[rows * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(seed * 31 + i * 0.7) * 2;
        }
        return x;
    }

    private static void assertClose(float[] expected, float[] actual, double tolerance) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tolerance, "element " + i);
        }
    }

    @Test
    void takesItsSignatureFromTheManifest() throws IOException {
        try (LoadedModel m = load(source(Map.of("model.pt", TestModules.pair().toBytes()), PAIR_IN, PAIR_OUT))) {
            ModelSignature s = m.signature();
            assertEquals("pytorch_libtorch", s.platform());
            assertEquals(
                    List.of(
                            new TensorInfo("x", DataType.FP32, TensorShape.of(-1, 3)),
                            new TensorInfo("ids", DataType.INT64, TensorShape.of(-1))),
                    s.inputs());
            assertEquals(
                    List.of(
                            new TensorInfo("scaled", DataType.FP32, TensorShape.of(-1, 3)),
                            new TensorInfo("next_ids", DataType.INT64, TensorShape.of(-1))),
                    s.outputs());
            assertTrue(s.batchable());
        }
        assertTrue(runtime.started());
    }

    @Test
    void computesTheSameAsTheMathInJava() throws IOException {
        try (LoadedModel m = load(source(Map.of("mlp.pt", TestModules.mlp().toBytes()), MLP_IN, MLP_OUT))) {
            float[] x = rows(5, TestModules.MLP_IN, 1);
            List<Tensor> out = m.infer(List.of(Tensor.ofFloats("x", TensorShape.of(5, 4), x)));
            assertEquals(1, out.size());
            assertEquals("y", out.getFirst().name());
            assertEquals(TensorShape.of(5, 3), out.getFirst().shape());
            assertClose(TestModules.mlpReference(x), out.getFirst().floats(), 1e-5);
        }
    }

    @Test
    void mapsATupleResultOntoTheDeclaredOutputs() throws IOException {
        try (LoadedModel m = load(source(Map.of("pair.pt", TestModules.pair().toBytes()), PAIR_IN, PAIR_OUT))) {
            List<Tensor> out = m.infer(List.of(
                    Tensor.ofFloats("x", TensorShape.of(2, 3), new float[] {1, 1, 1, 2, 4, -6}),
                    Tensor.ofLongs("ids", TensorShape.of(2), new long[] {41, Long.MAX_VALUE - 1})));
            assertEquals(
                    List.of("scaled", "next_ids"),
                    out.stream().map(Tensor::name).toList());
            assertArrayEquals(
                    new float[] {0.5f, -2f, 3f, 1f, -8f, -18f}, out.get(0).floats());
            assertEquals(DataType.INT64, out.get(1).type());
            assertArrayEquals(new long[] {42, Long.MAX_VALUE}, out.get(1).longs());
        }
    }

    @Test
    void batchedRowsEqualUnbatchedOnes() throws Exception {
        try (LoadedModel m = load(source(Map.of("mlp.pt", TestModules.mlp().toBytes()), MLP_IN, MLP_OUT))) {
            List<InferRequest> requests = new ArrayList<>();
            for (int r = 0; r < 12; r++) {
                int n = r % 4 + 1;
                requests.add(InferRequest.of(
                        List.of(Tensor.ofFloats("x", TensorShape.of(n, 4), rows(n, TestModules.MLP_IN, r)))));
            }
            ModelStats stats = new ModelStats(Clock.systemUTC());
            try (DynamicBatcher b = new DynamicBatcher(
                    "t", m, new BatchingOptions(64, Duration.ofMillis(50), 64, 1), stats, Ticker.SYSTEM)) {
                List<CompletableFuture<List<Tensor>>> futures =
                        requests.stream().map(b::submit).toList();
                for (int r = 0; r < requests.size(); r++) {
                    float[] batched =
                            futures.get(r).get(30, TimeUnit.SECONDS).getFirst().floats();
                    float[] alone = m.infer(requests.get(r).inputs()).getFirst().floats();
                    assertClose(alone, batched, 1e-6);
                }
            }
            assertTrue(stats.snapshot().executionCount() < requests.size(), "requests were combined");
        }
    }

    @Test
    void carriesEveryElementTypeItAccepts() throws IOException {
        byte[] identity = TorchScriptArchive.module("identity", "Identity")
                .forward("x: Tensor", "Tensor", "return x")
                .toBytes();
        for (DataType type : TorchScriptBackend.TYPES) {
            List<TensorSpec> spec = List.of(new TensorSpec("x", type.name(), List.of(-1L, 2L)));
            List<TensorSpec> out = List.of(new TensorSpec("y", type.name(), List.of(-1L, 2L)));
            Files.deleteIfExists(dir.resolve("identity.pt"));
            try (LoadedModel m = load(source(Map.of("identity.pt", identity), spec, out))) {
                byte[] raw = new byte[4 * type.byteSize()];
                for (int i = 0; i < raw.length; i++) {
                    raw[i] = (byte) (type == DataType.BOOL ? i % 2 : i * 7 + 1);
                }
                Tensor x = new Tensor("x", type, TensorShape.of(2, 2), java.nio.ByteBuffer.wrap(raw));
                Tensor y = m.infer(List.of(x)).getFirst();
                assertEquals(type, y.type(), type.name());
                assertEquals(x.data(), y.data(), type.name());
            }
        }
    }

    @Test
    void refusesAManifestWithoutTensorSpecs() throws IOException {
        FolderSource s = source(Map.of("mlp.pt", TestModules.mlp().toBytes()), List.of(), List.of());
        TorchRuntime fresh = new TorchRuntime(TorchSettings.defaults());
        WorkerException e = assertThrows(WorkerException.class, () -> new TorchScriptBackend(fresh).load(s));
        assertEquals(WorkerException.Code.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("inputs and outputs"), e.getMessage());
        assertTrue(e.getMessage().contains("infermesh.json"), e.getMessage());
        assertFalse(fresh.started(), "refused before PyTorch started");
    }

    @Test
    void refusesATorchSaveCheckpointBeforeLibtorchSeesIt() throws IOException {
        FolderSource s = source(Map.of("model.pt", TestModules.mlp().torchSaveCheckpoint()), MLP_IN, MLP_OUT);
        TorchRuntime fresh = new TorchRuntime(TorchSettings.defaults());
        WorkerException e = assertThrows(WorkerException.class, () -> new TorchScriptBackend(fresh).load(s));
        assertEquals(WorkerException.Code.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("torch.save checkpoint"), e.getMessage());
        assertTrue(e.getMessage().contains("torch.jit"), e.getMessage());
        assertFalse(fresh.started());
    }

    @Test
    void refusesALegacyTorchSavePickle() throws IOException {
        byte[] pickle = {(byte) 0x80, 2, 'K', 1, '.'};
        FolderSource s = source(Map.of("model.pt", pickle), MLP_IN, MLP_OUT);
        WorkerException e = assertThrows(WorkerException.class, () -> load(s));
        assertEquals(WorkerException.Code.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("pickle"), e.getMessage());
    }

    @Test
    void saysClearlyWhenTheFileIsNotTorchScript() throws IOException {
        FolderSource garbage = source(Map.of("model.pt", "definitely not a model".getBytes()), MLP_IN, MLP_OUT);
        WorkerException e = assertThrows(WorkerException.class, () -> load(garbage));
        assertEquals(WorkerException.Code.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("'model.pt' is not a TorchScript archive"), e.getMessage());
    }

    @Test
    void passesLibtorchsCompileErrorOnWithoutItsStack() throws IOException {
        byte[] broken = TorchScriptArchive.module("broken", "Broken")
                .forward("x: Tensor", "Tensor", "return torch.no_such_op(x)")
                .toBytes();
        FolderSource s = source(Map.of("model.pt", broken), MLP_IN, MLP_OUT);
        WorkerException e = assertThrows(WorkerException.class, () -> load(s));
        assertEquals(WorkerException.Code.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().startsWith("libtorch cannot load 'model.pt'"), e.getMessage());
        assertTrue(e.getMessage().contains("no_such_op"), e.getMessage());
        assertFalse(e.getMessage().contains("frame #"), e.getMessage());
    }

    @Test
    void failsClearlyWhenTheModelReturnsMoreOutputsThanDeclared() throws IOException {
        FolderSource s = source(Map.of("pair.pt", TestModules.pair().toBytes()), PAIR_IN, PAIR_OUT.subList(0, 1));
        try (LoadedModel m = load(s)) {
            WorkerException e = assertThrows(
                    WorkerException.class,
                    () -> m.infer(List.of(
                            Tensor.ofFloats("x", TensorShape.of(1, 3), new float[] {1, 2, 3}),
                            Tensor.ofLongs("ids", TensorShape.of(1), new long[] {1}))));
            assertEquals(WorkerException.Code.FAILED_PRECONDITION, e.code());
            assertTrue(e.getMessage().contains("returned 2 values"), e.getMessage());
            assertTrue(e.getMessage().contains("declares 1 outputs [scaled]"), e.getMessage());
        }
    }

    @Test
    void failsClearlyWhenAnOutputHasAnotherTypeThanDeclared() throws IOException {
        List<TensorSpec> wrong = List.of(PAIR_OUT.get(0), new TensorSpec("next_ids", "INT32", List.of(-1L)));
        try (LoadedModel m = load(source(Map.of("pair.pt", TestModules.pair().toBytes()), PAIR_IN, wrong))) {
            WorkerException e = assertThrows(
                    WorkerException.class,
                    () -> m.infer(List.of(
                            Tensor.ofFloats("x", TensorShape.of(1, 3), new float[] {1, 2, 3}),
                            Tensor.ofLongs("ids", TensorShape.of(1), new long[] {1}))));
            assertEquals(WorkerException.Code.FAILED_PRECONDITION, e.code());
            assertTrue(e.getMessage().contains("'next_ids' as INT64 [1]"), e.getMessage());
            assertTrue(e.getMessage().contains("declares INT32 [-1]"), e.getMessage());
        }
    }

    @Test
    void failsClearlyWhenAnOutputHasATypeItCannotRead() throws IOException {
        // torch.to(x, 15): bfloat16, which DJL reads back as an unknown type.
        byte[] bf16 = TorchScriptArchive.module("cast", "Cast")
                .forward("x: Tensor", "Tensor", "return torch.to(x, 15)")
                .toBytes();
        List<TensorSpec> spec = List.of(new TensorSpec("x", "FP32", List.of(-1L)));
        try (LoadedModel m = load(source(Map.of("cast.pt", bf16), spec, spec))) {
            WorkerException e = assertThrows(
                    WorkerException.class,
                    () -> m.infer(List.of(Tensor.ofFloats("x", TensorShape.of(2), new float[] {1, 2}))));
            assertEquals(WorkerException.Code.FAILED_PRECONDITION, e.code());
            assertTrue(e.getMessage().contains("cannot read"), e.getMessage());
        }
    }

    @Test
    void reportsInputsLibtorchRejects() throws IOException {
        List<TensorSpec> loose = List.of(new TensorSpec("x", "FP32", List.of(-1L, -1L)));
        try (LoadedModel m = load(source(Map.of("mlp.pt", TestModules.mlp().toBytes()), loose, MLP_OUT))) {
            WorkerException e = assertThrows(
                    WorkerException.class,
                    () -> m.infer(List.of(Tensor.ofFloats("x", TensorShape.of(1, 2), new float[] {1, 2}))));
            assertEquals(WorkerException.Code.INVALID_ARGUMENT, e.code());
            assertTrue(e.getMessage().startsWith("PyTorch rejected the inputs: "), e.getMessage());
            assertFalse(e.getMessage().contains("frame #"), e.getMessage());
        }
    }

    @Test
    void refusesTensorTypesLibtorchCannotHold() throws IOException {
        List<TensorSpec> text = List.of(new TensorSpec("x", "BYTES", List.of(-1L)));
        FolderSource s = source(Map.of("mlp.pt", TestModules.mlp().toBytes()), text, MLP_OUT);
        WorkerException e = assertThrows(WorkerException.class, () -> load(s));
        assertEquals(WorkerException.Code.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("'x' as BYTES"), e.getMessage());
    }

    @Test
    void asksWhichFileToLoadWhenThereAreSeveral() throws IOException {
        byte[] mlp = TestModules.mlp().toBytes();
        FolderSource s = source(Map.of("a.pt", mlp, "b.torchscript", mlp), MLP_IN, MLP_OUT);
        WorkerException e = assertThrows(WorkerException.class, () -> load(s));
        assertTrue(e.getMessage().contains("model_file"), e.getMessage());
        FolderSource named = new FolderSource(s.directory(), s.manifest(), Map.of("model_file", "b.torchscript"));
        try (LoadedModel m = load(named)) {
            assertEquals(1, m.signature().inputs().size());
        }
    }
}
