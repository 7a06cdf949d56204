package io.infermesh.store.manifest;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Map;

/**
 * The signed texts of the gateway's registrations, written once: the pool's CLI and a worker sign these bytes, and the
 * gateway checks the signature over the same bytes rebuilt from what it parsed. Canonical JSON ({@link CanonicalJson}:
 * keys sorted, no whitespace); addresses as {@link EthAddress#value()} (EIP-55), amounts as decimal strings. Validation
 * stays with each side's record.
 */
public final class Registrations {
    public static final String POOL_TYPE = "infermesh.pool-registration.v1";
    public static final String WORKER_TYPE = "infermesh.worker-registration.v1";

    private Registrations() {}

    /**
     * A pool's registration, e.g. {@code {"defaultPriceWei":"0","issuedAt":"2026-11-22T10:00:00Z","nonce":"<32
     * hex>","payout":"0x…","pool":"0x…","prices":{"acme/embedder":"123"},"type":"infermesh.pool-registration.v1"}}.
     */
    public static byte[] pool(
            EthAddress pool,
            EthAddress payout,
            Wei defaultPrice,
            Map<String, Wei> prices,
            Instant issuedAt,
            String nonce) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("type", POOL_TYPE);
        node.put("pool", pool.value());
        node.put("payout", payout.value());
        node.put("defaultPriceWei", defaultPrice.toString());
        ObjectNode p = node.putObject("prices");
        prices.forEach((model, price) -> p.put(model, price.toString())); // CanonicalJson sorts them
        node.put("issuedAt", issuedAt.toString());
        node.put("nonce", nonce);
        return CanonicalJson.write(node);
    }

    /**
     * A worker's registration, e.g. {@code {"issuedAt":"2026-11-22T10:00:00Z","nonce":"<32 hex>","pool":"0x…",
     * "target":"127.0.0.1:9000","type":"infermesh.worker-registration.v1","worker":"gpu-box:9000"}}.
     */
    public static byte[] worker(EthAddress pool, String worker, String target, Instant issuedAt, String nonce) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("type", WORKER_TYPE);
        node.put("pool", pool.value());
        node.put("worker", worker);
        node.put("target", target);
        node.put("issuedAt", issuedAt.toString());
        node.put("nonce", nonce);
        return CanonicalJson.write(node);
    }
}
