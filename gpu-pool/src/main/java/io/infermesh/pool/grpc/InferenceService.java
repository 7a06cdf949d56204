package io.infermesh.pool.grpc;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.StreamObserver;
import io.infermesh.openapi.inference.GRPCInferenceServiceGrpc;
import io.infermesh.openapi.inference.InferBatchStatistics;
import io.infermesh.openapi.inference.InferStatistics;
import io.infermesh.openapi.inference.MemoryUsage;
import io.infermesh.openapi.inference.ModelInferRequest;
import io.infermesh.openapi.inference.ModelInferResponse;
import io.infermesh.openapi.inference.ModelMetadataRequest;
import io.infermesh.openapi.inference.ModelMetadataResponse;
import io.infermesh.openapi.inference.ModelReadyRequest;
import io.infermesh.openapi.inference.ModelReadyResponse;
import io.infermesh.openapi.inference.ModelStatistics;
import io.infermesh.openapi.inference.ModelStatisticsRequest;
import io.infermesh.openapi.inference.ModelStatisticsResponse;
import io.infermesh.openapi.inference.RepositoryIndexRequest;
import io.infermesh.openapi.inference.RepositoryIndexResponse;
import io.infermesh.openapi.inference.RepositoryModelLoadRequest;
import io.infermesh.openapi.inference.RepositoryModelLoadResponse;
import io.infermesh.openapi.inference.RepositoryModelUnloadRequest;
import io.infermesh.openapi.inference.RepositoryModelUnloadResponse;
import io.infermesh.openapi.inference.ServerLiveRequest;
import io.infermesh.openapi.inference.ServerLiveResponse;
import io.infermesh.openapi.inference.ServerMetadataRequest;
import io.infermesh.openapi.inference.ServerMetadataResponse;
import io.infermesh.openapi.inference.ServerReadyRequest;
import io.infermesh.openapi.inference.ServerReadyResponse;
import io.infermesh.openapi.inference.StatisticDuration;
import io.infermesh.pool.InferRequest;
import io.infermesh.pool.Tensor;
import io.infermesh.pool.TensorInfo;
import io.infermesh.pool.Ticker;
import io.infermesh.pool.WorkerException;
import io.infermesh.pool.batch.ModelStats;
import io.infermesh.pool.cache.LoadSpec;
import io.infermesh.pool.cache.ModelState;
import io.infermesh.pool.cache.ServedModel;
import io.infermesh.pool.quarkus.Worker;
import io.quarkus.grpc.GrpcService;
import jakarta.inject.Inject;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The KServe v2 / Triton {@code inference.GRPCInferenceService} of the worker. Handlers never block: inference and
 * loads complete the call from their own threads when done. Every error goes through {@link GrpcStatusMapper}.
 *
 * <p>A model's version is its manifest CID: {@code ModelMetadata} lists it, and a request may name it (or leave the
 * version empty).
 */
