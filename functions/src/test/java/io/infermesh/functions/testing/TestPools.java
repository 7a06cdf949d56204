package io.infermesh.functions.testing;

import io.infermesh.functions.Heartbeat;
import io.infermesh.functions.HeartbeatOutcome;
import io.infermesh.functions.PoolRegistration;
import io.infermesh.functions.RegistrationOutcome;
import io.infermesh.functions.Registry;
import io.infermesh.functions.Signed;
import io.infermesh.functions.TestKeys;
import io.infermesh.functions.WorkerRegistration;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Wei;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.web3j.crypto.ECKeyPair;

/** A GPU pool registered in a real {@link Registry} with signed payloads, as {@code gpu-pool} registers one. */
public final class TestPools {
    private final Registry registry;
    private final ECKeyPair key;
    public final EthAddress pool;
    public final EthAddress payout;
    private int reregistrations;

    private TestPools(Registry registry, ECKeyPair key, EthAddress payout) {
        this.registry = registry;
        this.key = key;
        this.pool = TestKeys.address(key);
        this.payout = payout;
    }

    /** Registers a new pool charging {@code defaultPriceWei}, or {@code prices} per {@code org/name}. */
    public static TestPools register(Registry registry, String defaultPriceWei, Map<String, Wei> prices) {
        TestPools p = new TestPools(registry, TestKeys.random(), TestKeys.address(TestKeys.random()));
        RegistrationOutcome r = registry.registerPool(Signed.sign(
                new PoolRegistration(
                        p.pool,
                        p.payout,
                        Wei.parse(defaultPriceWei),
                        prices,
                        Instant.now().truncatedTo(ChronoUnit.SECONDS),
                        TestKeys.nonce()),
                p.key));
        if (!(r instanceof RegistrationOutcome.PoolAccepted)) {
            throw new AssertionError("pool registration refused: " + r);
        }
        return p;
    }

    /** A newer registration of this pool with another default price (per-model prices dropped). */
    public void reregister(String defaultPriceWei) {
        RegistrationOutcome r = registry.registerPool(Signed.sign(
                new PoolRegistration(
                        pool,
                        payout,
                        Wei.parse(defaultPriceWei),
                        Map.of(),
                        Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(++reregistrations),
                        TestKeys.nonce()),
                key));
        if (!(r instanceof RegistrationOutcome.PoolAccepted)) {
            throw new AssertionError("pool re-registration refused: " + r);
        }
    }

    /**
     * Registers worker {@code id} at {@code target} and sends its first heartbeat with {@code manifests} loaded (each
     * under its CID, as the gateway loads models); returns its lease token.
     */
    public String worker(String id, String target, Cid... manifests) {
        RegistrationOutcome r = registry.registerWorker(Signed.sign(
                new WorkerRegistration(
                        pool, id, target, Instant.now().truncatedTo(ChronoUnit.SECONDS), TestKeys.nonce()),
                key));
        if (!(r instanceof RegistrationOutcome.WorkerAccepted accepted)) {
            throw new AssertionError("worker registration refused: " + r);
        }
        beat(id, accepted.leaseToken(), manifests);
        return accepted.leaseToken();
    }

    /** One heartbeat of worker {@code id} holding {@code manifests}. */
    public void beat(String id, String leaseToken, Cid... manifests) {
        Map<String, Cid> loaded = new java.util.HashMap<>();
        for (Cid m : manifests) {
            loaded.put(m.toString(), m);
        }
        HeartbeatOutcome h = registry.heartbeat(id, leaseToken, new Heartbeat(0, loaded, 1L << 30, 100.0));
        if (!(h instanceof HeartbeatOutcome.Renewed)) {
            throw new AssertionError("heartbeat refused: " + h);
        }
    }
}
