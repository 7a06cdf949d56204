package io.infermesh.router.cold;

import io.infermesh.router.ModelLoadSpec;
import io.infermesh.router.RouteDecision;
import io.infermesh.router.Routed;
import io.infermesh.router.RouterException;
import io.infermesh.router.Shed;
import io.infermesh.router.Ticker;
import io.infermesh.router.WorkerId;
import io.infermesh.router.WorkerInfo;
import io.infermesh.router.WorkerSet;
import io.infermesh.router.balance.OutlierEjection;
import io.infermesh.router.spi.Scheduler;
import io.infermesh.router.spi.WorkerControl;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Gets a model warm somewhere when no worker holds it: single-flight per model.
 *
 * <p>The first caller for a cold model picks the best candidate and tells it to load; every caller (the first one
 * included) waits on that one load for at most {@code maxWait}:
 *
 * <ul>
 *   <li>load done in time → {@link Routed} to the worker that loaded it (the {@link WorkerSet} is corrected at once,
 *       ahead of its next heartbeat);
 *   <li>wait over first → {@link Shed} {@code COLD_LOAD_PENDING}, Retry-After = the model's last load time minus the
 *       time this load has run (default load time when never loaded), at least 1 s; the load goes on;
 *   <li>load failed → {@link Shed} {@code COLD_LOAD_FAILED}, Retry-After 1 s; that worker is skipped for this model
 *       for {@code failedWorkerCooldown}, so the next caller starts a load on another one;
 *   <li>no candidate → {@link Shed} {@code NO_CAPACITY}, Retry-After {@code noCapacityRetryAfter}.
 * </ul>
 *
 * <p>Candidate: a worker that does not hold the model, is not in its cooldown for this model, and has at least the
 * model's estimated size free (minus what loads this coordinator started on it still reserve); among those the highest
 * capability score, then the lowest price, then the most free memory, then the smallest id. An ejected worker is a
 * candidate only once its probe is due ({@link OutlierEjection#tryClaimProbe}), and then the load is its probe: a
 * load done re-admits it. Without that, a worker ejected while it held models and back with none (it restarted
 * within its lease) would never be probed, since probes go only to workers warm for the requested model.
 *
 * <p>A load's reservation outlives the load by the {@link WorkerSet#correctionTtl}: until the worker's lease reports
 * the memory the model took, its free memory is the lease's from before the load, and a second model could otherwise
 * be placed on a worker that no longer has room for it.
 *
 * <p>Thread-safe; never blocks: waits are futures completed by the load or by the scheduler.
 */
public final class ColdLoadCoordinator {
    /**
     * @param maxWait how long a caller waits for a load before it is shed
     * @param failedWorkerCooldown how long a worker whose load failed is not asked again for the same model
     * @param defaultLoadTime the expected load time of a model never loaded before (sets Retry-After)
     * @param noCapacityRetryAfter the Retry-After when no worker has room
     */
    public record Options(
            Duration maxWait, Duration failedWorkerCooldown, Duration defaultLoadTime, Duration noCapacityRetryAfter) {
        public static final Options DEFAULTS = new Options(
                Duration.ofSeconds(10), Duration.ofMinutes(1), Duration.ofSeconds(15), Duration.ofSeconds(30));

        public Options {
            if (maxWait.isNegative()
                    || failedWorkerCooldown.isNegative()
                    || !defaultLoadTime.isPositive()
                    || !noCapacityRetryAfter.isPositive()) {
                throw RouterException.invalid("cold-load durations must not be negative (load time and retry > 0)");
            }
        }
    }

    private static final Comparator<WorkerInfo> BEST_FIRST = Comparator.comparingDouble(WorkerInfo::capabilityScore)
            .reversed()
            .thenComparing(WorkerInfo::pricePerRequestWei, Comparator.<BigInteger>naturalOrder())
            .thenComparing(Comparator.comparingLong(WorkerInfo::freeMemoryBytes).reversed())
            .thenComparing(WorkerInfo::id);

    private final Options options;
    private final WorkerSet workers;
    private final OutlierEjection ejection;
    private final WorkerControl control;
    private final Scheduler scheduler;
    private final Ticker ticker;
    private final Map<String, Flight> flights = new ConcurrentHashMap<>();
    private final Map<WorkerId, Long> reservedBytes = new ConcurrentHashMap<>();
    private final Map<String, Map<WorkerId, Long>> cooldownUntil = new ConcurrentHashMap<>();
    private final Map<String, Long> lastLoadNanos = new ConcurrentHashMap<>();

    public ColdLoadCoordinator(
            Options options,
            WorkerSet workers,
            OutlierEjection ejection,
            WorkerControl control,
            Scheduler scheduler,
            Ticker ticker) {
        this.options = Objects.requireNonNull(options, "options");
        this.workers = Objects.requireNonNull(workers, "workers");
        this.ejection = Objects.requireNonNull(ejection, "ejection");
        this.control = Objects.requireNonNull(control, "control");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
    }

    /**
     * Joins the load of {@code spec.model()} in flight, or starts one; completes with {@link Routed} or {@link Shed}
     * within {@code maxWait}, never exceptionally.
     */
    public CompletableFuture<RouteDecision> awaitWarm(ModelLoadSpec spec) {
        Optional<Joined> joined = joinOrStart(spec);
        if (joined.isEmpty()) {
            return CompletableFuture.completedFuture(new Shed(Shed.Reason.NO_CAPACITY, options.noCapacityRetryAfter()));
        }
        Flight f = joined.get().flight();
        CompletableFuture<RouteDecision> decision = new CompletableFuture<>();
        f.done.whenComplete((worker, error) -> decision.complete(
                error == null ? new Routed(worker) : new Shed(Shed.Reason.COLD_LOAD_FAILED, Duration.ofSeconds(1))));
        if (!decision.isDone()) {
            Scheduler.Cancellable timer = scheduler.schedule(
                    options.maxWait(), () -> decision.complete(new Shed(Shed.Reason.COLD_LOAD_PENDING, retryAfter(f))));
            decision.whenComplete((d, e) -> timer.cancel());
        }
        return decision;
    }

    /**
     * Starts a load of {@code spec.model()} on one more worker (scale-out), unless a load of it is already in flight.
     *
     * @return the worker asked to load it; empty when a load is in flight or no worker has room
     */
    public Optional<WorkerInfo> loadOnOneMore(ModelLoadSpec spec) {
        if (flights.containsKey(spec.model())) {
            return Optional.empty();
        }
        return joinOrStart(spec).filter(Joined::started).map(j -> j.flight().worker);
    }

    /** Whether a load of {@code model} started here is in flight. */
    public boolean loading(String model) {
        return flights.containsKey(model);
    }

    private Optional<Joined> joinOrStart(ModelLoadSpec spec) {
        Flight existing = flights.get(spec.model());
        if (existing != null) {
            return Optional.of(new Joined(existing, false));
        }
        Optional<Candidate> candidate = bestCandidate(spec);
        if (candidate.isEmpty()) {
            return Optional.ofNullable(flights.get(spec.model())).map(f -> new Joined(f, false));
        }
        Flight mine = new Flight(
                spec.model(), candidate.get().worker(), candidate.get().probe(), ticker.nanos());
        Flight winner = flights.putIfAbsent(spec.model(), mine);
        if (winner != null) {
            if (mine.probe) {
                ejection.released(mine.worker.id()); // the probe claimed for this load is not used
            }
            return Optional.of(new Joined(winner, false));
        }
        start(spec, mine);
        return Optional.of(new Joined(mine, true));
    }

    private void start(ModelLoadSpec spec, Flight f) {
        WorkerId id = f.worker.id();
        reservedBytes.merge(id, spec.estimatedBytes(), Long::sum);
        CompletableFuture<Void> load;
        try {
            load = control.load(f.worker, spec);
        } catch (RuntimeException e) {
            load = CompletableFuture.failedFuture(e);
        }
        load.whenComplete((ok, error) -> {
            if (error == null) {
                // kept until the lease can show the memory the model took
                scheduler.schedule(workers.correctionTtl(), () -> unreserve(id, spec.estimatedBytes()));
            } else {
                unreserve(id, spec.estimatedBytes());
            }
            if (f.probe) {
                // a load done proves the worker alive; a failed one may be the model's fault, so it tells nothing
                if (error == null) {
                    ejection.succeeded(id);
                } else {
                    ejection.released(id);
                }
            }
            long now = ticker.nanos();
            if (error == null) {
                lastLoadNanos.put(spec.model(), now - f.startedAt);
                workers.markWarm(id, spec.model(), spec.manifestCid());
                flights.remove(spec.model(), f);
                f.done.complete(f.worker);
            } else {
                cooldownUntil
                        .computeIfAbsent(spec.model(), k -> new ConcurrentHashMap<>())
                        .put(id, now + options.failedWorkerCooldown().toNanos());
                flights.remove(spec.model(), f);
                f.done.completeExceptionally(error);
            }
        });
    }

    private void unreserve(WorkerId id, long bytes) {
        reservedBytes.computeIfPresent(id, (k, v) -> v - bytes <= 0 ? null : v - bytes);
    }

    /** The best candidate; when it is an ejected worker, its probe is claimed here ({@code probe} true). */
    private Optional<Candidate> bestCandidate(ModelLoadSpec spec) {
        long now = ticker.nanos();
        Map<WorkerId, Long> cooling = cooldownUntil.getOrDefault(spec.model(), Map.of());
        cooling.values().removeIf(until -> now - until >= 0);
        List<WorkerInfo> ranked = workers.all().stream()
                .filter(w -> !w.holds(spec.model()))
                .filter(w -> !cooling.containsKey(w.id()))
                .filter(w -> w.freeMemoryBytes() - reservedBytes.getOrDefault(w.id(), 0L) >= spec.estimatedBytes())
                .sorted(BEST_FIRST)
                .toList();
        for (WorkerInfo w : ranked) {
            if (ejection.admits(w.id())) {
                return Optional.of(new Candidate(w, false));
            }
            if (ejection.tryClaimProbe(w.id())) {
                return Optional.of(new Candidate(w, true));
            }
        }
        return Optional.empty();
    }

    /** A worker to load on, and whether the load is its probe. */
    private record Candidate(WorkerInfo worker, boolean probe) {}

    private Duration retryAfter(Flight f) {
        long expected =
                lastLoadNanos.getOrDefault(f.model, options.defaultLoadTime().toNanos());
        return Duration.ofNanos(Math.max(0, expected - (ticker.nanos() - f.startedAt)));
    }

    private static final class Flight {
        final String model;
        final WorkerInfo worker;
        final boolean probe;
        final long startedAt;
        final CompletableFuture<WorkerInfo> done = new CompletableFuture<>();

        Flight(String model, WorkerInfo worker, boolean probe, long startedAt) {
            this.model = model;
            this.worker = worker;
            this.probe = probe;
            this.startedAt = startedAt;
        }
    }

    /** A flight and whether this caller started it. */
    private record Joined(Flight flight, boolean started) {}
}
