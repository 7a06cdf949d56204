package io.infermesh.functions;

import io.infermesh.store.manifest.Wei;
import java.util.Objects;

/** What {@link Ledger#reserve} did: the price is held, or the balance was too small and nothing moved. */
public sealed interface Reservation {
    /**
     * The price moved from the balance into {@code hold}.
     *
     * @param hold the new hold
     * @param balance the balance left after the hold
     */
    record Reserved(Hold hold, Wei balance) implements Reservation {
        public Reserved {
            Objects.requireNonNull(hold, "hold");
            Objects.requireNonNull(balance, "balance");
        }
    }

    /**
     * Nothing moved: the balance is below the price.
     *
     * @param balance the balance at the time of the attempt
     * @param price what the call would cost
     */
    record Insufficient(Wei balance, Wei price) implements Reservation {
        public Insufficient {
            Objects.requireNonNull(balance, "balance");
            Objects.requireNonNull(price, "price");
        }
    }
}
