package io.infermesh.functions;

import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Wei;
import java.time.Instant;
import java.util.Objects;

/**
 * One entry of the receipt stream: a served, charged call. The input of settlement.
 *
 * @param id the stream id
 * @param requestId the call
 * @param account who paid
 * @param model the model as called
 * @param manifest the manifest CID served
 * @param worker the worker that served it
 * @param payout the pool's payout address
 * @param price the wei charged
 * @param committedAt Redis time of the commit
 */
public record Receipt(
        ReceiptId id,
        RequestId requestId,
        EthAddress account,
        String model,
        Cid manifest,
        String worker,
        EthAddress payout,
        Wei price,
        Instant committedAt) {
    public Receipt {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(account, "account");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(manifest, "manifest");
        Objects.requireNonNull(worker, "worker");
        Objects.requireNonNull(payout, "payout");
        Objects.requireNonNull(price, "price");
        Objects.requireNonNull(committedAt, "committedAt");
    }
}
