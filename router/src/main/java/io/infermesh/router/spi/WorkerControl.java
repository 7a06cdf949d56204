package io.infermesh.router.spi;

import io.infermesh.router.ModelLoadSpec;
import io.infermesh.router.WorkerInfo;
import java.util.concurrent.CompletableFuture;

/**
 * Tells a worker to load or unload a model. The gRPC implementation is {@code
 * io.infermesh.router.grpc.GrpcWorkerControl} ({@code RepositoryModelLoad} / {@code RepositoryModelUnload}); tests
 * implement it in memory.
 *
 * <p>Methods return at once; the future completes when the worker has finished (exceptionally when it refused or
 * failed).
 */
public interface WorkerControl {
    CompletableFuture<Void> load(WorkerInfo worker, ModelLoadSpec spec);

    CompletableFuture<Void> unload(WorkerInfo worker, String model);
}
