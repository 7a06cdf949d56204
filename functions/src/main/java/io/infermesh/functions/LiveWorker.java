package io.infermesh.functions;

import io.infermesh.store.manifest.EthAddress;
import java.time.Instant;
import java.util.Objects;

/**
 * A registered worker whose lease is current.
 *
 * @param worker its id
 * @param pool its pool
 * @param target its gRPC address
 * @param heartbeat its latest heartbeat
 * @param leaseExpiresAt Redis time at which the lease ends unless renewed
 */
public record LiveWorker(String worker, EthAddress pool, String target, Heartbeat heartbeat, Instant leaseExpiresAt) {
    public LiveWorker {
        Objects.requireNonNull(worker, "worker");
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(heartbeat, "heartbeat");
        Objects.requireNonNull(leaseExpiresAt, "leaseExpiresAt");
    }
}
