package io.infermesh.functions.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.functions.CommitOutcome;
import io.infermesh.functions.CreditOutcome;
import io.infermesh.functions.FunctionsException;
import io.infermesh.functions.Hold;
import io.infermesh.functions.Receipt;
import io.infermesh.functions.ReceiptDraft;
import io.infermesh.functions.ReleaseOutcome;
import io.infermesh.functions.RequestId;
import io.infermesh.functions.Reservation;
import io.infermesh.functions.TestKeys;
import io.infermesh.functions.Usage;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Wei;
import java.math.BigInteger;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class LedgerIT {
    /** 1 ETH + 7 wei: every sum below passes 2^53, where a double would round. */
    static final Wei PRICE = new Wei(BigInteger.TEN.pow(18).add(BigInteger.valueOf(7)));

    static final Cid MANIFEST = Cid.parse("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy");
    static final EthAddress PAYOUT = EthAddress.of("0x00000000000000000000000000000000000000aa");
    static final Duration LONG = Duration.ofHours(1);

    @RegisterExtension
    static final RedisServer server = RedisServer.forClass("ledger");

    RedisLedger ledger;
    EthAddress alice;

    @BeforeEach
    void fresh() {
        server.flush();
        ledger = new RedisLedger(server.state(), Duration.ofDays(7));
        alice = TestKeys.address(TestKeys.random());
    }

    static Wei times(Wei w, long n) {
        return new Wei(w.amount().multiply(BigInteger.valueOf(n)));
    }

    static Wei plus(Wei a, Wei b) {
        return new Wei(a.amount().add(b.amount()));
    }

    static ReceiptDraft draft(Wei price) {
        return new ReceiptDraft("org/minilm:1", MANIFEST, "pool-a/gpu-0", PAYOUT, price);
    }

    Hold reserve(RequestId id, Wei amount, Duration ttl) {
        return assertInstanceOf(Reservation.Reserved.class, ledger.reserve(alice, id, amount, ttl))
                .hold();
    }

    Wei receiptTotal() {
        BigInteger sum = BigInteger.ZERO;
        for (Receipt r : ledger.receipts("0-0", 100_000)) {
            sum = sum.add(r.price().amount());
        }
        return new Wei(sum);
    }

    @Test
    void insufficientBalanceMovesNothing() {
        ledger.credit(alice, Wei.parse("5"), "faucet", "f1");
        Reservation r = ledger.reserve(alice, RequestId.random(), Wei.parse("6"), LONG);
        assertEquals(new Reservation.Insufficient(Wei.parse("5"), Wei.parse("6")), r);
        assertEquals(Wei.parse("5"), ledger.balance(alice));
        assertEquals(0, ledger.receipts("0-0", 10).size());
        assertEquals(
                new Reservation.Insufficient(Wei.ZERO, Wei.parse("1")),
                ledger.reserve(TestKeys.address(TestKeys.random()), RequestId.random(), Wei.parse("1"), LONG));
    }

    @Test
    void concurrentReservesNeverOverdrawAndSumExactly() throws Exception {
        Wei half = new Wei(PRICE.amount().shiftRight(1));
        ledger.credit(alice, plus(times(PRICE, 50), half), "faucet", "f1");
        int threads = 16;
        int perThread = 10;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<List<Reservation>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    go.await();
                    List<Reservation> mine = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        mine.add(ledger.reserve(alice, RequestId.random(), PRICE, LONG));
                    }
                    return mine;
                }));
            }
            go.countDown();
            List<Hold> holds = new ArrayList<>();
            int insufficient = 0;
            for (Future<List<Reservation>> f : futures) {
                for (Reservation r : f.get()) {
                    switch (r) {
                        case Reservation.Reserved ok -> holds.add(ok.hold());
                        case Reservation.Insufficient no -> insufficient++;
                    }
                }
            }
            assertEquals(50, holds.size());
            assertEquals(threads * perThread - 50, insufficient);
            assertEquals(half, ledger.balance(alice));

            // settle them concurrently: even ones served (commit), odd ones failed (release)
            List<Callable<Object>> finish = new ArrayList<>();
            for (int i = 0; i < holds.size(); i++) {
                RequestId id = holds.get(i).requestId();
                finish.add(i % 2 == 0 ? () -> ledger.commit(id, draft(PRICE)) : () -> ledger.release(id));
            }
            for (Future<Object> f : pool.invokeAll(finish)) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(25, ledger.receipts("0-0", 1000).size());
        assertEquals(times(PRICE, 25), receiptTotal());
        assertEquals(plus(times(PRICE, 25), half), ledger.balance(alice));
    }

    @Test
    void commitIsExactlyOnce() {
        RequestId id = RequestId.random();
        ledger.credit(alice, PRICE, "faucet", "f1");
        reserve(id, PRICE, LONG);
        CommitOutcome first = ledger.commit(id, draft(PRICE));
        CommitOutcome again = ledger.commit(id, draft(PRICE));
        assertInstanceOf(CommitOutcome.Committed.class, first);
        assertEquals(first, again);
        assertEquals(1, ledger.receipts("0-0", 10).size());
        assertEquals(Wei.ZERO, ledger.balance(alice));
        ReleaseOutcome late = ledger.release(id);
        assertEquals(new ReleaseOutcome.AlreadyCommitted(((CommitOutcome.Committed) first).receiptId()), late);
        assertEquals(Wei.ZERO, ledger.balance(alice));
    }

    @Test
    void releaseIsExactlyOnceAndACommitAfterItIsRefused() {
        RequestId id = RequestId.random();
        ledger.credit(alice, PRICE, "faucet", "f1");
        reserve(id, PRICE, LONG);
        assertEquals(Wei.ZERO, ledger.balance(alice));
        assertEquals(new ReleaseOutcome.Released(PRICE, true), ledger.release(id));
        assertEquals(new ReleaseOutcome.Released(PRICE, false), ledger.release(id));
        assertEquals(PRICE, ledger.balance(alice));
        assertEquals(new CommitOutcome.AlreadyReleased(), ledger.commit(id, draft(PRICE)));
        assertEquals(0, ledger.receipts("0-0", 10).size());
        assertEquals(PRICE, ledger.balance(alice));
    }

    @Test
    void crossedCommitsAndReleasesSettleEachHoldOnce() throws Exception {
        // a worker dies mid-call: the gateway's release races a late success's commit, twice each
        int holds = 40;
        ledger.credit(alice, times(PRICE, holds), "faucet", "f1");
        List<RequestId> ids = new ArrayList<>();
        for (int i = 0; i < holds; i++) {
            RequestId id = RequestId.random();
            reserve(id, PRICE, LONG);
            ids.add(id);
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Callable<Object>> calls = new ArrayList<>();
        for (RequestId id : ids) {
            calls.add(() -> ledger.commit(id, draft(PRICE)));
            calls.add(() -> ledger.release(id));
            calls.add(() -> ledger.commit(id, draft(PRICE)));
            calls.add(() -> ledger.release(id));
        }
        java.util.Collections.shuffle(calls);
        try {
            for (Future<Object> f : pool.invokeAll(calls)) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        List<Receipt> receipts = ledger.receipts("0-0", 1000);
        Set<RequestId> receipted = receipts.stream().map(Receipt::requestId).collect(Collectors.toSet());
        assertEquals(receipts.size(), receipted.size(), "a request was receipted twice");
        for (RequestId id : ids) {
            boolean committed = receipted.contains(id);
            Object outcome = ledger.release(id);
            assertEquals(committed, outcome instanceof ReleaseOutcome.AlreadyCommitted, id.value());
        }
        // money conservation: balance + charged = credited
        assertEquals(times(PRICE, holds), plus(ledger.balance(alice), receiptTotal()));
    }

    @Test
    void theSweeperReleasesExpiredHoldsAndALateCommitIsRefused() throws Exception {
        ledger.credit(alice, times(PRICE, 2), "faucet", "f1");
        RequestId stuck = RequestId.random();
        RequestId live = RequestId.random();
        reserve(stuck, PRICE, Duration.ofMillis(1));
        reserve(live, PRICE, LONG);
        // the gateway that reserved `stuck` died; Redis time passes its 1 ms expiry almost at once
        int released = 0;
        for (int attempt = 0; attempt < 500 && released == 0; attempt++) {
            released = ledger.releaseExpired(100);
        }
        assertEquals(1, released);
        assertEquals(0, ledger.releaseExpired(100));
        assertEquals(PRICE, ledger.balance(alice));
        assertEquals(new CommitOutcome.AlreadyReleased(), ledger.commit(stuck, draft(PRICE)));
        assertInstanceOf(CommitOutcome.Committed.class, ledger.commit(live, draft(PRICE)));
        assertEquals(
                List.of(live),
                ledger.receipts("0-0", 10).stream().map(Receipt::requestId).toList());
    }

    @Test
    void aCommitBeforeTheSweepStillWins() throws Exception {
        ledger.credit(alice, PRICE, "faucet", "f1");
        RequestId id = RequestId.random();
        reserve(id, PRICE, Duration.ofMillis(1));
        assertInstanceOf(CommitOutcome.Committed.class, ledger.commit(id, draft(PRICE)));
        assertEquals(0, ledger.releaseExpired(100));
        assertEquals(Wei.ZERO, ledger.balance(alice));
    }

    @Test
    void aCommitMayChargeLessThanHeldAndReturnsTheRest() {
        ledger.credit(alice, times(PRICE, 3), "faucet", "f1");
        RequestId id = RequestId.random();
        reserve(id, times(PRICE, 2), LONG);
        assertEquals(PRICE, ledger.balance(alice));
        CommitOutcome.Committed c =
                assertInstanceOf(CommitOutcome.Committed.class, ledger.commit(id, draft(Wei.parse("1"))));
        assertEquals(Wei.parse("1"), c.charged());
        assertEquals(new Wei(times(PRICE, 3).amount().subtract(BigInteger.ONE)), ledger.balance(alice));
    }

    @Test
    void aPriceAboveTheHoldIsRefusedAndTheHoldStays() {
        ledger.credit(alice, times(PRICE, 2), "faucet", "f1");
        RequestId id = RequestId.random();
        reserve(id, PRICE, LONG);
        FunctionsException e = assertThrows(FunctionsException.class, () -> ledger.commit(id, draft(times(PRICE, 2))));
        assertEquals(FunctionsException.ErrorCode.INVALID_INPUT, e.code());
        assertEquals(0, ledger.receipts("0-0", 10).size());
        assertEquals(new ReleaseOutcome.Released(PRICE, true), ledger.release(id));
        assertEquals(times(PRICE, 2), ledger.balance(alice));
    }

    @Test
    void aRepeatedReserveReturnsTheSameHoldAndAReusedIdIsAConflict() {
        ledger.credit(alice, times(PRICE, 3), "faucet", "f1");
        RequestId id = RequestId.random();
        Hold first = reserve(id, PRICE, LONG);
        assertEquals(first, reserve(id, PRICE, LONG));
        assertEquals(times(PRICE, 2), ledger.balance(alice));
        FunctionsException e =
                assertThrows(FunctionsException.class, () -> ledger.reserve(alice, id, times(PRICE, 2), LONG));
        assertEquals(FunctionsException.ErrorCode.CONFLICT, e.code());
        EthAddress bob = TestKeys.address(TestKeys.random());
        ledger.credit(bob, PRICE, "faucet", "f1");
        assertThrows(FunctionsException.class, () -> ledger.reserve(bob, id, PRICE, LONG));
        assertEquals(PRICE, ledger.balance(bob));
    }

    @Test
    void aCreditIsAppliedOncePerId() {
        assertEquals(new CreditOutcome.Credited(PRICE), ledger.credit(alice, PRICE, "deposit", "0xabc:3"));
        assertEquals(
                new CreditOutcome.AlreadyCredited(PRICE, PRICE),
                ledger.credit(alice, times(PRICE, 9), "deposit", "0xabc:3"));
        assertEquals(PRICE, ledger.balance(alice));
    }

    @Test
    void balancesAreExactUpTo2To256Minus1AndNoFurther() {
        BigInteger max = BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE);
        ledger.credit(alice, new Wei(max.subtract(BigInteger.TWO)), "faucet", "f1");
        ledger.credit(alice, Wei.parse("1"), "faucet", "f2");
        ledger.credit(alice, Wei.parse("1"), "faucet", "f3");
        assertEquals(new Wei(max), ledger.balance(alice));
        FunctionsException e =
                assertThrows(FunctionsException.class, () -> ledger.credit(alice, Wei.parse("1"), "faucet", "f4"));
        assertEquals(FunctionsException.ErrorCode.INVALID_INPUT, e.code());
        assertEquals(new Wei(max), ledger.balance(alice));
        // 2^53 + 1 is where doubles start to round
        RequestId id = RequestId.random();
        Wei odd = new Wei(BigInteger.ONE.shiftLeft(53).add(BigInteger.ONE));
        reserve(id, odd, LONG);
        assertEquals(new Wei(max.subtract(odd.amount())), ledger.balance(alice));
        ledger.commit(id, draft(Wei.parse("1")));
        assertEquals(new Wei(max.subtract(BigInteger.ONE)), ledger.balance(alice));
    }

    @Test
    void holdsOfSmallAmountsSumExactlyPast2To53() {
        // 15-digit amounts are summed as Lua numbers (ledger.lua) until the sum nears 2^53
        Wei small = Wei.parse("999999999999999");
        Wei odd = Wei.parse("123456789012345");
        BigInteger credit = BigInteger.ONE.shiftLeft(70).add(BigInteger.valueOf(12_345));
        ledger.credit(alice, new Wei(credit), "faucet", "f1");
        List<RequestId> ids = new ArrayList<>();
        BigInteger held = BigInteger.ZERO;
        for (int i = 0; i < 25; i++) {
            RequestId id = RequestId.random();
            Wei amount = i % 2 == 0 ? small : odd;
            Reservation.Reserved r =
                    assertInstanceOf(Reservation.Reserved.class, ledger.reserve(alice, id, amount, LONG));
            held = held.add(amount.amount());
            assertEquals(new Wei(credit.subtract(held)), r.balance(), "after " + (i + 1) + " holds");
            ids.add(id);
        }
        assertTrue(held.compareTo(BigInteger.ONE.shiftLeft(53)) > 0, "the holds together pass 2^53");
        assertEquals(new Wei(credit.subtract(held)), ledger.balance(alice));
        ledger.commit(ids.get(0), draft(Wei.parse("1")));
        ledger.release(ids.get(1));
        assertEquals(
                new Wei(credit.subtract(held)
                        .add(small.amount())
                        .subtract(BigInteger.ONE)
                        .add(odd.amount())),
                ledger.balance(alice));
    }

    @Test
    void receiptsCarryTheDraftAndUsageCountsPerModelAndDay() {
        ledger.credit(alice, times(PRICE, 3), "faucet", "f1");
        for (int i = 0; i < 3; i++) {
            RequestId id = RequestId.random();
            reserve(id, PRICE, LONG);
            String model = i < 2 ? "org/a:1" : "org/b:1";
            ledger.commit(id, new ReceiptDraft(model, MANIFEST, "w" + i, PAYOUT, PRICE));
        }
        List<Receipt> receipts = ledger.receipts("0-0", 10);
        assertEquals(3, receipts.size());
        Receipt r = receipts.get(0);
        assertEquals(alice, r.account());
        assertEquals(MANIFEST, r.manifest());
        assertEquals(PAYOUT, r.payout());
        assertEquals("w0", r.worker());
        assertEquals(PRICE, r.price());
        assertEquals(receipts.subList(1, 3), ledger.receipts(r.id().value(), 10));
        LocalDate day = LocalDate.ofInstant(r.committedAt(), ZoneOffset.UTC);
        // the three commits may straddle midnight UTC: compare per-model totals over the surrounding days
        List<Usage> usage = ledger.usage(alice, day.minusDays(1), day.plusDays(1));
        assertEquals(
                2,
                usage.stream()
                        .filter(u -> u.model().equals("org/a:1"))
                        .mapToLong(Usage::calls)
                        .sum());
        assertEquals(
                1,
                usage.stream()
                        .filter(u -> u.model().equals("org/b:1"))
                        .mapToLong(Usage::calls)
                        .sum());
        assertEquals(
                times(PRICE, 3).amount(),
                usage.stream().map(u -> u.spent().amount()).reduce(BigInteger.ZERO, BigInteger::add));
        assertEquals(new Usage(day, "org/a:1", 1, PRICE).day(), usage.get(0).day());
        assertTrue(ledger.usage(alice, day.plusDays(2), day.plusDays(3)).isEmpty());
    }

    @Test
    void scriptsStillRunAfterTheServerForgetsThem() {
        server.state().call(c -> c.scriptFlush());
        assertEquals(new CreditOutcome.Credited(PRICE), ledger.credit(alice, PRICE, "faucet", "f1"));
        assertInstanceOf(Reservation.Reserved.class, ledger.reserve(alice, RequestId.random(), PRICE, LONG));
    }
}
