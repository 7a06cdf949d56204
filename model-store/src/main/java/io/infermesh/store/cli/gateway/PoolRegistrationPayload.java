package io.infermesh.store.cli.gateway;

import io.infermesh.store.ModelRef;
import io.infermesh.store.manifest.CanonicalJson;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Registrations;
import io.infermesh.store.manifest.Wei;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.web3j.crypto.ECKeyPair;

/**
 * A GPU pool's registration, the payload of {@code POST /v1/pools}. Its text is canonical JSON (model-store's
 * {@link CanonicalJson}: keys sorted, no whitespace), for example:
 *
 * <pre>
 * {"defaultPriceWei":"0","issuedAt":"2026-11-22T10:00:00Z","nonce":"&lt;32 hex&gt;","payout":"0x…","pool":"0x…",
 *  "prices":{"acme/embedder":"123"},"type":"infermesh.pool-registration.v1"}
 * </pre>
 *
 * (one line). Addresses are written as {@link EthAddress#value()} (EIP-55), the form the gateway's own
 * {@code PoolRegistration} writes, so the text is the same whether the gateway checks the signature over the bytes it
 * received or over its re-serialization of them. The gateway refuses a payload older than its signature window, from
 * the future, replayed, or not newer than the pool's stored registration.
 *
 * @param pool the pool's address; its key signs
 * @param payout where the pool's earnings are paid
 * @param defaultPrice wei per request for models without their own price
 * @param prices wei per request by model ({@code org/name}, or {@code org/name:tag})
 * @param issuedAt when it was signed, whole seconds
 * @param nonce 16 random bytes as 32 lower-case hex digits
 */
public record PoolRegistrationPayload(
        EthAddress pool,
        EthAddress payout,
        Wei defaultPrice,
        SortedMap<String, Wei> prices,
        Instant issuedAt,
        String nonce) {
    public static final String TYPE = Registrations.POOL_TYPE;

    private static final Pattern NONCE = Pattern.compile("[0-9a-f]{32}");

    public PoolRegistrationPayload {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(payout, "payout");
        Objects.requireNonNull(defaultPrice, "defaultPrice");
        prices = Collections.unmodifiableSortedMap(new TreeMap<>(prices));
        prices.forEach((model, price) -> {
            ModelRef.parse(model);
            Objects.requireNonNull(price, "price of " + model);
        });
        if (issuedAt == null || issuedAt.getNano() != 0) {
            throw new IllegalArgumentException("issuedAt is a time in whole seconds, got " + issuedAt);
        }
        if (nonce == null || !NONCE.matcher(nonce).matches()) {
            throw new IllegalArgumentException("a nonce is 32 lower-case hex digits (16 random bytes)");
        }
    }

    /** A registration issued now (whole seconds of {@code clock}) with a fresh random nonce. */
    public static PoolRegistrationPayload issue(
            EthAddress pool,
            EthAddress payout,
            Wei defaultPrice,
            Map<String, Wei> prices,
            Clock clock,
            SecureRandom random) {
        byte[] nonce = new byte[16];
        random.nextBytes(nonce);
        return new PoolRegistrationPayload(
                pool,
                payout,
                defaultPrice,
                new TreeMap<>(prices),
                clock.instant().truncatedTo(ChronoUnit.SECONDS),
                HexFormat.of().formatHex(nonce));
    }

    /** The exact text that is signed and sent. */
    public String canonicalJson() {
        return new String(
                Registrations.pool(pool, payout, defaultPrice, prices, issuedAt, nonce), StandardCharsets.UTF_8);
    }

    /** Signs the canonical text with the pool's key, which must be the key of {@link #pool()}. */
    public SignedEnvelope sign(ECKeyPair poolKey) {
        SignedEnvelope envelope = SignedEnvelope.sign(canonicalJson(), poolKey);
        if (!envelope.signer().equals(pool)) {
            throw new IllegalArgumentException(
                    "the key belongs to " + envelope.signer() + ", not to the pool " + pool + " it would register");
        }
        return envelope;
    }
}
