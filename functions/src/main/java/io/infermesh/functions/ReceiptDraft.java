package io.infermesh.functions;

import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Wei;
import java.util.Objects;

/**
 * What the gateway knows about a served call when it commits the hold. The receipt's time is Redis time at commit
 * (also encoded in the {@link ReceiptId}), so all gateways stamp receipts with one clock.
 *
 * @param model the model name as called (e.g. {@code org/model:tag}); at most 256 characters, no control characters
 * @param manifest the manifest CID of the exact version served
 * @param worker the worker id that served it
 * @param payout the serving pool's payout address
 * @param price the wei to charge; at most the held amount (the rest goes back to the balance)
 */
public record ReceiptDraft(String model, Cid manifest, String worker, EthAddress payout, Wei price) {
    public ReceiptDraft {
        Objects.requireNonNull(manifest, "manifest");
        Objects.requireNonNull(payout, "payout");
        Objects.requireNonNull(price, "price");
        Names.requireName("model", model);
        Names.requireName("worker", worker);
    }
}