@GrpcService
public class InferenceService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
    static final String SERVER_NAME = "infermesh-gpu-pool";

    @Inject
    Worker worker;

    @Override
    public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
        reply(out, () -> ServerLiveResponse.newBuilder().setLive(true).build(), "");
    }

    @Override
    public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> out) {
        reply(
                out,
                () -> ServerReadyResponse.newBuilder().setReady(worker.ready()).build(),
                "");
    }

    @Override
    public void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> out) {
        reply(
                out,
                () -> ServerMetadataResponse.newBuilder()
                        .setName(SERVER_NAME)
                        .setVersion(worker.version())
                        .addExtensions("model_repository")
                        .addExtensions("statistics")
                        .build(),
                "");
    }

    @Override
    public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
        reply(
                out,
                () -> ModelReadyResponse.newBuilder()
                        .setReady(worker.cache()
                                .get(request.getName())
                                .filter(m -> versionMatches(m, request.getVersion()))
                                .isPresent())
                        .build(),
                "");
    }

    @Override
    public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
        reply(
                out,
                () -> {
                    ServedModel m = served(request.getName(), request.getVersion());
                    ModelMetadataResponse.Builder b = ModelMetadataResponse.newBuilder()
                            .setName(m.name())
                            .addVersions(m.manifestCid().toString())
                            .setPlatform(m.signature().platform());
                    m.signature().inputs().forEach(t -> b.addInputs(metadata(t)));
                    m.signature().outputs().forEach(t -> b.addOutputs(metadata(t)));
                    return b.build();
                },
                "");
    }

    @Override
    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
        String id = request.getId();
        InFlightCalls inFlight = worker.inFlight();
        inFlight.begin();
        CompletableFuture<List<Tensor>> inference;
        CompletableFuture<ModelInferResponse> response;
        try {
            ServedModel m = served(request.getModelName(), request.getModelVersion());
            InferRequest decoded = TensorCodec.decode(request, worker.maxRequestBytes(), deadlineNanos());
            boolean raw = TensorCodec.rawOutputs(request);
            inference = m.infer(decoded);
            response = inference.thenApply(outputs -> {
                ModelInferResponse.Builder b = ModelInferResponse.newBuilder()
                        .setModelName(m.name())
                        .setModelVersion(m.manifestCid().toString())
                        .setId(id);
                TensorCodec.encode(outputs, raw, b);
                return b.build();
            });
        } catch (RuntimeException e) {
            inFlight.end();
            out.onError(GrpcStatusMapper.toStatus(e, id));
            return;
        }
        // Completion, failure and cancellation each complete the future exactly once.
        response.whenComplete((value, error) -> inFlight.end());
        // A caller that goes away cancels its queued request: the batcher skips cancelled requests. Cancelling
        // the batcher's own future (not the derived response) is what it sees; the response then fails with it.
        Context.current().addListener(ctx -> inference.cancel(false), Runnable::run);
        complete(response, out, id);
    }

    @Override
    public void modelStatistics(ModelStatisticsRequest request, StreamObserver<ModelStatisticsResponse> out) {
        reply(
                out,
                () -> {
                    List<ServedModel> models = request.getName().isEmpty()
                            ? worker.cache().ready()
                            : List.of(served(request.getName(), request.getVersion()));
                    ModelStatisticsResponse.Builder b = ModelStatisticsResponse.newBuilder();
                    models.forEach(m -> b.addModelStats(statistics(m)));
                    return b.build();
                },
                "");
    }

    @Override
    public void repositoryIndex(RepositoryIndexRequest request, StreamObserver<RepositoryIndexResponse> out) {
        reply(
                out,
                () -> {
                    RepositoryIndexResponse.Builder b = RepositoryIndexResponse.newBuilder();
                    for (ModelState s : worker.cache().index()) {
                        if (request.getReady() && !s.state().equals("READY")) {
                            continue;
                        }
                        b.addModels(RepositoryIndexResponse.ModelIndex.newBuilder()
                                .setName(s.name())
                                .setVersion(s.manifestCid().orElse(""))
                                .setState(s.state())
                                .setReason(s.reason()));
                    }
                    return b.build();
                },
                "");
    }

    @Override
    public void repositoryModelLoad(
            RepositoryModelLoadRequest request, StreamObserver<RepositoryModelLoadResponse> out) {
        CompletableFuture<RepositoryModelLoadResponse> loaded;
        try {
            LoadSpec spec = LoadParameters.parse(
                    request.getModelName(), request.getParametersMap(), worker.configuredStore(), worker.http());
            loaded = worker.load(spec).thenApply(m -> RepositoryModelLoadResponse.getDefaultInstance());
        } catch (RuntimeException e) {
            out.onError(GrpcStatusMapper.toStatus(e, ""));
            return;
        }
        complete(loaded, out, "");
    }

    @Override
    public void repositoryModelUnload(
            RepositoryModelUnloadRequest request, StreamObserver<RepositoryModelUnloadResponse> out) {
        CompletableFuture<RepositoryModelUnloadResponse> unloaded = CompletableFuture.supplyAsync(
                () -> {
                    if (!worker.unload(request.getModelName())) {
                        throw WorkerException.notFound(
                                "model '" + request.getModelName() + "' is not loaded on this worker");
                    }
                    return RepositoryModelUnloadResponse.getDefaultInstance();
                },
                worker.background());
        complete(unloaded, out, "");
    }

    private ServedModel served(String name, String version) {
        ServedModel m = worker.cache().require(name);
        if (!versionMatches(m, version)) {
            throw WorkerException.notFound("model '" + name + "' has no version '" + version + "' here; this worker"
                    + " serves version " + m.manifestCid() + " (or leave the version empty)");
        }
        return m;
    }

    private static boolean versionMatches(ServedModel m, String version) {
        return version.isEmpty() || version.equals(m.manifestCid().toString());
    }

    private long deadlineNanos() {
        Deadline deadline = Context.current().getDeadline();
        if (deadline == null) {
            return Long.MAX_VALUE;
        }
        return Ticker.SYSTEM.nanos() + deadline.timeRemaining(TimeUnit.NANOSECONDS);
    }

    private static ModelMetadataResponse.TensorMetadata metadata(TensorInfo t) {
        return ModelMetadataResponse.TensorMetadata.newBuilder()
                .setName(t.name())
                .setDatatype(t.type().name())
                .addAllShape(t.shape().toList())
                .build();
    }

    private static ModelStatistics statistics(ServedModel m) {
        ModelStats.Snapshot s = m.stats().snapshot();
        ModelStatistics.Builder b = ModelStatistics.newBuilder()
                .setName(m.name())
                .setVersion(m.manifestCid().toString())
                .setLastInference(s.lastInferenceMillis())
                .setInferenceCount(s.inferenceCount())
                .setExecutionCount(s.executionCount())
                .setInferenceStats(InferStatistics.newBuilder()
                        .setSuccess(duration(s.success()))
                        .setFail(duration(s.fail()))
                        .setQueue(duration(s.queue()))
                        .setComputeInfer(duration(s.computeInfer())))
                .addMemoryUsage(MemoryUsage.newBuilder().setType("CPU").setByteSize(m.memoryBytes()));
        s.batches()
                .forEach((size, d) -> b.addBatchStats(
                        InferBatchStatistics.newBuilder().setBatchSize(size).setComputeInfer(duration(d))));
        return b.build();
    }

    private static StatisticDuration duration(ModelStats.Duration d) {
        return StatisticDuration.newBuilder()
                .setCount(d.count())
                .setNs(d.nanos())
                .build();
    }

    private static <T> void reply(StreamObserver<T> out, Supplier<T> body, String id) {
        T value;
        try {
            value = body.get();
        } catch (RuntimeException e) {
            out.onError(GrpcStatusMapper.toStatus(e, id));
            return;
        }
        out.onNext(value);
        out.onCompleted();
    }

    private static <T> void complete(CompletableFuture<T> future, StreamObserver<T> out, String id) {
        future.whenComplete((value, error) -> {
            if (error != null) {
                out.onError(GrpcStatusMapper.toStatus(error, id));
            } else {
                out.onNext(value);
                out.onCompleted();
            }
        });
    }
}
