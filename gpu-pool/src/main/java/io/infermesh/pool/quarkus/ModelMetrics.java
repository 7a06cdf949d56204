package io.infermesh.pool.quarkus;

import io.infermesh.pool.batch.ModelStats;
import io.infermesh.pool.cache.ServedModel;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * Prometheus metrics (at {@code /q/metrics}) read from the model counters, per model name. Counters restart from zero
 * when a model is reloaded, which Prometheus treats as a counter reset.
 */
@Singleton
public class ModelMetrics {
    @Inject
    MeterRegistry registry;

    private final Set<String> bound = ConcurrentHashMap.newKeySet();
    private volatile Worker worker;

    void bindWorker(Worker worker) {
        Gauge.builder("infermesh_pool_memory_budget_bytes", worker, w -> w.cache()
                        .budgetBytes())
                .register(registry);
        Gauge.builder("infermesh_pool_memory_reserved_bytes", worker, w -> w.cache()
                        .reservedBytes())
                .register(registry);
        Gauge.builder("infermesh_pool_models_loaded", worker, w -> w.cache()
                        .ready()
                        .size())
                .register(registry);
        Gauge.builder("infermesh_pool_inflight_calls", worker, w -> w.inFlight().current())
                .description("ModelInfer calls accepted and not yet answered")
                .register(registry);
        Gauge.builder("infermesh_pool_capability_score", worker, w -> w.capability()
                        .map(c -> c.score())
                        .orElse(Double.NaN))
                .description("start-up benchmark, GFLOP/s")
                .register(registry);
        this.worker = worker;
    }

    void bindModel(String model) {
        if (!bound.add(model)) {
            return;
        }
        counter(model, "infermesh_pool_requests_success_total", s -> s.success().count());
        counter(model, "infermesh_pool_requests_failed_total", s -> s.fail().count());
        counter(model, "infermesh_pool_inferences_total", ModelStats.Snapshot::inferenceCount);
        counter(model, "infermesh_pool_executions_total", ModelStats.Snapshot::executionCount);
        counter(model, "infermesh_pool_queue_seconds_total", s -> s.queue().nanos() / 1e9);
        counter(
                model,
                "infermesh_pool_compute_seconds_total",
                s -> s.computeInfer().nanos() / 1e9);
        Gauge.builder("infermesh_pool_model_pending", this, m -> served(model)
                        .map(ServedModel::load)
                        .orElse(0))
                .tag("model", model)
                .description("requests queued or running")
                .register(registry);
    }

    private void counter(String model, String name, ToDoubleFunction<ModelStats.Snapshot> read) {
        FunctionCounter.builder(name, this, m -> served(model)
                        .map(s -> read.applyAsDouble(s.stats().snapshot()))
                        .orElse(0.0))
                .tag("model", model)
                .register(registry);
    }

    private java.util.Optional<ServedModel> served(String model) {
        return worker == null ? java.util.Optional.empty() : worker.cache().get(model);
    }
}
