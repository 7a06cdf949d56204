package io.infermesh.router.grpc;

import io.grpc.Deadline;
import io.infermesh.openapi.inference.ModelInferRequest;
import io.infermesh.router.CallPolicy;
import io.infermesh.router.Hedging;
import io.infermesh.router.InferOutcome;
import io.infermesh.router.ModelLoadSpec;
import io.infermesh.router.RouteDecision;
import io.infermesh.router.Routed;
import io.infermesh.router.RouterException;
import io.infermesh.router.Shed;
import io.infermesh.router.WorkerSet;
import io.infermesh.router.balance.PeakEwmaBalancer;
import io.infermesh.router.cold.ColdLoadCoordinator;
import io.infermesh.router.retry.LatencyHistogram;
import io.infermesh.router.retry.RetryBudget;
import io.infermesh.router.scale.DemandScaler;
import io.infermesh.router.spi.Scheduler;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's entry point for inference: flow 3 "Infer" from choosing a worker to the worker's answer.
 *
 * <ol>
 *   <li>{@link PeakEwmaBalancer} picks among the workers the {@link WorkerSet} lists as warm for the model (for an
 *       idempotent request, possibly also a worker to measure with a copy: {@link PeakEwmaBalancer#pick}).
 *   <li>None: with a {@link ModelLoadSpec}, {@link ColdLoadCoordinator} gets one worker to load it (single-flight)
 *       and the request waits for it, bounded; without one, or when the wait runs out, the outcome is {@link Shed};
 *       when the request's deadline comes first, {@link InferOutcome.TimedOut}.
 *   <li>{@link InferenceCall} runs the call with retries and hedging under the request's deadline.
 * </ol>
 *
 * Departed workers are forgotten by the balancer and their channels closed. Thread-safe; {@link #infer} never
 * blocks and its future never completes exceptionally unless the router has a bug.
 */
public final class GrpcRouter {
    /**
     * @param maxAttempts calls one request may send, hedges and retries included (≥ 1)
     * @param minAttemptBudget the least deadline left worth starting another attempt with
     */
    public record Options(int maxAttempts, Duration minAttemptBudget) {
        public static final Options DEFAULTS = new Options(3, Duration.ofMillis(5));

        public Options {
            if (maxAttempts < 1 || minAttemptBudget.isNegative()) {
                throw RouterException.invalid("max attempts must be >= 1 and the attempt budget not negative");
            }
        }
    }

    private final WorkerSet workers;
    private final PeakEwmaBalancer balancer;
    private final ColdLoadCoordinator cold;
    private final DemandScaler scaler;
    private final WorkerChannels channels;
    private final RetryBudget retryBudget;
    private final Scheduler scheduler;
    private final Options options;
    private final Map<String, LatencyHistogram> latencies = new ConcurrentHashMap<>();

    public GrpcRouter(
            WorkerSet workers,
            PeakEwmaBalancer balancer,
            ColdLoadCoordinator cold,
            DemandScaler scaler,
            WorkerChannels channels,
            RetryBudget retryBudget,
            Scheduler scheduler,
            Options options) {
        this.workers = Objects.requireNonNull(workers, "workers");
        this.balancer = Objects.requireNonNull(balancer, "balancer");
        this.cold = Objects.requireNonNull(cold, "cold");
        this.scaler = Objects.requireNonNull(scaler, "scaler");
        this.channels = Objects.requireNonNull(channels, "channels");
        this.retryBudget = Objects.requireNonNull(retryBudget, "retryBudget");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.options = Objects.requireNonNull(options, "options");
        workers.onDeparture(w -> {
            balancer.forget(w.id());
            channels.close(w.id());
        });
    }

    /** Where a request for {@code model} would go now, without sending anything. */
    public RouteDecision route(String model) {
        return balancer.choose(workers.warm(model), Set.of())
                .<RouteDecision>map(Routed::new)
                .orElseGet(() -> new Shed(Shed.Reason.NO_WARM_WORKER, Duration.ofSeconds(1)));
    }

    /**
     * Runs {@code request} on a warm worker for {@code request.getModelName()}.
     *
     * @param coldLoad how to load the model if no worker holds it; empty to shed instead
     */
    public CompletableFuture<InferOutcome> infer(
            ModelInferRequest request, CallPolicy policy, Optional<ModelLoadSpec> coldLoad) {
        String model = request.getModelName();
        if (coldLoad.isPresent() && !coldLoad.get().model().equals(model)) {
            throw RouterException.invalid("the cold-load spec names another model than the request");
        }
        Deadline deadline = Deadline.after(policy.timeout().toNanos(), TimeUnit.NANOSECONDS);
        scaler.started(model);
        retryBudget.deposit();
        CompletableFuture<InferOutcome> outcome;
        Optional<PeakEwmaBalancer.Pick> first = balancer.pick(workers.warm(model), policy.idempotent());
        if (first.isPresent()) {
            outcome = new InferenceCall(this, request, policy, deadline)
                    .start(first.get().worker(), first.get().probe());
        } else if (coldLoad.isPresent()) {
            outcome = awaitWarmWithin(coldLoad.get(), deadline).thenCompose(decision -> switch (decision.orElse(null)) {
                case Routed r
                when !deadline.isExpired() ->
                    new InferenceCall(this, request, policy, deadline).start(r.worker(), Optional.empty());
                case Shed s -> CompletableFuture.<InferOutcome>completedFuture(s);
                case null, default ->
                    CompletableFuture.<InferOutcome>completedFuture(new InferOutcome.TimedOut(0, Optional.empty()));
            });
        } else {
            outcome = CompletableFuture.completedFuture(new Shed(Shed.Reason.NO_WARM_WORKER, Duration.ofSeconds(1)));
        }
        return outcome.whenComplete((o, e) -> scaler.finished(model));
    }

    /**
     * The cold-load wait, cut short at the request's deadline (empty then): the coordinator's {@code maxWait} is shared
     * by every caller and may be longer than this request's timeout, which includes the wait.
     */
    private CompletableFuture<Optional<RouteDecision>> awaitWarmWithin(ModelLoadSpec spec, Deadline deadline) {
        CompletableFuture<Optional<RouteDecision>> decision = new CompletableFuture<>();
        Scheduler.Cancellable timer = scheduler.schedule(
                Duration.ofNanos(deadline.timeRemaining(TimeUnit.NANOSECONDS)),
                () -> decision.complete(Optional.empty()));
        decision.whenComplete((d, e) -> timer.cancel());
        cold.awaitWarm(spec).thenAccept(d -> decision.complete(Optional.of(d)));
        return decision;
    }

    /** The hedging delay for {@code model} under {@code hedging}; empty for no hedge. */
    Optional<Duration> hedgeDelay(String model, Hedging hedging) {
        return switch (hedging) {
            case Hedging.Off off -> Optional.empty();
            case Hedging.After after -> Optional.of(after.delay());
            case Hedging.AtQuantile q ->
                Optional.of(latencies(model).quantile(q.quantile()).orElse(q.fallback()));
        };
    }

    LatencyHistogram latencies(String model) {
        return latencies.computeIfAbsent(model, k -> new LatencyHistogram(1000, 50));
    }

    WorkerSet workers() {
        return workers;
    }

    PeakEwmaBalancer balancer() {
        return balancer;
    }

    DemandScaler scaler() {
        return scaler;
    }

    WorkerChannels channels() {
        return channels;
    }

    RetryBudget retryBudget() {
        return retryBudget;
    }

    Scheduler scheduler() {
        return scheduler;
    }

    Options options() {
        return options;
    }
}
