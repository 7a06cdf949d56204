package io.infermesh.functions;

import io.infermesh.store.manifest.Wei;
import java.util.Objects;

/** What {@link Ledger#commit} did. Exactly one commit per hold writes a receipt; repeats return the same receipt. */
public sealed interface CommitOutcome {
    /**
     * The hold is charged and its receipt is in the stream (now, or by an earlier commit of the same request).
     *
     * @param receiptId the receipt's stream id
     * @param charged the wei charged
     */
    record Committed(ReceiptId receiptId, Wei charged) implements CommitOutcome {
        public Committed {
            Objects.requireNonNull(receiptId, "receiptId");
            Objects.requireNonNull(charged, "charged");
        }
    }

    /** The hold was released before (by the gateway or the sweeper): no charge, no receipt. */
    record AlreadyReleased() implements CommitOutcome {}

    /** No hold for this request id (never reserved, or finished longer ago than the retention). */
    record UnknownHold() implements CommitOutcome {}
}
