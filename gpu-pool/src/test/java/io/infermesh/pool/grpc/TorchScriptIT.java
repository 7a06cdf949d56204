package io.infermesh.pool.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.infermesh.openapi.inference.GRPCInferenceServiceGrpc;
import io.infermesh.openapi.inference.InferTensorContents;
import io.infermesh.openapi.inference.ModelInferRequest;
import io.infermesh.openapi.inference.ModelInferResponse;
import io.infermesh.openapi.inference.ModelMetadataRequest;
import io.infermesh.openapi.inference.ModelMetadataResponse;
import io.infermesh.openapi.inference.ModelStatistics;
import io.infermesh.openapi.inference.ModelStatisticsRequest;
import io.infermesh.openapi.inference.RepositoryIndexRequest;
import io.infermesh.openapi.inference.RepositoryIndexResponse;
import io.infermesh.pool.testing.PublishedModel;
import io.infermesh.pool.testing.TestModules;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Framework;
import io.infermesh.store.manifest.Manifest;
import io.infermesh.store.manifest.ModelPacker;
import io.infermesh.store.manifest.TensorSpec;
import io.infermesh.store.s3.S3BlobStore;
import io.infermesh.store.testing.DeployedService;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * TorchScript models through the packaged worker ({@code deploy/worker.sh}) and S3Proxy ({@code deploy/s3.sh}): model
 * folders with a hand-written TorchScript archive and a model card, packed with {@link ModelPacker} (framework
 * detected from {@code .pt}, tensor specs from the card), published, loaded by manifest CID over presigned URLs, and
 * called over gRPC. The first load starts PyTorch in the worker; how long it took is printed, not asserted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TorchScriptIT {
    static final String MLP = "test/mlp-torchscript:1";
    static final String PAIR = "test/pair-torchscript:1";
    static final EthAddress OWNER = EthAddress.of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23");

    @TempDir
    static Path tmp;

    DeployedService s3;
    DeployedService worker;
    S3BlobStore store;
    PublishedModel mlp;
    ManagedChannel channel;
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;

    @BeforeAll
    void start() throws Exception {
        s3 = DeployedService.start("s3.sh", tmp.resolve("s3"));
        store = S3BlobStore.connect(s3.s3Config("infermesh"));
        worker = DeployedService.start(
                "worker.sh", tmp.resolve("worker"), Map.of("INFERMESH_POOL_BENCHMARK_ENABLED", "false"));
        channel = ManagedChannelBuilder.forTarget(worker.value("WORKER_GRPC"))
                .usePlaintext()
                .build();
        stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
        mlp = publish("mlp", "mlp.pt", TestModules.mlp().toBytes(), """
                "inputs": [{"name": "x", "datatype": "FP32", "shape": [-1, 4]}],
                "outputs": [{"name": "y", "datatype": "FP32", "shape": [-1, 3]}]
                """);
        long begin = System.nanoTime();
        stub.withDeadlineAfter(120, TimeUnit.SECONDS)
                .repositoryModelLoad(PublishedModel.loadRequest(MLP, mlp.presignedParameters()));
        System.out.printf(
                "TorchScriptIT: first TorchScript load (PyTorch start included) took %d ms%n",
                (System.nanoTime() - begin) / 1_000_000);
        try (var log = Files.lines(tmp.resolve("worker").resolve("worker.log"))) {
            log.filter(l -> l.contains("PyTorch") || l.contains("loaded " + MLP))
                    .forEach(l -> System.out.println("TorchScriptIT: worker: " + l));
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow();
        }
        for (DeployedService s : new DeployedService[] {worker, s3}) {
            if (s != null) {
                s.close();
            }
        }
    }

    /** A model folder with {@code file} and a model card holding {@code tensors}, packed and published. */
    private PublishedModel publish(String folder, String file, byte[] bytes, String tensors) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(folder));
        Files.write(dir.resolve(file), bytes);
        Files.writeString(dir.resolve(ModelPacker.MODEL_CARD), """
                {"task": "raw-tensors", "license": "MIT", %s}
                """.formatted(
                        tensors.isBlank() ? "\"pricePerRequestWei\": \"0\"" : tensors.strip()));
        Manifest manifest = ModelPacker.pack(dir, ModelPacker.Options.ownedBy(OWNER));
        return PublishedModel.publish(store, dir, manifest);
    }

    private static float[] features(int rows, int seed) {
        float[] x = new float[rows * TestModules.MLP_IN];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.cos(seed * 13 + i * 0.37) * 3;
        }
        return x;
    }

    private static ModelInferRequest rawRequest(String model, float[] x) {
        ByteBuffer raw = ByteBuffer.allocate(x.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(x);
        return ModelInferRequest.newBuilder()
                .setModelName(model)
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("x")
                        .setDatatype("FP32")
                        .addShape(x.length / TestModules.MLP_IN)
                        .addShape(TestModules.MLP_IN))
                .addRawInputContents(ByteString.copyFrom(raw.array()))
                .build();
    }

    private static float[] rawFloats(ModelInferResponse r, int output) {
        var floats = r.getRawOutputContents(output)
                .asReadOnlyByteBuffer()
                .order(ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer();
        float[] out = new float[floats.remaining()];
        floats.get(out);
        return out;
    }

    private static void assertClose(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-5, "element " + i);
        }
    }

    @Test
    void packsTheModelCardsTensorsIntoATorchScriptManifest() {
        assertEquals(Framework.TORCHSCRIPT, mlp.manifest().framework());
        assertEquals(
                List.of(new TensorSpec("x", "FP32", List.of(-1L, 4L))),
                mlp.manifest().inputs());
        assertEquals(
                List.of(new TensorSpec("y", "FP32", List.of(-1L, 3L))),
                mlp.manifest().outputs());
    }

    @Test
    void describesTheModelFromItsManifest() {
        ModelMetadataResponse meta = stub.modelMetadata(
                ModelMetadataRequest.newBuilder().setName(MLP).build());
        assertEquals("pytorch_libtorch", meta.getPlatform());
        assertEquals(List.of(mlp.manifestCid().toString()), meta.getVersionsList());
        assertEquals("x", meta.getInputs(0).getName());
        assertEquals("FP32", meta.getInputs(0).getDatatype());
        assertEquals(List.of(-1L, 4L), meta.getInputs(0).getShapeList());
        assertEquals(List.of(-1L, 3L), meta.getOutputs(0).getShapeList());
    }

    @Test
    void rawContentsComputeTheSameAsJava() {
        float[] x = features(5, 1);
        ModelInferResponse r = stub.modelInfer(rawRequest(MLP, x));
        assertEquals("y", r.getOutputs(0).getName());
        assertEquals("FP32", r.getOutputs(0).getDatatype());
        assertEquals(List.of(5L, 3L), r.getOutputs(0).getShapeList());
        assertClose(TestModules.mlpReference(x), rawFloats(r, 0));
    }

    @Test
    void typedContentsGiveTheSameResultsAsRawOnes() {
        float[] x = features(2, 2);
        List<Float> values = new ArrayList<>();
        for (float v : x) {
            values.add(v);
        }
        ModelInferResponse typed = stub.modelInfer(ModelInferRequest.newBuilder()
                .setModelName(MLP)
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("x")
                        .setDatatype("FP32")
                        .addShape(2)
                        .addShape(4)
                        .setContents(InferTensorContents.newBuilder().addAllFp32Contents(values)))
                .build());
        assertEquals(0, typed.getRawOutputContentsCount(), "typed in, typed out");
        List<Float> y = typed.getOutputs(0).getContents().getFp32ContentsList();
        float[] raw = rawFloats(stub.modelInfer(rawRequest(MLP, x)), 0);
        assertEquals(raw.length, y.size());
        for (int i = 0; i < raw.length; i++) {
            assertEquals(raw[i], y.get(i));
        }
    }

    @Test
    void concurrentRequestsAreBatchedAndEachGetsItsOwnRows() throws Exception {
        var future = GRPCInferenceServiceGrpc.newFutureStub(channel);
        long executionsBefore = statistics(MLP).getExecutionCount();
        List<float[]> inputs = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            inputs.add(features(i % 3 + 1, 100 + i));
        }
        var calls =
                inputs.stream().map(x -> future.modelInfer(rawRequest(MLP, x))).toList();
        for (int i = 0; i < inputs.size(); i++) {
            assertClose(
                    TestModules.mlpReference(inputs.get(i)),
                    rawFloats(calls.get(i).get(60, TimeUnit.SECONDS), 0));
        }
        long executions = statistics(MLP).getExecutionCount() - executionsBefore;
        assertTrue(executions < inputs.size(), "24 concurrent requests ran in " + executions + " executions");
    }

    private ModelStatistics statistics(String name) {
        return stub.modelStatistics(
                        ModelStatisticsRequest.newBuilder().setName(name).build())
                .getModelStats(0);
    }

    @Test
    void servesTwoInputsAndATupleOfOutputsWithInt64() throws Exception {
        PublishedModel pair = publish("pair", "pair.pt", TestModules.pair().toBytes(), """
                "inputs": [{"name": "x", "datatype": "FP32", "shape": [-1, 3]},
                           {"name": "ids", "datatype": "INT64", "shape": [-1]}],
                "outputs": [{"name": "scaled", "datatype": "FP32", "shape": [-1, 3]},
                            {"name": "next_ids", "datatype": "INT64", "shape": [-1]}]
                """);
        stub.withDeadlineAfter(60, TimeUnit.SECONDS)
                .repositoryModelLoad(PublishedModel.loadRequest(PAIR, pair.presignedParameters()));
        ModelInferResponse r = stub.modelInfer(ModelInferRequest.newBuilder()
                .setModelName(PAIR)
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("x")
                        .setDatatype("FP32")
                        .addShape(2)
                        .addShape(3)
                        .setContents(
                                InferTensorContents.newBuilder().addAllFp32Contents(List.of(1f, 1f, 1f, 2f, 4f, -6f))))
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("ids")
                        .setDatatype("INT64")
                        .addShape(2)
                        .setContents(InferTensorContents.newBuilder()
                                .addInt64Contents(7)
                                .addInt64Contents(-1)))
                .build());
        assertEquals(2, r.getOutputsCount());
        assertEquals("scaled", r.getOutputs(0).getName());
        assertEquals(
                List.of(0.5f, -2f, 3f, 1f, -8f, -18f),
                r.getOutputs(0).getContents().getFp32ContentsList());
        assertEquals("next_ids", r.getOutputs(1).getName());
        assertEquals("INT64", r.getOutputs(1).getDatatype());
        assertEquals(List.of(8L, 0L), r.getOutputs(1).getContents().getInt64ContentsList());
    }

    @Test
    void refusesATorchSaveCheckpointAndSaysWhy() throws Exception {
        PublishedModel checkpoint =
                publish("checkpoint", "model.pt", TestModules.mlp().torchSaveCheckpoint(), """
                "inputs": [{"name": "x", "datatype": "FP32", "shape": [-1, 4]}],
                "outputs": [{"name": "y", "datatype": "FP32", "shape": [-1, 3]}]
                """);
        String name = "test/checkpoint:1";
        StatusRuntimeException e =
                assertThrows(StatusRuntimeException.class, () -> stub.withDeadlineAfter(60, TimeUnit.SECONDS)
                        .repositoryModelLoad(PublishedModel.loadRequest(name, checkpoint.presignedParameters())));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(
                e.getStatus().getDescription().contains("torch.save checkpoint"),
                e.getStatus().getDescription());
        RepositoryIndexResponse.ModelIndex entry = index(name);
        assertEquals("UNAVAILABLE", entry.getState());
        assertTrue(entry.getReason().contains("torch.jit"), entry.getReason());
    }

    @Test
    void refusesAManifestWithoutTensorSpecs() throws Exception {
        PublishedModel bare = publish("bare", "model.pt", TestModules.mlp().toBytes(), "");
        StatusRuntimeException e =
                assertThrows(StatusRuntimeException.class, () -> stub.withDeadlineAfter(60, TimeUnit.SECONDS)
                        .repositoryModelLoad(PublishedModel.loadRequest("test/bare:1", bare.presignedParameters())));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(
                e.getStatus().getDescription().contains("inputs and outputs"),
                e.getStatus().getDescription());
    }

    private RepositoryIndexResponse.ModelIndex index(String name) {
        return stub.repositoryIndex(RepositoryIndexRequest.getDefaultInstance()).getModelsList().stream()
                .filter(m -> m.getName().equals(name))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void theWorkerHasLibtorchLoadedOnceATorchScriptModelIs() throws IOException, InterruptedException {
        // The counterpart of WorkerIT.anOnnxOnlyWorkerNeverLoadsLibtorch: the same check sees libtorch when it is
        // there.
        String maps = Files.readString(Path.of("/proc", worker.value("PID"), "maps"));
        assertTrue(maps.contains("libtorch_cpu.so"), "libtorch is mapped into the worker");
        HttpResponse<String> ready = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(worker.value("WORKER_HTTP") + "/q/health/ready"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertTrue(ready.body().contains("pytorchStartupMs"), ready.body());
    }
}
