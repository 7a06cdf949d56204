package io.infermesh.functions.routing;

import io.infermesh.functions.LiveWorker;
import io.infermesh.functions.PoolRegistration;
import io.infermesh.functions.Registry;
import io.infermesh.router.WorkerId;
import io.infermesh.router.WorkerInfo;
import io.infermesh.router.WorkerSet;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Wei;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Feeds the router's {@link WorkerSet} from the shared registry: every {@link #refresh()} reads the live leases and
 * their pools from Redis and replaces the set, so a worker whose lease ran out leaves the routing set within one
 * refresh period, on every gateway. Pool registrations (payout address, prices) are kept from the same read.
 *
 * <p>A worker's {@code loadedModels} are keyed by the name it loaded them under; the gateway loads a model under its
 * manifest CID, so the router's model key is the manifest CID string.
 *
 * <p>Thread-safe: {@link #refresh()} is called by one scheduler thread; readers see a consistent snapshot.
 */
public final class RegistrySync {
    private static final Logger LOG = Logger.getLogger(RegistrySync.class);

    private final Registry registry;
    private final WorkerSet workers;
    private volatile Snapshot snapshot = new Snapshot(Map.of(), Map.of());
    /**
     * Every worker's pool and every pool's registration ever seen, kept when they leave the snapshot: a call served by a
     * worker whose lease ran out while the call ran is still billed to that worker's pool. Pools are few; entries are
     * replaced by newer registrations and never removed while the gateway runs.
     */
    private final Map<WorkerId, EthAddress> lastPoolOf = new java.util.concurrent.ConcurrentHashMap<>();

    private final Map<EthAddress, PoolRegistration> lastPools = new java.util.concurrent.ConcurrentHashMap<>();

    public RegistrySync(Registry registry, WorkerSet workers) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.workers = Objects.requireNonNull(workers, "workers");
    }

    /** Reads the registry and replaces the routing set; a Redis failure keeps the last snapshot. */
    public void refresh() {
        List<LiveWorker> live;
        try {
            live = registry.liveWorkers();
        } catch (RuntimeException e) {
            LOG.warnf(
                    "registry refresh failed, keeping the last %d workers: %s",
                    snapshot.workers.size(), e.getMessage());
            return;
        }
        Map<EthAddress, PoolRegistration> pools = new HashMap<>();
        Map<WorkerId, LiveWorker> byId = new HashMap<>();
        List<WorkerInfo> infos = new ArrayList<>(live.size());
        for (LiveWorker w : live) {
            PoolRegistration pool =
                    pools.computeIfAbsent(w.pool(), p -> registry.pool(p).orElse(null));
            if (pool == null) {
                continue; // a pool record removed by an operator: its workers are not routable
            }
            WorkerId id = WorkerId.of(w.worker());
            Map<String, String> models = new HashMap<>();
            w.heartbeat().loadedModels().forEach((name, cid) -> models.put(name, cid.toString()));
            infos.add(new WorkerInfo(
                    id,
                    w.target(),
                    w.pool().value(),
                    models,
                    w.heartbeat().freeMemoryBytes(),
                    w.heartbeat().capabilityScore(),
                    pool.defaultPrice().amount()));
            byId.put(id, w);
        }
        pools.values().removeIf(Objects::isNull);
        snapshot = new Snapshot(Map.copyOf(pools), Map.copyOf(byId));
        lastPools.putAll(pools);
        byId.forEach((id, w) -> lastPoolOf.put(id, w.pool()));
        workers.replaceAll(infos);
    }

    /** The registration of the pool that runs (or last ran) {@code worker}, as last read from the registry. */
    public Optional<PoolRegistration> poolOf(WorkerId worker) {
        return Optional.ofNullable(lastPoolOf.get(worker)).map(lastPools::get);
    }

    /** The most any live pool charges for serving {@code model} ({@code org/name}); zero when no pool is live. */
    public Wei maxPoolPrice(String model) {
        BigInteger max = BigInteger.ZERO;
        for (PoolRegistration p : snapshot.pools.values()) {
            max = max.max(p.priceFor(model).amount());
        }
        return new Wei(max);
    }

    /** Live workers as of the last refresh. */
    public int liveWorkers() {
        return snapshot.workers.size();
    }

    private record Snapshot(Map<EthAddress, PoolRegistration> pools, Map<WorkerId, LiveWorker> workers) {}
}
