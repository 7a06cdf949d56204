package io.infermesh.pool.gateway;

import java.util.Objects;

/**
 * How one registration or heartbeat call ended. Every outcome, the gateway being unreachable included, is a value: the
 * caller decides what to do next, and nothing here stops the worker from serving.
 */
public sealed interface GatewayReply {
    /** 200: the worker holds this lease (a new one after a registration, the renewed one after a heartbeat). */
    record Leased(Lease lease) implements GatewayReply {
        public Leased {
            Objects.requireNonNull(lease, "lease");
        }
    }

    /** A heartbeat answered 401 (wrong lease token) or 404 (unknown or expired worker): register again. */
    record LeaseLost(int status, String detail) implements GatewayReply {
        public LeaseLost {
            Objects.requireNonNull(detail, "detail");
        }
    }

    /**
     * Any other 4xx: the gateway understood and refused (pool not registered, bad signature, clock out of the signature
     * window, ...). Retrying the same call unchanged will not help soon; an operator has to act.
     *
     * @param code the problem's {@code code} member, or empty if the body carried none
     */
    record Refused(int status, String code, String detail) implements GatewayReply {
        public Refused {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(detail, "detail");
        }
    }

    /** The call did not complete or the gateway could not answer it now (network error, timeout, 5xx, 429, a 200 we cannot read). */
    record Unavailable(String reason) implements GatewayReply {
        public Unavailable {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
