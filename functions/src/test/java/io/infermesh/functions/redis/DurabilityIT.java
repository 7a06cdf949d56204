package io.infermesh.functions.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.infermesh.functions.CommitOutcome;
import io.infermesh.functions.Receipt;
import io.infermesh.functions.ReceiptDraft;
import io.infermesh.functions.ReleaseOutcome;
import io.infermesh.functions.RequestId;
import io.infermesh.functions.Reservation;
import io.infermesh.functions.TestKeys;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Wei;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ledger across a Redis crash (SIGKILL) and an AOF rewrite, against a real server from {@code deploy/redis.sh}. */
class DurabilityIT {
    static final Wei PRICE = new Wei(BigInteger.TEN.pow(18).add(BigInteger.valueOf(3)));
    static final Cid MANIFEST = Cid.parse("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy");
    static final EthAddress PAYOUT = EthAddress.of("0x00000000000000000000000000000000000000aa");

    @Test
    void receiptsAndBalancesSurviveKillMinus9AndHoldsInFlightAreReturned() throws Exception {
        try (RedisServer server = RedisServer.start("durability")) {
            RedisLedger ledger = new RedisLedger(server.state(), Duration.ofDays(7));
            EthAddress alice = TestKeys.address(TestKeys.random());
            ledger.credit(alice, times(30), "faucet", "f1");
            List<RequestId> committed = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                RequestId id = RequestId.random();
                assertInstanceOf(Reservation.Reserved.class, ledger.reserve(alice, id, PRICE, Duration.ofHours(1)));
                assertInstanceOf(CommitOutcome.Committed.class, ledger.commit(id, draft()));
                committed.add(id);
            }
            RequestId open = RequestId.random();
            ledger.reserve(alice, open, PRICE, Duration.ofHours(1));
            List<Receipt> before = ledger.receipts("0-0", 100);
            assertEquals(times(9), ledger.balance(alice), "10 owned, 1 held");

            server.kill();
            String aof = server.appendOnlyText();
            server.restart();

            RedisLedger after = new RedisLedger(server.state(), Duration.ofDays(7));
            assertEquals(before, after.receipts("0-0", 100));
            assertEquals(committed, before.stream().map(Receipt::requestId).toList());
            assertFalse(aof.contains(open.value()), "a hold in flight is soft state: nothing of it in the AOF");
            assertEquals(times(10), after.balance(alice), "the hold in flight is gone, its amount spendable again");
            // a committed hold is durable: a repeated commit still finds its receipt and charges nothing more
            CommitOutcome.Committed again =
                    assertInstanceOf(CommitOutcome.Committed.class, after.commit(committed.get(0), draft()));
            assertEquals(before.get(0).id(), again.receiptId());
            assertEquals(new ReleaseOutcome.AlreadyCommitted(before.get(0).id()), after.release(committed.get(0)));
            // the lost hold's call charges nothing
            assertEquals(new CommitOutcome.UnknownHold(), after.commit(open, draft()));
            assertEquals(20, after.receipts("0-0", 100).size());
            assertEquals(times(10), after.balance(alice));
        }
    }

    @Test
    void holdsCopiedByAnAofRewriteComeBackOnlyIfStillOpenAndTheSweeperReturnsThem() throws Exception {
        try (RedisServer server = RedisServer.start("rewrite")) {
            RedisLedger ledger = new RedisLedger(server.state(), Duration.ofDays(7));
            EthAddress alice = TestKeys.address(TestKeys.random());
            ledger.credit(alice, times(10), "faucet", "f1");
            RequestId toCommit = RequestId.random();
            RequestId toRelease = RequestId.random();
            ledger.reserve(alice, toCommit, PRICE, Duration.ofHours(1));
            ledger.reserve(alice, toRelease, PRICE, Duration.ofSeconds(2));
            rewriteAof(server);
            // after the rewrite, whose base holds both holds: one is committed (durable), one released (soft)
            Receipt receipt = receiptOf(
                    ledger, assertInstanceOf(CommitOutcome.Committed.class, ledger.commit(toCommit, draft())));
            assertInstanceOf(ReleaseOutcome.Released.class, ledger.release(toRelease));
            assertEquals(times(9), ledger.balance(alice));

            server.kill();
            server.restart();

            RedisLedger after = new RedisLedger(server.state(), Duration.ofDays(7));
            assertEquals(List.of(receipt), after.receipts("0-0", 100));
            assertInstanceOf(CommitOutcome.Committed.class, after.commit(toCommit, draft()));
            assertEquals(times(8), after.balance(alice), "the released hold came back from the rewrite, still held");
            Thread.sleep(2_100); // past the hold's 2-s ttl
            assertEquals(1, after.releaseExpired(10));
            assertEquals(times(9), after.balance(alice), "the sweeper returned it; only the committed call paid");
            assertEquals(1, after.receipts("0-0", 100).size());
        }
    }

    private static Receipt receiptOf(RedisLedger ledger, CommitOutcome.Committed committed) {
        return ledger.receipts("0-0", 100).stream()
                .filter(r -> r.id().equals(committed.receiptId()))
                .findFirst()
                .orElseThrow();
    }

    /** BGREWRITEAOF, then waits until the new base file is in place. */
    private static void rewriteAof(RedisServer server) throws InterruptedException {
        server.state().call(c -> c.bgrewriteaof());
        for (int i = 0; i < 300; i++) {
            String info = server.state().call(c -> c.info("persistence"));
            if (info.contains("aof_rewrite_in_progress:0") && info.contains("aof_rewrite_scheduled:0")) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the AOF rewrite did not finish in 15 s");
    }

    private static Wei times(long n) {
        return new Wei(PRICE.amount().multiply(BigInteger.valueOf(n)));
    }

    private static ReceiptDraft draft() {
        return new ReceiptDraft("org/minilm:1", MANIFEST, "w1", PAYOUT, PRICE);
    }
}
