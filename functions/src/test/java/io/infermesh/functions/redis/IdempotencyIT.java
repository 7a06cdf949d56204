package io.infermesh.functions.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.functions.CommitOutcome;
import io.infermesh.functions.IdempotencyClaim;
import io.infermesh.functions.IdempotencyCompletion;
import io.infermesh.functions.IdempotencyKey;
import io.infermesh.functions.ReceiptId;
import io.infermesh.functions.RequestId;
import io.infermesh.functions.StoredResponse;
import io.infermesh.functions.TestKeys;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Wei;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class IdempotencyIT {
    static final IdempotencyKey KEY = new IdempotencyKey("retry-me-1");
    static final StoredResponse RESPONSE = new StoredResponse(
            200,
            Map.of("content-type", "application/json", "x-infermesh-cost-wei", "1000000000000000007"),
            "{\"data\":[0.1,0.2]}".getBytes(StandardCharsets.UTF_8),
            Wei.parse("1000000000000000007"),
            Optional.of(new ReceiptId("1763788575205-0")));

    @RegisterExtension
    static final RedisServer server = RedisServer.forClass("idempotency");

    RedisIdempotency idempotency;
    EthAddress alice;

    @BeforeEach
    void fresh() {
        server.flush();
        idempotency = new RedisIdempotency(server.state(), Duration.ofHours(24), Duration.ofMinutes(2));
        alice = TestKeys.address(TestKeys.random());
    }

    @Test
    void theFirstCallClaimsDuplicatesWaitThenReplayTheFirstResponse() {
        IdempotencyClaim.Claimed claim =
                assertInstanceOf(IdempotencyClaim.Claimed.class, idempotency.claim(alice, KEY, "h1"));
        assertEquals(new IdempotencyClaim.InProgress(), idempotency.claim(alice, KEY, "h1"));
        assertTrue(idempotency.complete(alice, KEY, claim.token(), RESPONSE));
        assertEquals(new IdempotencyClaim.Replay(RESPONSE), idempotency.claim(alice, KEY, "h1"));
        assertEquals(new IdempotencyClaim.Replay(RESPONSE), idempotency.claim(alice, KEY, "h1"));
        long ttl = server.state().call(c -> c.pttl(RedisKeys.idempotency(alice, Sha256.hex(KEY.value()))));
        assertTrue(
                ttl > Duration.ofHours(23).toMillis()
                        && ttl <= Duration.ofHours(24).toMillis(),
                "ttl " + ttl);
    }

    @Test
    void aDifferentBodyIsAConflictInEveryState() {
        IdempotencyClaim.Claimed claim =
                assertInstanceOf(IdempotencyClaim.Claimed.class, idempotency.claim(alice, KEY, "h1"));
        assertEquals(new IdempotencyClaim.Conflict(), idempotency.claim(alice, KEY, "h2"));
        idempotency.complete(alice, KEY, claim.token(), RESPONSE);
        assertEquals(new IdempotencyClaim.Conflict(), idempotency.claim(alice, KEY, "h2"));
    }

    @Test
    void keysAreScopedToTheAccount() {
        idempotency.claim(alice, KEY, "h1");
        EthAddress bob = TestKeys.address(TestKeys.random());
        assertInstanceOf(IdempotencyClaim.Claimed.class, idempotency.claim(bob, KEY, "h2"));
    }

    @Test
    void anAbandonedClaimLetsTheRetryRunAgain() {
        IdempotencyClaim.Claimed claim =
                assertInstanceOf(IdempotencyClaim.Claimed.class, idempotency.claim(alice, KEY, "h1"));
        assertTrue(idempotency.abandon(alice, KEY, claim.token()));
        IdempotencyClaim.Claimed again =
                assertInstanceOf(IdempotencyClaim.Claimed.class, idempotency.claim(alice, KEY, "h1"));
        // the first claim's token no longer finishes anything
        assertFalse(idempotency.complete(alice, KEY, claim.token(), RESPONSE));
        assertFalse(idempotency.abandon(alice, KEY, claim.token()));
        assertTrue(idempotency.complete(alice, KEY, again.token(), RESPONSE));
        assertFalse(idempotency.abandon(alice, KEY, again.token()));
        assertEquals(new IdempotencyClaim.Replay(RESPONSE), idempotency.claim(alice, KEY, "h1"));
    }

    @Test
    void concurrentDuplicatesGetExactlyOneClaim() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Callable<IdempotencyClaim>> calls = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            calls.add(() -> idempotency.claim(alice, KEY, "h1"));
        }
        int claimed = 0;
        int inProgress = 0;
        try {
            for (Future<IdempotencyClaim> f : pool.invokeAll(calls)) {
                switch (f.get()) {
                    case IdempotencyClaim.Claimed c -> claimed++;
                    case IdempotencyClaim.InProgress p -> inProgress++;
                    default -> throw new AssertionError("unexpected " + f.get());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, claimed);
        assertEquals(63, inProgress);
    }

    @Test
    void aCommitCompletesTheClaimInTheSameStepWithWhatItCharged() {
        RedisLedger ledger = new RedisLedger(server.state(), Duration.ofDays(7));
        ledger.credit(alice, Wei.parse("1000"), "test", "grant-1");
        RequestId request = RequestId.random();
        ledger.reserve(alice, request, Wei.parse("700"), Duration.ofMinutes(1));
        IdempotencyClaim.Claimed claim =
                assertInstanceOf(IdempotencyClaim.Claimed.class, idempotency.claim(alice, KEY, "h1"));
        StoredResponse uncharged = new StoredResponse(
                200, Map.of("Content-Type", "application/json"), RESPONSE.body(), Wei.ZERO, Optional.empty());

        CommitOutcome.Committed committed = assertInstanceOf(
                CommitOutcome.Committed.class,
                ledger.commit(
                        request,
                        LedgerIT.draft(Wei.parse("600")),
                        Optional.of(new IdempotencyCompletion(
                                alice, KEY, claim.token(), uncharged, idempotency.replayWindow()))));

        StoredResponse stored = new StoredResponse(
                200, uncharged.headers(), uncharged.body(), Wei.parse("600"), Optional.of(committed.receiptId()));
        assertEquals(new IdempotencyClaim.Replay(stored), idempotency.claim(alice, KEY, "h1"));
        assertFalse(idempotency.abandon(alice, KEY, claim.token()), "a completed claim cannot be given up");
        long ttl = server.state().call(c -> c.pttl(RedisKeys.idempotency(alice, Sha256.hex(KEY.value()))));
        assertTrue(ttl > Duration.ofHours(23).toMillis(), "kept for the replay window, ttl " + ttl);
    }

    @Test
    void aCommitLeavesAClaimItDoesNotHoldAloneAndStillCharges() {
        RedisLedger ledger = new RedisLedger(server.state(), Duration.ofDays(7));
        ledger.credit(alice, Wei.parse("1000"), "test", "grant-1");
        RequestId request = RequestId.random();
        ledger.reserve(alice, request, Wei.parse("700"), Duration.ofMinutes(1));
        assertInstanceOf(IdempotencyClaim.Claimed.class, idempotency.claim(alice, KEY, "h1"));

        assertInstanceOf(
                CommitOutcome.Committed.class,
                ledger.commit(
                        request,
                        LedgerIT.draft(Wei.parse("600")),
                        Optional.of(new IdempotencyCompletion(
                                alice, KEY, "not-the-token", RESPONSE, idempotency.replayWindow()))));

        assertEquals(new IdempotencyClaim.InProgress(), idempotency.claim(alice, KEY, "h1"));
        assertEquals(Wei.parse("400"), ledger.balance(alice));
    }
}
