package io.infermesh.functions.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

class DurabilityIT {
    static final Wei PRICE = new Wei(BigInteger.TEN.pow(18).add(BigInteger.valueOf(3)));
    static final Cid MANIFEST = Cid.parse("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy");
    static final EthAddress PAYOUT = EthAddress.of("0x00000000000000000000000000000000000000aa");

    @Test
    void receiptsBalancesAndHoldsSurviveKillMinus9() throws Exception {
        try (RedisServer server = RedisServer.start("durability")) {
            RedisLedger ledger = new RedisLedger(server.state(), Duration.ofDays(7));
            EthAddress alice = TestKeys.address(TestKeys.random());
            ledger.credit(alice, new Wei(PRICE.amount().multiply(BigInteger.valueOf(30))), "faucet", "f1");
            List<RequestId> committed = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                RequestId id = RequestId.random();
                assertInstanceOf(Reservation.Reserved.class, ledger.reserve(alice, id, PRICE, Duration.ofHours(1)));
                assertInstanceOf(
                        CommitOutcome.Committed.class,
                        ledger.commit(id, new ReceiptDraft("org/minilm:1", MANIFEST, "w1", PAYOUT, PRICE)));
                committed.add(id);
            }
            RequestId open = RequestId.random();
            ledger.reserve(alice, open, PRICE, Duration.ofHours(1));
            List<Receipt> before = ledger.receipts("0-0", 100);
            Wei balanceBefore = ledger.balance(alice);

            server.kill();
            server.restart();

            RedisLedger after = new RedisLedger(server.state(), Duration.ofDays(7));
            assertEquals(before, after.receipts("0-0", 100));
            assertEquals(committed, before.stream().map(Receipt::requestId).toList());
            assertEquals(balanceBefore, after.balance(alice));
            assertEquals(new Wei(PRICE.amount().multiply(BigInteger.valueOf(9))), balanceBefore);
            // the open hold survived too: exactly-once still holds across the crash
            assertEquals(
                    CommitOutcome.Committed.class,
                    after.commit(committed.get(0), new ReceiptDraft("org/minilm:1", MANIFEST, "w1", PAYOUT, PRICE))
                            .getClass());
            assertEquals(20, after.receipts("0-0", 100).size());
            assertEquals(new ReleaseOutcome.Released(PRICE, true), after.release(open));
        }
    }
}
