package io.infermesh.pool.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.MetadataUtils;
import io.infermesh.openapi.inference.GRPCInferenceServiceGrpc;
import io.infermesh.openapi.inference.InferTensorContents;
import io.infermesh.openapi.inference.ModelInferRequest;
import io.infermesh.openapi.inference.ModelInferResponse;
import io.infermesh.openapi.inference.ModelMetadataRequest;
import io.infermesh.openapi.inference.ModelMetadataResponse;
import io.infermesh.openapi.inference.ModelReadyRequest;
import io.infermesh.openapi.inference.ModelStatistics;
import io.infermesh.openapi.inference.ModelStatisticsRequest;
import io.infermesh.openapi.inference.RepositoryIndexRequest;
import io.infermesh.openapi.inference.RepositoryIndexResponse;
import io.infermesh.openapi.inference.RepositoryModelUnloadRequest;
import io.infermesh.openapi.inference.ServerLiveRequest;
import io.infermesh.openapi.inference.ServerMetadataRequest;
import io.infermesh.openapi.inference.ServerReadyRequest;
import io.infermesh.pool.testing.MiniLm;
import io.infermesh.pool.testing.PublishedModel;
import io.infermesh.pool.testing.TestGraphs;
import io.infermesh.router.WorkerId;
import io.infermesh.router.auth.TokenSigner;
import io.infermesh.router.auth.WorkerAuth;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Framework;
import io.infermesh.store.manifest.Manifest;
import io.infermesh.store.manifest.ModelPacker;
import io.infermesh.store.s3.S3BlobStore;
import io.infermesh.store.testing.DeployedService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged worker as a separate process (started by {@code deploy/worker.sh}), S3Proxy as the store
 * ({@code deploy/s3.sh}), the real all-MiniLM-L6-v2 published through the model store and loaded by manifest CID over
 * presigned URLs: the worker holds no store credentials.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkerIT {
    static final String MINILM = "demo/all-minilm-l6-v2:latest";
    static final long MAX_REQUEST_BYTES = 1 << 20;

    @TempDir
    static Path tmp;

    DeployedService s3;
    DeployedService worker;
    S3BlobStore store;
    PublishedModel minilm;
    MiniLm reference;
    ManagedChannel channel;
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;

    @BeforeAll
    void start() throws Exception {
        s3 = DeployedService.start("s3.sh", tmp.resolve("s3"));
        store = S3BlobStore.connect(s3.s3Config("infermesh"));
        Path folder = MiniLm.writeModelFolder(tmp.resolve("minilm"));
        Manifest manifest = ModelPacker.pack(
                folder, ModelPacker.Options.ownedBy(EthAddress.of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23")));
        minilm = PublishedModel.publish(store, folder, manifest);
        reference = MiniLm.reference(folder);
        worker = DeployedService.start(
                "worker.sh",
                tmp.resolve("worker"),
                Map.of(
                        "INFERMESH_POOL_MAX_REQUEST_BYTES",
                        Long.toString(MAX_REQUEST_BYTES),
                        "INFERMESH_POOL_BENCHMARK_DURATION",
                        "200ms"));
        channel = ManagedChannelBuilder.forTarget(worker.value("WORKER_GRPC"))
                .usePlaintext()
                .build();
        stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
        stub.withDeadlineAfter(60, TimeUnit.SECONDS)
                .repositoryModelLoad(PublishedModel.loadRequest(MINILM, minilm.presignedParameters()));
    }

    @AfterAll
    void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (reference != null) {
            reference.close();
        }
        for (DeployedService s : new DeployedService[] {worker, s3}) {
            if (s != null) {
                s.close();
            }
        }
    }

    static float[][] embeddings(ModelInferResponse r) {
        assertEquals("embedding", r.getOutputs(0).getName());
        assertEquals("FP32", r.getOutputs(0).getDatatype());
        int n = (int) r.getOutputs(0).getShape(0);
        int dim = (int) r.getOutputs(0).getShape(1);
        float[][] out = new float[n][dim];
        if (r.getRawOutputContentsCount() > 0) {
            var floats = r.getRawOutputContents(0)
                    .asReadOnlyByteBuffer()
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer();
            for (float[] row : out) {
                floats.get(row);
            }
        } else {
            List<Float> values = r.getOutputs(0).getContents().getFp32ContentsList();
            for (int i = 0; i < n; i++) {
                for (int d = 0; d < dim; d++) {
                    out[i][d] = values.get(i * dim + d);
                }
            }
        }
        return out;
    }

    private StatusRuntimeException fails(Runnable call) {
        return assertThrows(StatusRuntimeException.class, call::run);
    }

    @Test
    void servesMiniLmEmbeddingsThatMatchOnnxRuntimeDirectly() throws Exception {
        List<String> texts = MiniLm.sentences();
        ModelInferResponse response = stub.modelInfer(MiniLm.textRequest(MINILM, texts));
        float[][] e = embeddings(response);
        assertEquals(texts.size(), e.length);
        assertEquals("token_count", response.getOutputs(1).getName());
        assertEquals("INT64", response.getOutputs(1).getDatatype());
        var counts = response.getRawOutputContents(1).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        for (String text : texts) {
            assertEquals(reference.tokens(text), counts.getLong(), "tokens of '" + text + "'");
        }
        for (int i = 0; i < e.length; i++) {
            assertEquals(MiniLm.DIM, e[i].length);
            assertEquals(1.0, Math.sqrt(MiniLm.cosine(e[i], e[i])), 1e-5, "unit norm");
            float diff = MiniLm.maxAbsDiff(reference.embed(texts.get(i)), e[i]);
            assertTrue(diff < 1e-5, "row " + i + " differs from direct ONNX Runtime by " + diff);
        }
        double paraphrase = MiniLm.cosine(e[0], e[1]);
        double unrelated = MiniLm.cosine(e[0], e[2]);
        assertTrue(paraphrase > unrelated + 0.3, "paraphrase " + paraphrase + " vs unrelated " + unrelated);
    }

    @Test
    void describesTheModelAndItsVersion() {
        ModelMetadataResponse meta = stub.modelMetadata(
                ModelMetadataRequest.newBuilder().setName(MINILM).build());
        assertEquals(List.of(minilm.manifestCid().toString()), meta.getVersionsList());
        assertEquals("text", meta.getInputs(0).getName());
        assertEquals("BYTES", meta.getInputs(0).getDatatype());
        assertEquals(List.of(-1L), meta.getInputs(0).getShapeList());
        assertEquals(List.of(-1L, 384L), meta.getOutputs(0).getShapeList());
        assertEquals("token_count", meta.getOutputs(1).getName());
        assertEquals("INT64", meta.getOutputs(1).getDatatype());
        assertTrue(stub.modelReady(ModelReadyRequest.newBuilder()
                        .setName(MINILM)
                        .setVersion(minilm.manifestCid().toString())
                        .build())
                .getReady());
        assertTrue(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
        assertEquals(
                "infermesh-gpu-pool",
                stub.serverMetadata(ServerMetadataRequest.getDefaultInstance()).getName());
    }

    @Test
    void typedContentsGiveTheSameEmbeddingsAsRawOnes() {
        List<String> texts = List.of("typed contents", "still the same model");
        ModelInferRequest typed = ModelInferRequest.newBuilder()
                .setModelName(MINILM)
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("text")
                        .setDatatype("BYTES")
                        .addShape(2)
                        .setContents(InferTensorContents.newBuilder()
                                .addBytesContents(ByteString.copyFromUtf8(texts.get(0)))
                                .addBytesContents(ByteString.copyFromUtf8(texts.get(1)))))
                .build();
        ModelInferResponse typedResponse = stub.modelInfer(typed);
        assertEquals(0, typedResponse.getRawOutputContentsCount(), "typed in, typed out");
        float[][] a = embeddings(typedResponse);
        float[][] b = embeddings(stub.modelInfer(MiniLm.textRequest(MINILM, texts)));
        for (int i = 0; i < 2; i++) {
            assertEquals(0f, MiniLm.maxAbsDiff(a[i], b[i]));
        }
    }

    @Test
    void concurrentRequestsAreBatchedAndEachGetsItsOwnEmbeddings() throws Exception {
        var future = GRPCInferenceServiceGrpc.newFutureStub(channel);
        long executionsBefore = statistics().getExecutionCount();
        long inferencesBefore = statistics().getInferenceCount();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            texts.add("request number " + i + " " + "word ".repeat(i % 7));
        }
        var calls = texts.stream()
                .map(t -> future.modelInfer(MiniLm.textRequest(MINILM, List.of(t))))
                .toList();
        float worst = 0;
        for (int i = 0; i < texts.size(); i++) {
            float[] got = embeddings(calls.get(i).get(60, TimeUnit.SECONDS))[0];
            worst = Math.max(worst, MiniLm.maxAbsDiff(reference.embed(texts.get(i)), got));
        }
        // Padding inside a batch changes results only by float rounding.
        assertTrue(worst < 1e-5, "batched results differ from single-sentence ONNX Runtime by " + worst);
        ModelStatistics s = statistics();
        assertEquals(texts.size(), s.getInferenceCount() - inferencesBefore);
        assertTrue(
                s.getExecutionCount() - executionsBefore < texts.size(),
                "24 concurrent requests ran in " + (s.getExecutionCount() - executionsBefore) + " executions");
        assertTrue(s.getBatchStatsList().stream().anyMatch(b -> b.getBatchSize() > 1));
    }

    private ModelStatistics statistics() {
        return stub.modelStatistics(
                        ModelStatisticsRequest.newBuilder().setName(MINILM).build())
                .getModelStats(0);
    }

    @Test
    void reportsStatisticsAndPrometheusMetrics() throws Exception {
        stub.modelInfer(MiniLm.textRequest(MINILM, List.of("count me")));
        fails(() -> stub.modelInfer(MiniLm.textRequest("nobody/loaded:this", List.of("x"))));
        ModelStatistics s = statistics();
        assertTrue(s.getInferenceStats().getSuccess().getCount() >= 1);
        assertTrue(s.getInferenceStats().getComputeInfer().getNs() > 0);
        assertTrue(s.getInferenceStats().getQueue().getCount() >= 1);
        assertTrue(s.getLastInference() > 0);
        HttpResponse<String> metrics = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(worker.value("WORKER_HTTP") + "/q/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(200, metrics.statusCode());
        assertTrue(
                metrics.body().contains("infermesh_pool_requests_success_total{model=\"" + MINILM + "\"}"),
                metrics.body());
        assertTrue(metrics.body().contains("infermesh_pool_capability_score"));
        assertTrue(
                metrics.body().contains("\ninfermesh_pool_inflight_calls 0.0"),
                "answered and refused calls are no longer in flight: " + metrics.body());
        HttpResponse<String> ready = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(worker.value("WORKER_HTTP") + "/q/health/ready"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ready.statusCode());
        assertTrue(ready.body().contains("capabilityScore"), ready.body());
    }

    @Test
    void answersBadRequestsWithStatusesAPersonCanActOn() {
        StatusRuntimeException unknown =
                fails(() -> stub.modelInfer(MiniLm.textRequest("nobody/none:1", List.of("x"))));
        assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
        assertTrue(unknown.getStatus().getDescription().contains("RepositoryModelLoad"));
        assertEquals("NOT_FOUND", errorInfo(unknown).getReason());

        ModelInferRequest good = MiniLm.textRequest(MINILM, List.of("x"));
        StatusRuntimeException wrongName = fails(() -> stub.modelInfer(good.toBuilder()
                .setInputs(0, good.getInputs(0).toBuilder().setName("txt"))
                .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, wrongName.getStatus().getCode());
        assertTrue(wrongName.getStatus().getDescription().contains("no input 'txt'"));

        StatusRuntimeException wrongType = fails(() -> stub.modelInfer(good.toBuilder()
                .setInputs(0, good.getInputs(0).toBuilder().setDatatype("FP32"))
                .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, wrongType.getStatus().getCode());

        StatusRuntimeException wrongShape = fails(() -> stub.modelInfer(good.toBuilder()
                .setInputs(
                        0,
                        good.getInputs(0).toBuilder().clearShape().addShape(1).addShape(1))
                .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, wrongShape.getStatus().getCode());
        assertTrue(wrongShape.getStatus().getDescription().contains("expects [-1]"));

        ByteBuffer lying = ByteBuffer.allocate(6)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(1000)
                .put((byte) 'h')
                .put((byte) 'i');
        StatusRuntimeException malformed = fails(() -> stub.modelInfer(good.toBuilder()
                .setRawInputContents(0, ByteString.copyFrom(lying.flip()))
                .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, malformed.getStatus().getCode());
        assertTrue(malformed.getStatus().getDescription().contains("claims 1000 bytes"));

        StatusRuntimeException missingRaw = fails(() -> stub.modelInfer(good.toBuilder()
                .addRawInputContents(ByteString.copyFromUtf8("extra"))
                .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, missingRaw.getStatus().getCode());

        String big = "a".repeat((int) MAX_REQUEST_BYTES);
        StatusRuntimeException oversized = fails(() -> stub.modelInfer(MiniLm.textRequest(MINILM, List.of(big, big))));
        assertEquals(Status.Code.INVALID_ARGUMENT, oversized.getStatus().getCode());
        assertTrue(oversized.getStatus().getDescription().contains("max-request-bytes"));

        StatusRuntimeException version = fails(
                () -> stub.modelInfer(good.toBuilder().setModelVersion("7").build()));
        assertEquals(Status.Code.NOT_FOUND, version.getStatus().getCode());

        StatusRuntimeException badCid = fails(
                () -> stub.repositoryModelLoad(PublishedModel.loadRequest("x", Map.of("manifest_cid", "not-a-cid"))));
        assertEquals(Status.Code.INVALID_ARGUMENT, badCid.getStatus().getCode());
        StatusRuntimeException noCid = fails(() -> stub.repositoryModelLoad(PublishedModel.loadRequest("x", Map.of())));
        assertTrue(noCid.getStatus().getDescription().contains("manifest_cid"));
        StatusRuntimeException noSource = fails(() -> stub.repositoryModelLoad(PublishedModel.loadRequest(
                "x", Map.of("manifest_cid", minilm.manifestCid().toString()))));
        assertEquals(Status.Code.INVALID_ARGUMENT, noSource.getStatus().getCode());
        assertTrue(noSource.getStatus().getDescription().contains("blob_url"));

        // The worker is still healthy and serving.
        assertEquals(1, embeddings(stub.modelInfer(good)).length);
    }

    private static ErrorInfo errorInfo(StatusRuntimeException e) {
        try {
            com.google.rpc.Status status = StatusProto.fromThrowable(e);
            return status.getDetails(0).unpack(ErrorInfo.class);
        } catch (com.google.protobuf.InvalidProtocolBufferException x) {
            throw new AssertionError(x);
        }
    }

    @Test
    void aCorruptedDownloadLeavesNothingLoadedAndSaysWhy() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("tampered"));
        Files.write(dir.resolve("model.onnx"), TestGraphs.affine());
        Files.writeString(dir.resolve("README.md"), "weights card, never downloaded before: " + System.nanoTime());
        Manifest manifest = ModelPacker.pack(
                dir, ModelPacker.Options.ownedBy(EthAddress.of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23")));
        PublishedModel published = PublishedModel.publish(store, dir, manifest);
        Map<String, String> params = new LinkedHashMap<>(published.presignedParameters());
        var readme = published.file("README.md");
        var onnx = published.file("model.onnx");
        // The URL for README.md serves another blob's bytes: a tampering peer.
        params.put("blob_url:" + readme.cid(), params.get("blob_url:" + onnx.cid()));
        String name = "tampered/affine:1";
        StatusRuntimeException e = fails(() -> stub.withDeadlineAfter(60, TimeUnit.SECONDS)
                .repositoryModelLoad(PublishedModel.loadRequest(name, params)));
        assertEquals(Status.Code.DATA_LOSS, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains(readme.cid().toString()));
        assertFalse(stub.modelReady(ModelReadyRequest.newBuilder().setName(name).build())
                .getReady());
        RepositoryIndexResponse.ModelIndex entry = index(name).orElseThrow();
        assertEquals("UNAVAILABLE", entry.getState());
        assertTrue(entry.getReason().contains(readme.cid().toString()), entry.getReason());
        assertEquals(
                Status.Code.NOT_FOUND,
                fails(() -> stub.modelInfer(MiniLm.textRequest(name, List.of("x"))))
                        .getStatus()
                        .getCode());
        // With honest URLs the same model loads.
        stub.repositoryModelLoad(PublishedModel.loadRequest(name, published.presignedParameters()));
        assertEquals("READY", index(name).orElseThrow().getState());
    }

    private Optional<RepositoryIndexResponse.ModelIndex> index(String name) {
        return stub.repositoryIndex(RepositoryIndexRequest.getDefaultInstance()).getModelsList().stream()
                .filter(m -> m.getName().equals(name))
                .findFirst();
    }

    @Test
    void refusesAPickleBasedModel() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("pickle"));
        Files.write(dir.resolve("model.onnx"), TestGraphs.affine());
        Manifest clean = ModelPacker.pack(
                dir, ModelPacker.Options.ownedBy(EthAddress.of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23")));
        // A manifest can name a pickle even though the packer never writes one; the worker must refuse it anyway.
        Files.write(dir.resolve("extra.pkl"), new byte[] {(byte) 0x80, 4, 'K', 1, '.'});
        var pkl = io.infermesh.store.unixfs.ContentDigester.digest(
                dir.resolve("extra.pkl"), io.infermesh.store.unixfs.ImportOptions.defaults());
        List<io.infermesh.store.manifest.ManifestFile> files = new ArrayList<>(clean.files());
        files.add(new io.infermesh.store.manifest.ManifestFile("extra.pkl", pkl.cid(), pkl.sizeBytes(), pkl.sha256()));
        Manifest withPickle = new Manifest(
                Framework.ONNX,
                "raw-tensors",
                files,
                List.of(),
                List.of(),
                clean.pricePerRequest(),
                clean.license(),
                clean.owner(),
                clean.createdAt());
        PublishedModel published = PublishedModel.publish(store, dir, withPickle);
        StatusRuntimeException e = fails(() -> stub.repositoryModelLoad(
                PublishedModel.loadRequest("pickled/model:1", published.presignedParameters())));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("pickle"));
    }

    @Test
    void servesAnyOnnxModelAsRawTensorsAndUnloadsIt() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("affine"));
        Files.write(dir.resolve("model.onnx"), TestGraphs.affine());
        Manifest manifest = ModelPacker.pack(
                dir, ModelPacker.Options.ownedBy(EthAddress.of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23")));
        PublishedModel published = PublishedModel.publish(store, dir, manifest);
        String name = "test/affine:1";
        stub.repositoryModelLoad(PublishedModel.loadRequest(name, published.presignedParameters()));
        ModelInferResponse r = stub.modelInfer(ModelInferRequest.newBuilder()
                .setModelName(name)
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("x")
                        .setDatatype("FP32")
                        .addShape(2)
                        .addShape(3)
                        .setContents(
                                InferTensorContents.newBuilder().addAllFp32Contents(List.of(1f, 0f, 0f, 1f, 1f, 1f))))
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("ids")
                        .setDatatype("INT64")
                        .addShape(2)
                        .setContents(InferTensorContents.newBuilder()
                                .addInt64Contents(5)
                                .addInt64Contents(6)))
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder()
                        .setName("y"))
                .build());
        assertEquals(1, r.getOutputsCount());
        assertEquals(List.of(1f, 2f, 9f, 12f), r.getOutputs(0).getContents().getFp32ContentsList());
        assertEquals(List.of(2L, 2L), r.getOutputs(0).getShapeList());

        stub.repositoryModelUnload(
                RepositoryModelUnloadRequest.newBuilder().setModelName(name).build());
        assertEquals(
                Status.Code.NOT_FOUND,
                fails(() -> stub.modelMetadata(
                                ModelMetadataRequest.newBuilder().setName(name).build()))
                        .getStatus()
                        .getCode());
        assertTrue(index(name).isEmpty());
    }

    @Test
    void anOnnxOnlyWorkerNeverLoadsLibtorch() throws Exception {
        // Loads and serves ONNX models first, so any path that could start PyTorch has run.
        stub.modelInfer(MiniLm.textRequest(MINILM, List.of("only onnx here")));
        String maps = Files.readString(Path.of("/proc", worker.value("PID"), "maps"));
        assertFalse(maps.contains("libtorch"), "libtorch is mapped into a worker that never loaded TorchScript");
        assertFalse(maps.contains("libdjl_torch"), "DJL's PyTorch JNI is mapped into an ONNX-only worker");
        HttpResponse<String> ready = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(worker.value("WORKER_HTTP") + "/q/health/ready"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertFalse(ready.body().contains("pytorchStartupMs"), ready.body());
    }

    @Test
    void forwardsToAnUpstreamServerInTritonMode() throws Exception {
        try (DeployedService front = DeployedService.start(
                "worker.sh",
                tmp.resolve("front"),
                Map.of(
                        "INFERMESH_POOL_BACKEND", "triton",
                        "INFERMESH_POOL_TRITON_TARGET", worker.value("WORKER_GRPC"),
                        "INFERMESH_POOL_BENCHMARK_ENABLED", "false"))) {
            ManagedChannel frontChannel = ManagedChannelBuilder.forTarget(front.value("WORKER_GRPC"))
                    .usePlaintext()
                    .build();
            try {
                var frontStub = GRPCInferenceServiceGrpc.newBlockingStub(frontChannel);
                String name = "forwarded/minilm:1";
                frontStub
                        .withDeadlineAfter(60, TimeUnit.SECONDS)
                        .repositoryModelLoad(PublishedModel.loadRequest(name, minilm.presignedParameters()));
                assertTrue(
                        stub.modelReady(ModelReadyRequest.newBuilder()
                                        .setName(name)
                                        .build())
                                .getReady(),
                        "the upstream loaded it");
                ModelMetadataResponse meta = frontStub.modelMetadata(
                        ModelMetadataRequest.newBuilder().setName(name).build());
                assertEquals("text", meta.getInputs(0).getName());
                List<String> texts = MiniLm.sentences();
                float[][] viaFront = embeddings(frontStub.modelInfer(MiniLm.textRequest(name, texts)));
                float[][] direct = embeddings(stub.modelInfer(MiniLm.textRequest(MINILM, texts)));
                for (int i = 0; i < texts.size(); i++) {
                    assertEquals(0f, MiniLm.maxAbsDiff(direct[i], viaFront[i]));
                }
                StatusRuntimeException bad =
                        fails(() -> frontStub.modelInfer(MiniLm.textRequest(name, List.of("x")).toBuilder()
                                .setInputs(
                                        0,
                                        ModelInferRequest.InferInputTensor.newBuilder()
                                                .setName("text")
                                                .setDatatype("FP32")
                                                .addShape(1))
                                .build()));
                assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
                frontStub.repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder()
                        .setModelName(name)
                        .build());
                assertFalse(
                        stub.modelReady(ModelReadyRequest.newBuilder()
                                        .setName(name)
                                        .build())
                                .getReady(),
                        "the unload was forwarded");
            } finally {
                frontChannel.shutdownNow();
            }
        }
    }

    @Test
    void answersOnlyCallersWithAGatewayTokenWhenKeysAreConfigured() throws Exception {
        KeyPair gateway = WorkerAuth.generateKeyPair();
        try (DeployedService guarded = DeployedService.start(
                "worker.sh",
                tmp.resolve("guarded"),
                Map.of(
                        "INFERMESH_POOL_AUTH_WORKER_ID", "pool-a/worker-1",
                        "INFERMESH_POOL_AUTH_GATEWAY_KEYS", "gw1=" + WorkerAuth.encode(gateway.getPublic()),
                        "INFERMESH_POOL_BENCHMARK_ENABLED", "false"))) {
            ManagedChannel channel = ManagedChannelBuilder.forTarget(guarded.value("WORKER_GRPC"))
                    .usePlaintext()
                    .build();
            try {
                var bare = GRPCInferenceServiceGrpc.newBlockingStub(channel);
                assertEquals(
                        Status.Code.UNAUTHENTICATED,
                        fails(() -> bare.serverLive(ServerLiveRequest.getDefaultInstance()))
                                .getStatus()
                                .getCode());
                TokenSigner signer = new TokenSigner(
                        "gw1", gateway.getPrivate(), Duration.ofMinutes(5), java.time.InstantSource.system());
                TokenSigner stranger = new TokenSigner(
                        "gw1",
                        WorkerAuth.generateKeyPair().getPrivate(),
                        Duration.ofMinutes(5),
                        java.time.InstantSource.system());
                for (String token : List.of(
                        stranger.tokenFor(new WorkerId("pool-a/worker-1")),
                        signer.tokenFor(new WorkerId("pool-a/worker-2")))) {
                    assertEquals(
                            Status.Code.UNAUTHENTICATED,
                            fails(() -> withToken(bare, token).serverLive(ServerLiveRequest.getDefaultInstance()))
                                    .getStatus()
                                    .getCode(),
                            "a token from an unknown key or for another worker is refused");
                }
                var authorized = withToken(bare, signer.tokenFor(new WorkerId("pool-a/worker-1")));
                assertTrue(authorized
                        .serverLive(ServerLiveRequest.getDefaultInstance())
                        .getLive());
                assertEquals(
                        Status.Code.NOT_FOUND,
                        fails(() -> authorized.modelInfer(MiniLm.textRequest("nobody/loaded:this", List.of("x"))))
                                .getStatus()
                                .getCode(),
                        "an authenticated call reaches the service");
            } finally {
                channel.shutdownNow();
            }
        }
    }

    private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub withToken(
            GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub, String token) {
        Metadata headers = new Metadata();
        headers.put(WorkerAuth.AUTHORIZATION, WorkerAuth.BEARER + token);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }
}
