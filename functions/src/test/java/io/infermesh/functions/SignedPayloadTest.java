package io.infermesh.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Wei;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;

class SignedPayloadTest {
    private static final EthAddress POOL = EthAddress.of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23");
    private static final EthAddress PAYOUT = EthAddress.of("0x00000000000000000000000000000000000000aa");
    private static final Instant AT = Instant.parse("2026-11-22T05:00:00Z");
    private static final String NONCE = "0123456789abcdef0123456789abcdef";

    private static PoolRegistration pool() {
        return new PoolRegistration(
                POOL,
                PAYOUT,
                Wei.parse("1000"),
                Map.of("org/b", Wei.parse("30000000000000000000"), "org/a", Wei.parse("2")),
                AT,
                NONCE);
    }

    @Test
    void poolRegistrationIsCanonicalJson() {
        assertEquals(
                "{\"defaultPriceWei\":\"1000\",\"issuedAt\":\"2026-11-22T05:00:00Z\",\"nonce\":\"" + NONCE
                        + "\",\"payout\":\"0x00000000000000000000000000000000000000AA\",\"pool\":\"" + POOL
                        + "\",\"prices\":{\"org/a\":\"2\",\"org/b\":\"30000000000000000000\"},"
                        + "\"type\":\"infermesh.pool-registration.v1\"}",
                new String(pool().canonicalJson(), StandardCharsets.UTF_8));
    }

    @Test
    void workerRegistrationIsCanonicalJson() {
        WorkerRegistration w = new WorkerRegistration(POOL, "pool-a/gpu-0", "10.0.0.7:9000", AT, NONCE);
        assertEquals(
                "{\"issuedAt\":\"2026-11-22T05:00:00Z\",\"nonce\":\"" + NONCE + "\",\"pool\":\"" + POOL
                        + "\",\"target\":\"10.0.0.7:9000\",\"type\":\"infermesh.worker-registration.v1\","
                        + "\"worker\":\"pool-a/gpu-0\"}",
                new String(w.canonicalJson(), StandardCharsets.UTF_8));
        assertEquals(w, WorkerRegistration.parse(new String(w.canonicalJson(), StandardCharsets.UTF_8)));
    }

    @Test
    void parsesWhatItSignsAndNothingElse() {
        String json = new String(pool().canonicalJson(), StandardCharsets.UTF_8);
        assertEquals(pool(), PoolRegistration.parse(json));
        assertThrows(FunctionsException.class, () -> PoolRegistration.parse(json.replace(",", ", ")));
        assertThrows(
                FunctionsException.class,
                () -> PoolRegistration.parse(json.replace("pool-registration", "worker-registration")));
        assertThrows(FunctionsException.class, () -> PoolRegistration.parse(json.replace("\"2\"", "\"02\"")));
        assertThrows(FunctionsException.class, () -> PoolRegistration.parse("{"));
    }

    @Test
    void aSignatureIsValidOnlyForTheSignerAndTheBytes() {
        ECKeyPair key = TestKeys.docsKey();
        Signed<PoolRegistration> signed = Signed.sign(pool(), key);
        assertTrue(signed.isBySigner());
        assertFalse(Signed.sign(pool(), TestKeys.random()).isBySigner());
        PoolRegistration cheaper = new PoolRegistration(POOL, PAYOUT, Wei.parse("1"), pool().prices(), AT, NONCE);
        assertFalse(new Signed<>(cheaper, signed.signature()).isBySigner());
    }

    @Test
    void aPriceKeyedByATagIsRefusedSinceCallsArePricedByRepository() {
        // a call to acme/minilm:latest is charged priceFor("acme/minilm"): a tagged key would be stored and never used
        FunctionsException e = assertThrows(
                FunctionsException.class,
                () -> new PoolRegistration(
                        POOL, PAYOUT, Wei.parse("1000"), Map.of("acme/minilm:latest", Wei.parse("5")), AT, NONCE));
        assertTrue(e.getMessage().contains("write 'acme/minilm'"), e.getMessage());
        assertThrows(
                FunctionsException.class,
                () -> new PoolRegistration(POOL, PAYOUT, Wei.parse("1"), Map.of("minilm", Wei.parse("5")), AT, NONCE));
    }

    @Test
    void priceFallsBackToTheDefault() {
        assertEquals(Wei.parse("2"), pool().priceFor("org/a"));
        assertEquals(Wei.parse("1000"), pool().priceFor("org/c"));
    }

    @Test
    void refusesBadFields() {
        assertThrows(FunctionsException.class, () -> new WorkerRegistration(POOL, "-bad", "10.0.0.7:9000", AT, NONCE));
        assertThrows(FunctionsException.class, () -> new WorkerRegistration(POOL, "w", "10.0.0.7", AT, NONCE));
        assertThrows(FunctionsException.class, () -> new WorkerRegistration(POOL, "w", "h:70000", AT, NONCE));
        assertThrows(FunctionsException.class, () -> new WorkerRegistration(POOL, "w", "h:1", AT.plusMillis(5), NONCE));
        assertThrows(FunctionsException.class, () -> new WorkerRegistration(POOL, "w", "h:1", AT, "abc"));
    }
}
