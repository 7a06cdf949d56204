package io.infermesh.functions;

import java.time.Instant;
import java.util.Objects;

/** What {@link Registry#heartbeat} did. */
public sealed interface HeartbeatOutcome {
    /**
     * The lease is renewed.
     *
     * @param leaseExpiresAt Redis time at which it ends unless renewed again
     */
    record Renewed(Instant leaseExpiresAt) implements HeartbeatOutcome {
        public Renewed {
            Objects.requireNonNull(leaseExpiresAt, "leaseExpiresAt");
        }
    }

    /** No such worker is registered: register (signed) first. */
    record UnknownWorker() implements HeartbeatOutcome {}

    /** The lease token is not the one of the worker's latest registration. */
    record WrongToken() implements HeartbeatOutcome {}
}
