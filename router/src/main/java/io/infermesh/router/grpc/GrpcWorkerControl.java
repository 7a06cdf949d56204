package io.infermesh.router.grpc;

import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.infermesh.openapi.inference.GRPCInferenceServiceGrpc;
import io.infermesh.openapi.inference.ModelRepositoryParameter;
import io.infermesh.openapi.inference.RepositoryModelLoadRequest;
import io.infermesh.openapi.inference.RepositoryModelUnloadRequest;
import io.infermesh.router.ModelLoadSpec;
import io.infermesh.router.RouterException;
import io.infermesh.router.WorkerInfo;
import io.infermesh.router.spi.WorkerControl;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@link WorkerControl} over the model-repository RPCs: {@code RepositoryModelLoad} with the string parameter {@code
 * manifest_cid} plus the spec's parameters (e.g. {@code blob_url:<cid>}), and {@code RepositoryModelUnload}. Each call
 * runs under {@code timeout}; the future fails with the worker's {@code StatusRuntimeException}.
 */
public final class GrpcWorkerControl implements WorkerControl {
    /** The load parameter naming the manifest (gpu-pool's LoadParameters reads it). */
    public static final String MANIFEST_CID = "manifest_cid";

    private final WorkerChannels channels;
    private final Duration timeout;

    public GrpcWorkerControl(WorkerChannels channels, Duration timeout) {
        this.channels = Objects.requireNonNull(channels, "channels");
        if (!timeout.isPositive()) {
            throw RouterException.invalid("load timeout must be positive");
        }
        this.timeout = timeout;
    }

    @Override
    public CompletableFuture<Void> load(WorkerInfo worker, ModelLoadSpec spec) {
        RepositoryModelLoadRequest.Builder b = RepositoryModelLoadRequest.newBuilder()
                .setModelName(spec.model())
                .putParameters(MANIFEST_CID, text(spec.manifestCid()));
        spec.parameters().forEach((k, v) -> b.putParameters(k, text(v)));
        return call(worker, GRPCInferenceServiceGrpc.getRepositoryModelLoadMethod(), b.build());
    }

    @Override
    public CompletableFuture<Void> unload(WorkerInfo worker, String model) {
        return call(
                worker,
                GRPCInferenceServiceGrpc.getRepositoryModelUnloadMethod(),
                RepositoryModelUnloadRequest.newBuilder().setModelName(model).build());
    }

    private <Q, R> CompletableFuture<Void> call(WorkerInfo worker, MethodDescriptor<Q, R> method, Q request) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        ClientCalls.asyncUnaryCall(
                channels.channel(worker)
                        .newCall(
                                method, CallOptions.DEFAULT.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS)),
                request,
                new StreamObserver<R>() {
                    @Override
                    public void onNext(R value) {}

                    @Override
                    public void onError(Throwable t) {
                        done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(null);
                    }
                });
        return done;
    }

    private static ModelRepositoryParameter text(String value) {
        return ModelRepositoryParameter.newBuilder().setStringParam(value).build();
    }
}
