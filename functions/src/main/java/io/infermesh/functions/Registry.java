package io.infermesh.functions;

import io.infermesh.store.manifest.EthAddress;
import java.util.List;
import java.util.Optional;

/**
 * GPU pools and their workers. Pools and workers register with signed payloads ({@link PoolRegistration},
 * {@link WorkerRegistration}); a worker is live while its lease, renewed by each heartbeat, has not expired. Leases
 * run on Redis time, so every gateway sees the same set; an expired worker drops out of {@link #liveWorkers()} without
 * any sweeper. Thread-safe.
 */
public interface Registry {
    RegistrationOutcome registerPool(Signed<PoolRegistration> registration);

    /** The pool's latest accepted registration. */
    Optional<PoolRegistration> pool(EthAddress pool);

    /** Registers (or re-registers, with a new lease token) a worker of a registered pool. */
    RegistrationOutcome registerWorker(Signed<WorkerRegistration> registration);

    HeartbeatOutcome heartbeat(String worker, String leaseToken, Heartbeat heartbeat);

    /** Workers whose lease is current, by id. */
    List<LiveWorker> liveWorkers();

    /** Every registered worker, live or expired, by id. */
    List<WorkerState> workers();
}
