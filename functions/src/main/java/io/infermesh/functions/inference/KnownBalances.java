package io.infermesh.functions.inference;

import io.infermesh.functions.Reservation;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Wei;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What this gateway last saw of each account's balance (the balance a reserve script answered with), for deciding
 * whether a call may be dispatched before its hold is placed. A hint only: the ledger in Redis decides every charge.
 * Another gateway's calls, or a withdrawal, can make the hint too high; that costs at most a worker call whose answer
 * is dropped with a 402. At most {@code capacity} accounts, least recently seen dropped first. Thread-safe.
 */
final class KnownBalances {
    private final int capacity;
    private final BigInteger headroom;
    private final Map<EthAddress, BigInteger> seen;

    /**
     * @param capacity accounts remembered
     * @param headroom how many times a call's price the last seen balance must cover for {@link #covers}
     */
    KnownBalances(int capacity, int headroom) {
        if (capacity < 1 || headroom < 1) {
            throw new IllegalArgumentException("capacity and headroom must be positive");
        }
        this.capacity = capacity;
        this.headroom = BigInteger.valueOf(headroom);
        this.seen = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<EthAddress, BigInteger> eldest) {
                return size() > KnownBalances.this.capacity;
            }
        };
    }

    /** Whether {@code account}'s last seen balance is at least {@code headroom ×} {@code price}; false if unseen. */
    synchronized boolean covers(EthAddress account, Wei price) {
        BigInteger balance = seen.get(account);
        return balance != null && balance.compareTo(price.amount().multiply(headroom)) >= 0;
    }

    /** Records the balance a reserve answered with, either way it went. */
    synchronized void saw(EthAddress account, Reservation reservation) {
        Wei balance =
                switch (reservation) {
                    case Reservation.Reserved r -> r.balance();
                    case Reservation.Insufficient i -> i.balance();
                };
        seen.put(account, balance.amount());
    }
}
