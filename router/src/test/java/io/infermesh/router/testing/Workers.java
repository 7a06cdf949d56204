package io.infermesh.router.testing;

import io.infermesh.router.WorkerId;
import io.infermesh.router.WorkerInfo;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.Map;

/** Worker fixtures. */
public final class Workers {
    public static final long GIB = 1L << 30;

    private Workers() {}

    /** A worker on a made-up loopback port holding {@code models} (version "v1" each), 8 GiB free, score 100. */
    public static WorkerInfo worker(String id, String... models) {
        return worker(id, 9000 + Math.floorMod(id.hashCode(), 1000), models);
    }

    public static WorkerInfo worker(String id, int port, String... models) {
        Map<String, String> loaded = new HashMap<>();
        for (String m : models) {
            loaded.put(m, "v1");
        }
        return new WorkerInfo(WorkerId.of(id), "127.0.0.1:" + port, "pool-1", loaded, 8 * GIB, 100, BigInteger.TEN);
    }

    public static WorkerInfo sized(String id, long freeBytes, double score, long priceWei) {
        return new WorkerInfo(
                WorkerId.of(id), "127.0.0.1:9999", "pool-1", Map.of(), freeBytes, score, BigInteger.valueOf(priceWei));
    }
}
