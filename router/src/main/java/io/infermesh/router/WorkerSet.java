package io.infermesh.router;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The router's view of the workers: the gateway feeds it snapshots of the registry (worker leases), the router reads
 * it on every request.
 *
 * <p>Reads are lock-free and cheap: every write builds an immutable view with the warm workers indexed per model, so
 * {@link #warm(String)} is one map lookup. Writes (at heartbeat rate) are serialised and rebuild the view.
 *
 * <p>Router-observed corrections. A lease lags the truth by up to a heartbeat: after a load the router watched succeed,
 * or after a worker answered {@code NOT_FOUND} for a model the lease still lists, the router records the correction
 * with {@link #markWarm} / {@link #markCold}. A correction overrides the leases for {@code correctionTtl} (a few
 * heartbeats), then the leases are trusted again. Without it a stale snapshot would undo a fresh load and start a
 * second cold load elsewhere.
 *
 * <p>Thread-safe.
 */
public final class WorkerSet {
    private final Ticker ticker;
    private final long correctionTtlNanos;
    private final List<Consumer<WorkerInfo>> departureListeners = new CopyOnWriteArrayList<>();
    private final Object writeLock = new Object();

    // Guarded by writeLock.
    private Map<WorkerId, WorkerInfo> leases = Map.of();
    private final Map<WorkerId, Map<String, Correction>> corrections = new HashMap<>();

    private volatile View view = new View(Map.of(), Map.of());

    public WorkerSet(Ticker ticker, Duration correctionTtl) {
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        if (correctionTtl.isNegative()) {
            throw RouterException.invalid("correction TTL must not be negative");
        }
        this.correctionTtlNanos = correctionTtl.toNanos();
    }

    /** A set with the system ticker whose corrections last 10 s (five 2 s heartbeats). */
    public static WorkerSet create() {
        return new WorkerSet(Ticker.SYSTEM, Duration.ofSeconds(10));
    }

    /** How long a correction overrides the leases: about how long a lease may lag what the router saw happen. */
    public Duration correctionTtl() {
        return Duration.ofNanos(correctionTtlNanos);
    }

    /** Calls {@code listener} with each worker that leaves the set (e.g. to close its channel). */
    public void onDeparture(Consumer<WorkerInfo> listener) {
        departureListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Replaces every worker with {@code workers} (the live leases); workers not in it depart. */
    public void replaceAll(Collection<WorkerInfo> workers) {
        Map<WorkerId, WorkerInfo> next = new LinkedHashMap<>();
        for (WorkerInfo w : workers) {
            if (next.put(w.id(), w) != null) {
                throw RouterException.invalid("worker " + w.id() + " appears twice in one snapshot");
            }
        }
        List<WorkerInfo> departed = new ArrayList<>();
        synchronized (writeLock) {
            leases.forEach((id, w) -> {
                if (!next.containsKey(id)) {
                    departed.add(w);
                }
            });
            leases = java.util.Collections.unmodifiableMap(next);
            departed.forEach(w -> corrections.remove(w.id()));
            rebuild();
        }
        departed.forEach(this::announceDeparture);
    }

    /** Adds or replaces one worker. */
    public void upsert(WorkerInfo worker) {
        synchronized (writeLock) {
            Map<WorkerId, WorkerInfo> next = new LinkedHashMap<>(leases);
            next.put(worker.id(), worker);
            leases = java.util.Collections.unmodifiableMap(next);
            rebuild();
        }
    }

    /** Removes one worker (its lease expired or it deregistered). */
    public void remove(WorkerId id) {
        WorkerInfo gone;
        synchronized (writeLock) {
            Map<WorkerId, WorkerInfo> next = new LinkedHashMap<>(leases);
            gone = next.remove(id);
            leases = java.util.Collections.unmodifiableMap(next);
            corrections.remove(id);
            rebuild();
        }
        if (gone != null) {
            announceDeparture(gone);
        }
    }

    /** The router saw {@code worker} finish loading {@code model} at {@code version}. */
    public void markWarm(WorkerId worker, String model, String version) {
        correct(worker, model, Objects.requireNonNull(version, "version"));
    }

    /** {@code worker} said it does not hold {@code model}, whatever its lease says. */
    public void markCold(WorkerId worker, String model) {
        correct(worker, model, null);
    }

    /** Workers holding {@code model} warm, in a stable order; empty when none. Never blocks. */
    public List<WorkerInfo> warm(String model) {
        return view.warmByModel.getOrDefault(model, List.of());
    }

    public Optional<WorkerInfo> get(WorkerId id) {
        return Optional.ofNullable(view.byId.get(id));
    }

    /** Every worker, as the router sees it (corrections applied). */
    public Collection<WorkerInfo> all() {
        return view.byId.values();
    }

    /** Every model held warm by at least one worker. */
    public java.util.Set<String> warmModels() {
        return view.warmByModel.keySet();
    }

    private void correct(WorkerId worker, String model, String versionOrNull) {
        Objects.requireNonNull(model, "model");
        synchronized (writeLock) {
            if (!leases.containsKey(worker)) {
                return;
            }
            corrections
                    .computeIfAbsent(worker, k -> new HashMap<>())
                    .put(model, new Correction(versionOrNull, ticker.nanos() + correctionTtlNanos));
            rebuild();
        }
    }

    // Caller holds writeLock.
    private void rebuild() {
        long now = ticker.nanos();
        Map<WorkerId, WorkerInfo> byId = new LinkedHashMap<>();
        Map<String, List<WorkerInfo>> warm = new HashMap<>();
        for (WorkerInfo lease : leases.values()) {
            WorkerInfo w = lease;
            Map<String, Correction> fixes = corrections.get(w.id());
            if (fixes != null) {
                fixes.values().removeIf(c -> now - c.expiresAtNanos() >= 0);
                for (Map.Entry<String, Correction> fix : fixes.entrySet()) {
                    String version = fix.getValue().versionOrNull();
                    w = version == null ? w.withoutModel(fix.getKey()) : w.withModel(fix.getKey(), version);
                }
                if (fixes.isEmpty()) {
                    corrections.remove(w.id());
                }
            }
            byId.put(w.id(), w);
            for (String model : w.loadedModels().keySet()) {
                warm.computeIfAbsent(model, k -> new ArrayList<>()).add(w);
            }
        }
        Map<String, List<WorkerInfo>> frozen = new HashMap<>();
        warm.forEach((model, list) -> frozen.put(model, List.copyOf(list)));
        view = new View(java.util.Collections.unmodifiableMap(byId), Map.copyOf(frozen));
    }

    private void announceDeparture(WorkerInfo w) {
        departureListeners.forEach(l -> l.accept(w));
    }

    private record Correction(String versionOrNull, long expiresAtNanos) {}

    private record View(Map<WorkerId, WorkerInfo> byId, Map<String, List<WorkerInfo>> warmByModel) {}
}
