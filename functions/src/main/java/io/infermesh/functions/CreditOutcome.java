package io.infermesh.functions;

import io.infermesh.store.manifest.Wei;
import java.util.Objects;

/** What {@link Ledger#credit} did. A credit id is applied at most once, whatever the amount of a repeat. */
public sealed interface CreditOutcome {
    /** The balance after this credit. */
    Wei balance();

    /**
     * Applied now.
     *
     * @param balance the balance after the credit
     */
    record Credited(Wei balance) implements CreditOutcome {
        public Credited {
            Objects.requireNonNull(balance, "balance");
        }
    }

    /**
     * This credit id was applied before; nothing moved.
     *
     * @param firstAmount the amount the id was first applied with
     * @param balance the current balance
     */
    record AlreadyCredited(Wei firstAmount, Wei balance) implements CreditOutcome {
        public AlreadyCredited {
            Objects.requireNonNull(firstAmount, "firstAmount");
            Objects.requireNonNull(balance, "balance");
        }
    }
}
