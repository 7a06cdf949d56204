package io.infermesh.functions.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.infermesh.functions.RegistryPolicy;
import io.infermesh.functions.redis.RedisRegistry;
import io.infermesh.functions.redis.RedisServer;
import io.infermesh.functions.testing.TestPools;
import io.infermesh.router.WorkerId;
import io.infermesh.router.WorkerInfo;
import io.infermesh.router.WorkerSet;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.Wei;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The router's worker set fed from the shared registry on a real Redis. */
class RegistrySyncIT {
    static final Cid MANIFEST = Cid.parse("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy");

    @RegisterExtension
    static final RedisServer server = RedisServer.forClass("registry-sync");

    @BeforeEach
    void fresh() {
        server.flush();
    }

    private RedisRegistry registry(Duration leaseTtl) {
        return new RedisRegistry(
                server.state(), new RegistryPolicy(leaseTtl, Duration.ofMinutes(5)), Clock.systemUTC());
    }

    @Test
    void liveWorkersBecomeRoutableUnderTheirManifestCidWithTheirPoolsPrice() {
        RedisRegistry registry = registry(Duration.ofSeconds(30));
        TestPools pool = TestPools.register(registry, "700", Map.of());
        pool.worker("w1", "127.0.0.1:9001", MANIFEST);
        pool.worker("w2", "127.0.0.1:9002");
        WorkerSet workers = WorkerSet.create();
        RegistrySync sync = new RegistrySync(registry, workers);
        assertEquals(0, sync.liveWorkers());

        sync.refresh();

        assertEquals(2, sync.liveWorkers());
        List<WorkerInfo> warm = workers.warm(LoadSpecs.modelKey(MANIFEST));
        assertEquals(1, warm.size());
        WorkerInfo w1 = warm.getFirst();
        assertEquals(WorkerId.of("w1"), w1.id());
        assertEquals("127.0.0.1:9001", w1.target());
        assertEquals(pool.pool.value(), w1.poolId());
        assertEquals(new BigInteger("700"), w1.pricePerRequestWei());
        assertEquals(Map.of(MANIFEST.toString(), MANIFEST.toString()), w1.loadedModels());
        assertEquals(pool.payout, sync.poolOf(WorkerId.of("w2")).orElseThrow().payout());
        assertEquals(Optional.empty(), sync.poolOf(WorkerId.of("nobody")));
    }

    @Test
    void theCeilingIsTheHighestPriceAnyLivePoolAsksForTheModel() {
        RedisRegistry registry = registry(Duration.ofSeconds(30));
        RegistrySync sync = new RegistrySync(registry, WorkerSet.create());
        sync.refresh();
        assertEquals(Wei.ZERO, sync.maxPoolPrice("acme/minilm"), "no live pool: nothing to add");

        TestPools cheap = TestPools.register(registry, "100", Map.of("acme/minilm", Wei.parse("900")));
        TestPools dear = TestPools.register(registry, "500", Map.of());
        cheap.worker("c1", "127.0.0.1:9001");
        dear.worker("d1", "127.0.0.1:9002");
        TestPools.register(registry, "100000", Map.of()); // no live worker: not counted
        sync.refresh();

        assertEquals(Wei.parse("900"), sync.maxPoolPrice("acme/minilm"), "the per-model price beats a default");
        assertEquals(Wei.parse("500"), sync.maxPoolPrice("acme/other"));
    }

    @Test
    void aWorkerWhoseLeaseRanOutLeavesTheSetButItsPoolStaysBillable() throws InterruptedException {
        RedisRegistry registry = registry(Duration.ofMillis(800));
        TestPools pool = TestPools.register(registry, "700", Map.of());
        pool.worker("w1", "127.0.0.1:9001", MANIFEST);
        WorkerSet workers = WorkerSet.create();
        RegistrySync sync = new RegistrySync(registry, workers);
        sync.refresh();
        assertEquals(1, workers.warm(MANIFEST.toString()).size());

        Thread.sleep(Duration.ofMillis(1200)); // no heartbeat: the lease ends on Redis time
        sync.refresh();

        assertEquals(0, sync.liveWorkers());
        assertEquals(List.of(), workers.warm(MANIFEST.toString()));
        assertEquals(Wei.ZERO, sync.maxPoolPrice("acme/minilm"));
        assertEquals(
                pool.payout,
                sync.poolOf(WorkerId.of("w1")).orElseThrow().payout(),
                "a call it served before leaving is still billed to its pool");
    }

    @Test
    void aRedisOutageKeepsTheLastSnapshot() throws Exception {
        RedisServer own = RedisServer.start("registry-sync-outage");
        try {
            RedisRegistry registry = new RedisRegistry(
                    own.state(), new RegistryPolicy(Duration.ofSeconds(30), Duration.ofMinutes(5)), Clock.systemUTC());
            TestPools pool = TestPools.register(registry, "700", Map.of());
            pool.worker("w1", "127.0.0.1:9001", MANIFEST);
            WorkerSet workers = WorkerSet.create();
            RegistrySync sync = new RegistrySync(registry, workers);
            sync.refresh();

            own.kill();
            sync.refresh();

            assertEquals(1, sync.liveWorkers());
            assertEquals(1, workers.warm(MANIFEST.toString()).size());
            assertEquals(Wei.parse("700"), sync.maxPoolPrice("acme/minilm"));
        } finally {
            own.close();
        }
    }
}
