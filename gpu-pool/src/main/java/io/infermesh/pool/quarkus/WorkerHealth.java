package io.infermesh.pool.quarkus;

import io.infermesh.pool.bench.HardwareFacts;
import io.infermesh.pool.djl.TorchRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * {@code /q/health/ready}: up once the start-up benchmark finished and preloaded models are loaded; its data carries the capability score, the
 * hardware facts and the memory budget, which is what a pool's registration reports to the gateway.
 */
@Readiness
@ApplicationScoped
public class WorkerHealth implements HealthCheck {
    @Inject
    Worker worker;

    @Inject
    GatewayRegistration gateway;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b =
                HealthCheckResponse.named("infermesh-worker").status(worker.ready());
        if (worker.cache() != null) {
            b.withData("modelsLoaded", worker.cache().ready().size())
                    .withData("memoryBudgetBytes", worker.cache().budgetBytes())
                    .withData("memoryReservedBytes", worker.cache().reservedBytes());
        }
        // registering, leased, unreachable or refused; absent without infermesh.pool.gateway.url.
        gateway.phase().ifPresent(phase -> b.withData("gateway", phase.name().toLowerCase(java.util.Locale.ROOT)));
        worker.preloadFailure().ifPresent(reason -> b.withData("preloadFailure", reason));
        // Present only once a TorchScript load started PyTorch (extraction and loading of libtorch included).
        worker.torch()
                .flatMap(TorchRuntime::startup)
                .ifPresent(startup -> b.withData("pytorchStartupMs", startup.toMillis()));
        worker.capability().ifPresent(c -> {
            HardwareFacts h = c.hardware();
            b.withData("capabilityScore", Double.toString(c.score()))
                    .withData("engine", c.engine())
                    .withData("cpuCores", h.cpuCores())
                    .withData("memoryBytes", h.memoryBytes())
                    .withData("gpus", h.gpus().isEmpty() ? "none" : h.gpus().toString());
        });
        return b.build();
    }
}
