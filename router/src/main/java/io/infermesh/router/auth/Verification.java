package io.infermesh.router.auth;

import java.time.Instant;
import java.util.Objects;

/** The result of checking a worker token: a value, never an exception. */
public sealed interface Verification {

    /** The token is good: signed by a trusted key, for this worker, not expired. */
    record Accepted(String keyId, Instant expiresAt) implements Verification {
        public Accepted {
            Objects.requireNonNull(keyId, "keyId");
            Objects.requireNonNull(expiresAt, "expiresAt");
        }
    }

    /** The token is not good; {@code reason} is safe to log, the caller should see only UNAUTHENTICATED. */
    record Rejected(Reason reason) implements Verification {
        public Rejected {
            Objects.requireNonNull(reason, "reason");
        }
    }

    enum Reason {
        /** No {@code authorization: Bearer} header. */
        MISSING,
        /** Not in the token format. */
        MALFORMED,
        /** Signed with a key id this worker does not trust. */
        UNKNOWN_KEY,
        /** The signature does not match. */
        BAD_SIGNATURE,
        /** Issued for another worker. */
        WRONG_WORKER,
        /** Past its expiry (beyond the allowed clock skew). */
        EXPIRED,
        /** Expires further ahead than any gateway issues tokens for. */
        TOO_LONG_LIVED
    }

    default boolean accepted() {
        return this instanceof Accepted;
    }
}
