package io.infermesh.functions;

import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Wei;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Prepaid balances and the per-call money path: {@code reserve} before dispatch, then exactly one of {@code commit}
 * (charge + receipt) or {@code release} (money back).
 *
 * <p>Invariants, each kept by one atomic step: a balance never goes below zero; for every hold, at most one of commit
 * and release takes effect and a repeat of either returns the first result; a commit writes its receipt, the charge
 * and the usage counters together or not at all, so there is no charge without a receipt and no receipt without a
 * charge; and {@code balance + held + charged = credited} per account at all times. Every money move appends an entry
 * to the account's journal (the audit trail).
 *
 * <p>A hold whose gateway died before commit or release expires after its ttl (Redis time) and is returned by
 * {@link #releaseExpired}; until that sweep a commit still wins. A hold moves no money, so a store may keep holds as
 * soft state ({@code RedisLedger} does): a hold lost with the store's memory is as if released, and its commit answers
 * {@link CommitOutcome.UnknownHold} and charges nothing. Credits, charges and receipts are never lost. Thread-safe.
 */
public interface Ledger {
    /** The account's spendable balance (held wei excluded); zero for an account never credited. */
    default Wei balance(EthAddress account) {
        return funds(account).spendable();
    }

    /** The account's spendable balance and what its calls in flight hold, read together. */
    Funds funds(EthAddress account);

    /**
     * An account's money at one moment.
     *
     * @param spendable what a new call may hold now: owned minus held
     * @param held the sum of the holds in flight, each charged or returned when its call ends
     */
    record Funds(Wei spendable, Wei held) {
        public Funds {
            Objects.requireNonNull(spendable, "spendable");
            Objects.requireNonNull(held, "held");
        }
    }

    /**
     * Adds {@code amount} to the balance once per {@code creditId} (a faucet grant, a deposit's tx hash and log
     * index). A repeat of the id moves nothing, whatever its amount.
     *
     * @param reason free text for the journal (1-256 characters)
     * @throws FunctionsException {@code INVALID_INPUT} if the balance would pass 2^256-1 wei
     */
    CreditOutcome credit(EthAddress account, Wei amount, String reason, String creditId);

    /**
     * Holds {@code amount} for {@code requestId} if the balance covers it; otherwise moves nothing. A repeat with the
     * same account and amount while held returns the same hold without a second debit.
     *
     * @param ttl how long the hold may stay open before the sweeper may return it; longer than the call's deadline
     * @throws FunctionsException {@code CONFLICT} if the request id names a different or finished hold
     */
    Reservation reserve(EthAddress account, RequestId requestId, Wei amount, Duration ttl);

    /**
     * Charges the hold (at most its amount; the rest goes back) and appends the receipt, exactly once.
     *
     * @throws FunctionsException {@code INVALID_INPUT} if the price is above the held amount (the hold stays)
     */
    default CommitOutcome commit(RequestId requestId, ReceiptDraft receipt) {
        return commit(requestId, receipt, Optional.empty());
    }

    /**
     * {@link #commit(RequestId, ReceiptDraft)} that also completes {@code completion}'s idempotency claim in the same
     * atomic step, with the charge and receipt filled in (no charge and no receipt when the hold was released before).
     * A claim that is no longer the completion's (expired, finished) is left alone; the commit happens either way.
     */
    CommitOutcome commit(RequestId requestId, ReceiptDraft receipt, Optional<IdempotencyCompletion> completion);

    /**
     * {@link #commit(RequestId, ReceiptDraft, Optional)} of a hold this caller placed: its account is known, so the store
     * need not be asked whose hold it is first (the commit still refuses a hold of another account).
     */
    default CommitOutcome commit(Hold hold, ReceiptDraft receipt, Optional<IdempotencyCompletion> completion) {
        return commit(hold.requestId(), receipt, completion);
    }

    /** Returns the held amount to the balance, exactly once; refused if the hold was committed. */
    ReleaseOutcome release(RequestId requestId);

    /**
     * Releases holds whose expiry (Redis time) has passed, at most {@code limit} of them, oldest first.
     *
     * @return how many holds this call released (holds committed or released meanwhile are not counted)
     */
    int releaseExpired(int limit);

    /** Receipts after {@code afterId} (exclusive; {@code "0-0"} for the start), at most {@code count}, in order. */
    List<Receipt> receipts(String afterId, int count);

    /** The account's usage per model and UTC day, for days from {@code from} to {@code to} inclusive. */
    List<Usage> usage(EthAddress account, LocalDate from, LocalDate to);
}
