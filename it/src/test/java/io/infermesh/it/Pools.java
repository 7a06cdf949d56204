package io.infermesh.it;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Map;

/** A GPU pool: registered over the REST API with a signed envelope, and its workers started by deploy/worker.sh. */
final class Pools {
    private Pools() {}

    /**
     * Registers {@code pool} with a payout address and a default price per request. The payload is canonical JSON
     * (sorted keys, no whitespace, EIP-55 addresses), written out here as the contract specifies it.
     */
    static void register(Platform platform, EthKey pool, EthKey payout, String defaultPriceWei) {
        byte[] n = new byte[16];
        new SecureRandom().nextBytes(n);
        String payload = "{\"defaultPriceWei\":\"" + defaultPriceWei + "\",\"issuedAt\":\""
                + Instant.now().truncatedTo(ChronoUnit.SECONDS) + "\",\"nonce\":\""
                + HexFormat.of().formatHex(n)
                + "\",\"payout\":\"" + payout.checksumAddress() + "\",\"pool\":\"" + pool.checksumAddress()
                + "\",\"prices\":{},\"type\":\"infermesh.pool-registration.v1\"}";
        platform.api()
                .contentType(ContentType.JSON)
                .body(Map.of("payload", payload, "signature", pool.personalSign(payload)))
                .post("/v1/pools")
                .then()
                .statusCode(200);
    }

    /**
     * Starts a worker of {@code pool} that registers itself with the platform's gateway and heartbeats.
     *
     * @param preloadManifest a manifest CID the worker loads at start-up from the store (an operator's own worker may
     *     read the store; third-party workers get presigned URLs from the gateway), or null for none
     */
    static Service startWorker(Platform platform, Path poolKey, String workerId, String preloadManifest) {
        return startWorker(platform, poolKey, workerId, preloadManifest, Map.of());
    }

    /** {@link #startWorker(Platform, Path, String, String)} with extra worker settings ({@code INFERMESH_POOL_*}). */
    static Service startWorker(
            Platform platform, Path poolKey, String workerId, String preloadManifest, Map<String, String> settings) {
        Map<String, String> env = new java.util.HashMap<>(Map.of(
                "INFERMESH_POOL_GATEWAY_URL",
                platform.url(),
                "INFERMESH_POOL_GATEWAY_POOL_KEY_FILE",
                poolKey.toString(),
                "INFERMESH_POOL_AUTH_WORKER_ID",
                workerId,
                "INFERMESH_POOL_BENCHMARK_DURATION",
                "300ms",
                "WORKER_JAVA_OPTS",
                ("-Xmx768m " + System.getProperty("bench.worker-java-opts", "")).strip(),
                "WORKER_START_TIMEOUT",
                "180"));
        if (preloadManifest != null) {
            env.put("INFERMESH_POOL_PRELOAD", preloadManifest + "=" + preloadManifest);
            platform.storeEnv()
                    .forEach((k, v) -> env.put(k.replace("INFERMESH_GATEWAY_STORE_", "INFERMESH_POOL_STORE_"), v));
        }
        env.putAll(settings);
        return platform.start("worker.sh", "worker-" + workerId, env);
    }

    /** Waits until {@code count} live workers hold {@code manifest} (their heartbeats reached the registry). */
    static void awaitWarm(Platform platform, int count, String manifest) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            long warm = workers(platform).getList("workers.models.manifestCid.flatten()", String.class).stream()
                    .filter(manifest::equals)
                    .count();
            if (warm >= count) {
                pause(Duration.ofSeconds(2)); // one registry refresh on the gateway
                return;
            }
            pause(Duration.ofMillis(500));
        }
        throw new AssertionError("workers did not register with " + manifest + " warm: "
                + workers(platform).prettify());
    }

    /** {@code GET /v1/workers}. */
    static JsonPath workers(Platform platform) {
        return platform.api()
                .get("/v1/workers")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
