package io.infermesh.router.retry;

import io.infermesh.router.RouterException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Caps retries and hedges at a fraction of the traffic, so a fleet-wide outage does not multiply the load by the
 * attempt count (the retry storm).
 *
 * <pre>
 *   each request deposits  ratio  tokens        balance ≤ maxBalance, starts full
 *   each retry or hedge withdraws 1 token       refused when the balance is below 1
 * </pre>
 *
 * In a steady state retries are at most {@code ratio × requests} plus the {@code maxBalance} burst. Tokens are kept
 * in thousandths. Thread-safe and lock-free.
 */
public final class RetryBudget {
    private static final long UNIT = 1000;
    private final long deposit;
    private final long cap;
    private final AtomicLong balance;
    private final boolean unlimited;

    /**
     * @param ratio retries allowed per request in the long run (0 to 1, e.g. 0.2)
     * @param maxBalance the burst of retries allowed after a quiet period (≥ 0)
     */
    public RetryBudget(double ratio, int maxBalance) {
        this(ratio, maxBalance, false);
    }

    private RetryBudget(double ratio, int maxBalance, boolean unlimited) {
        if (!(ratio >= 0 && ratio <= 1) || maxBalance < 0) {
            throw RouterException.invalid("retry budget: ratio must be in [0, 1] and the balance not negative");
        }
        this.deposit = Math.round(ratio * UNIT);
        this.cap = maxBalance * UNIT;
        this.balance = new AtomicLong(cap);
        this.unlimited = unlimited;
    }

    /** 20 % of requests, bursts of 100. */
    public static RetryBudget defaults() {
        return new RetryBudget(0.2, 100);
    }

    /** An unlimited budget (tests, or a gateway that caps retries elsewhere). */
    public static RetryBudget unlimited() {
        return new RetryBudget(0, 0, true);
    }

    /** Called once per request. */
    public void deposit() {
        balance.accumulateAndGet(deposit, (b, d) -> Math.min(cap, b + d));
    }

    /** Takes one token for a retry or a hedge; false (and nothing taken) when the budget is spent. Never blocks. */
    public boolean tryWithdraw() {
        if (unlimited) {
            return true;
        }
        while (true) {
            long b = balance.get();
            if (b < UNIT) {
                return false;
            }
            if (balance.compareAndSet(b, b - UNIT)) {
                return true;
            }
        }
    }
}
