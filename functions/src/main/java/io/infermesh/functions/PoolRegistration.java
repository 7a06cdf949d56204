package io.infermesh.functions;

import com.fasterxml.jackson.databind.JsonNode;
import io.infermesh.store.ModelRef;
import io.infermesh.store.ModelStoreException;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Registrations;
import io.infermesh.store.manifest.Wei;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A GPU pool's signed registration; the pool's id is its Ethereum address. Canonical JSON (the signed bytes):
 *
 * <pre>
 * {"defaultPriceWei":"1000","issuedAt":"2026-11-22T05:00:00Z","nonce":"&lt;32 hex&gt;","payout":"0x…",
 *  "pool":"0x…","prices":{"org/model":"2000"},"type":"infermesh.pool-registration.v1"}
 * </pre>
 *
 * (one line; keys sorted). A later registration (newer {@code issuedAt}) replaces the pool's payout and prices.
 *
 * @param pool the pool's address, which signs
 * @param payout where the pool's earnings are paid
 * @param defaultPrice wei per request for models without their own price
 * @param prices wei per request per model repository, {@code org/model}: the price of every tag and version of it (a
 *     call is priced by the repository it resolves to), so a key with a tag is refused rather than stored unused
 * @param issuedAt when it was signed (whole seconds)
 * @param nonce 16 random bytes as 32 hex digits
 */
public record PoolRegistration(
        EthAddress pool, EthAddress payout, Wei defaultPrice, Map<String, Wei> prices, Instant issuedAt, String nonce)
        implements SignedPayload {
    public static final String TYPE = Registrations.POOL_TYPE;

    public PoolRegistration {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(payout, "payout");
        Objects.requireNonNull(defaultPrice, "defaultPrice");
        prices = Map.copyOf(new TreeMap<>(prices));
        prices.keySet().forEach(PoolRegistration::requireRepository);
        Payloads.requireWholeSeconds(issuedAt);
        Payloads.requireNonce(nonce);
    }

    private static void requireRepository(String key) {
        String repository;
        try {
            repository = ModelRef.parse(key).repository();
        } catch (ModelStoreException e) {
            throw FunctionsException.invalid("pool price key '" + key + "': " + e.getMessage());
        }
        if (!repository.equals(key)) {
            throw FunctionsException.invalid("pool price key '" + key + "' names a tag: a pool prices a model"
                    + " repository (every tag and version of it), so write '" + repository + "'");
        }
    }

    /** The wei per request this pool charges for {@code model}. */
    public Wei priceFor(String model) {
        return prices.getOrDefault(model, defaultPrice);
    }

    @Override
    public EthAddress signer() {
        return pool;
    }

    @Override
    public byte[] canonicalJson() {
        return Registrations.pool(pool, payout, defaultPrice, prices, issuedAt, nonce);
    }

    /** Parses the canonical JSON (as signed); anything not canonical is refused. */
    public static PoolRegistration parse(String json) {
        JsonNode node = Payloads.readCanonical(json, TYPE);
        Map<String, Wei> prices = new TreeMap<>();
        JsonNode p = node.path("prices");
        if (!p.isObject()) {
            throw FunctionsException.invalid("field 'prices' must be an object");
        }
        p.properties().forEach(e -> prices.put(e.getKey(), parseWei(e.getValue().asText())));
        return new PoolRegistration(
                Payloads.address(node, "pool"),
                Payloads.address(node, "payout"),
                parseWei(Payloads.text(node, "defaultPriceWei")),
                prices,
                Payloads.time(node, "issuedAt"),
                Payloads.text(node, "nonce"));
    }

    private static Wei parseWei(String s) {
        try {
            return Wei.parse(s);
        } catch (RuntimeException e) {
            throw FunctionsException.invalid(e.getMessage());
        }
    }
}
