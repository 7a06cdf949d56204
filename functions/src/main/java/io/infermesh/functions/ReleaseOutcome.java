package io.infermesh.functions;

import io.infermesh.store.manifest.Wei;
import java.util.Objects;

/** What {@link Ledger#release} did. Exactly one release per hold returns money; repeats report the same release. */
public sealed interface ReleaseOutcome {
    /**
     * The hold's amount is back in the balance (now, or by an earlier release).
     *
     * @param amount the wei returned
     * @param now whether this call moved it (false for a repeat)
     */
    record Released(Wei amount, boolean now) implements ReleaseOutcome {
        public Released {
            Objects.requireNonNull(amount, "amount");
        }
    }

    /**
     * The hold was committed before: the charge stands.
     *
     * @param receiptId its receipt
     */
    record AlreadyCommitted(ReceiptId receiptId) implements ReleaseOutcome {
        public AlreadyCommitted {
            Objects.requireNonNull(receiptId, "receiptId");
        }
    }

    /** No hold for this request id. */
    record UnknownHold() implements ReleaseOutcome {}
}
