package io.infermesh.functions.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.functions.Heartbeat;
import io.infermesh.functions.HeartbeatOutcome;
import io.infermesh.functions.LiveWorker;
import io.infermesh.functions.PoolRegistration;
import io.infermesh.functions.RegistrationOutcome;
import io.infermesh.functions.RegistrationOutcome.Reason;
import io.infermesh.functions.RegistryPolicy;
import io.infermesh.functions.Signed;
import io.infermesh.functions.TestKeys;
import io.infermesh.functions.WorkerRegistration;
import io.infermesh.functions.WorkerState;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Wei;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.web3j.crypto.ECKeyPair;

class RegistryIT {
    static final Cid MINILM = Cid.parse("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy");
    static final Heartbeat BEAT = new Heartbeat(2, Map.of("org/minilm:1", MINILM), 1L << 30, 480.0);

    @RegisterExtension
    static final RedisServer server = RedisServer.forClass("registry");

    final AtomicReference<Instant> now = new AtomicReference<>(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    final InstantSource clock = () -> now.get();
    ECKeyPair poolKey;
    EthAddress pool;

    @BeforeEach
    void fresh() {
        server.flush();
        poolKey = TestKeys.random();
        pool = TestKeys.address(poolKey);
    }

    RedisRegistry registry(Duration leaseTtl) {
        return new RedisRegistry(server.state(), new RegistryPolicy(leaseTtl, Duration.ofMinutes(5)), clock);
    }

    PoolRegistration poolRegistration(Instant issuedAt, String defaultPrice) {
        return new PoolRegistration(
                pool,
                EthAddress.of("0x00000000000000000000000000000000000000aa"),
                Wei.parse(defaultPrice),
                Map.of("org/minilm", Wei.parse("5")),
                issuedAt,
                TestKeys.nonce());
    }

    Signed<WorkerRegistration> worker(String id) {
        return Signed.sign(new WorkerRegistration(pool, id, "127.0.0.1:9000", now.get(), TestKeys.nonce()), poolKey);
    }

    @Test
    void aPoolRegistersWithItsOwnSignatureOnly() {
        RedisRegistry registry = registry(Duration.ofSeconds(10));
        PoolRegistration p = poolRegistration(now.get(), "1000");
        assertEquals(
                new RegistrationOutcome.Refused(Reason.BAD_SIGNATURE),
                registry.registerPool(Signed.sign(p, TestKeys.random())));
        Signed<PoolRegistration> signed = Signed.sign(p, poolKey);
        assertEquals(new RegistrationOutcome.PoolAccepted(), registry.registerPool(signed));
        assertEquals(Optional.of(p), registry.pool(pool));
        assertEquals(Wei.parse("5"), registry.pool(pool).orElseThrow().priceFor("org/minilm"));
    }

    @Test
    void replayedStaleAndOlderRegistrationsAreRefused() {
        RedisRegistry registry = registry(Duration.ofSeconds(10));
        Signed<PoolRegistration> signed = Signed.sign(poolRegistration(now.get(), "1000"), poolKey);
        assertEquals(new RegistrationOutcome.PoolAccepted(), registry.registerPool(signed));
        assertEquals(new RegistrationOutcome.Refused(Reason.REPLAYED), registry.registerPool(signed));
        assertEquals(
                new RegistrationOutcome.Refused(Reason.STALE),
                registry.registerPool(Signed.sign(poolRegistration(now.get().minusSeconds(301), "1"), poolKey)));
        assertEquals(
                new RegistrationOutcome.Refused(Reason.SUPERSEDED),
                registry.registerPool(Signed.sign(poolRegistration(now.get().minusSeconds(60), "1"), poolKey)));
        PoolRegistration newer = poolRegistration(now.get().plusSeconds(1), "2000");
        assertEquals(new RegistrationOutcome.PoolAccepted(), registry.registerPool(Signed.sign(newer, poolKey)));
        assertEquals(Optional.of(newer), registry.pool(pool));
    }

    @Test
    void workersRegisterUnderARegisteredPoolAndHeartbeatWithTheirToken() {
        RedisRegistry registry = registry(Duration.ofSeconds(10));
        assertEquals(new RegistrationOutcome.Refused(Reason.UNKNOWN_POOL), registry.registerWorker(worker("w1")));
        registry.registerPool(Signed.sign(poolRegistration(now.get(), "1000"), poolKey));
        assertEquals(
                new RegistrationOutcome.Refused(Reason.BAD_SIGNATURE),
                registry.registerWorker(Signed.sign(
                        new WorkerRegistration(pool, "w1", "127.0.0.1:9000", now.get(), TestKeys.nonce()),
                        TestKeys.random())));
        RegistrationOutcome.WorkerAccepted w1 =
                assertInstanceOf(RegistrationOutcome.WorkerAccepted.class, registry.registerWorker(worker("w1")));
        assertEquals(List.of(), registry.liveWorkers(), "live only after its first heartbeat");

        assertEquals(new HeartbeatOutcome.WrongToken(), registry.heartbeat("w1", "nope", BEAT));
        assertEquals(new HeartbeatOutcome.UnknownWorker(), registry.heartbeat("w9", w1.leaseToken(), BEAT));
        Instant before = server.state().time();
        HeartbeatOutcome.Renewed renewed =
                assertInstanceOf(HeartbeatOutcome.Renewed.class, registry.heartbeat("w1", w1.leaseToken(), BEAT));
        assertTrue(!renewed.leaseExpiresAt().isBefore(before.plusSeconds(10).minusMillis(1)));

        List<LiveWorker> live = registry.liveWorkers();
        assertEquals(1, live.size());
        assertEquals(new LiveWorker("w1", pool, "127.0.0.1:9000", BEAT, renewed.leaseExpiresAt()), live.get(0));

        // another pool cannot take the id
        ECKeyPair otherKey = TestKeys.random();
        EthAddress other = TestKeys.address(otherKey);
        registry.registerPool(Signed.sign(
                new PoolRegistration(other, other, Wei.parse("1"), Map.of(), now.get(), TestKeys.nonce()), otherKey));
        assertEquals(
                new RegistrationOutcome.Refused(Reason.WORKER_OF_ANOTHER_POOL),
                registry.registerWorker(Signed.sign(
                        new WorkerRegistration(other, "w1", "127.0.0.1:9001", now.get(), TestKeys.nonce()), otherKey)));

        // re-registering replaces the token
        RegistrationOutcome.WorkerAccepted again =
                assertInstanceOf(RegistrationOutcome.WorkerAccepted.class, registry.registerWorker(worker("w1")));
        assertEquals(new HeartbeatOutcome.WrongToken(), registry.heartbeat("w1", w1.leaseToken(), BEAT));
        assertInstanceOf(HeartbeatOutcome.Renewed.class, registry.heartbeat("w1", again.leaseToken(), BEAT));
    }

    @Test
    void aLeaseThatIsNotRenewedExpiresWithoutASweeper() {
        RedisRegistry shortLeases = registry(Duration.ofMillis(50));
        RedisRegistry longLeases = registry(Duration.ofMinutes(1));
        shortLeases.registerPool(Signed.sign(poolRegistration(now.get(), "1000"), poolKey));
        String quiet = ((RegistrationOutcome.WorkerAccepted) shortLeases.registerWorker(worker("quiet"))).leaseToken();
        String steady = ((RegistrationOutcome.WorkerAccepted) longLeases.registerWorker(worker("steady"))).leaseToken();
        shortLeases.heartbeat("quiet", quiet, BEAT);
        longLeases.heartbeat("steady", steady, BEAT);

        // poll (bounded) until Redis time passes the 50 ms lease; no assertion on how long that took
        List<LiveWorker> live = shortLeases.liveWorkers();
        for (int i = 0; i < 10_000 && live.size() > 1; i++) {
            live = shortLeases.liveWorkers();
        }
        assertEquals(List.of("steady"), live.stream().map(LiveWorker::worker).toList());
        List<WorkerState> all = shortLeases.workers();
        assertEquals(2, all.size());
        assertEquals(new WorkerState.Expired("quiet", pool, "127.0.0.1:9000"), all.get(0));
        assertInstanceOf(WorkerState.Live.class, all.get(1));

        // a heartbeat brings it back
        shortLeases.heartbeat("quiet", quiet, BEAT);
        longLeases.heartbeat("quiet", quiet, BEAT);
        assertEquals(
                List.of("quiet", "steady"),
                longLeases.liveWorkers().stream().map(LiveWorker::worker).toList());
    }
}
