package io.infermesh.functions;

import java.util.Objects;

/** What {@link Registry#registerPool} or {@link Registry#registerWorker} decided. */
public sealed interface RegistrationOutcome {
    /** The pool's registration is stored (it replaced an older one, if any). */
    record PoolAccepted() implements RegistrationOutcome {}

    /**
     * The worker is registered; it is live from its first heartbeat on.
     *
     * @param worker its id
     * @param leaseToken the secret its heartbeats present (shown once; stored as SHA-256); a new registration
     *     replaces it
     */
    record WorkerAccepted(String worker, String leaseToken) implements RegistrationOutcome {
        public WorkerAccepted {
            Objects.requireNonNull(worker, "worker");
            Objects.requireNonNull(leaseToken, "leaseToken");
        }

        @Override
        public String toString() {
            return "WorkerAccepted[worker=" + worker + "]";
        }
    }

    /**
     * Nothing stored.
     *
     * @param reason why
     */
    record Refused(Reason reason) implements RegistrationOutcome {
        public Refused {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Why a registration was refused. */
    enum Reason {
        /** The signature does not recover the payload's signer. */
        BAD_SIGNATURE,
        /** {@code issuedAt} is outside the accepted window around the gateway's clock. */
        STALE,
        /** This (signer, nonce) was used before. */
        REPLAYED,
        /** A pool registration older than (or as old as) the one stored. */
        SUPERSEDED,
        /** A worker registration for a pool that is not registered. */
        UNKNOWN_POOL,
        /** The worker id is registered by another pool. */
        WORKER_OF_ANOTHER_POOL
    }
}
