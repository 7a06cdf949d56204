package io.infermesh.store.cli.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.infermesh.store.ModelStoreException;
import io.infermesh.store.manifest.CanonicalJson;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.ManifestSignature;
import io.infermesh.store.manifest.Wei;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

class PoolRegistrationPayloadTest {
    // The web3.js documentation key (never used for anything real); the gateway's own tests use it too.
    private static final ECKeyPair POOL_KEY =
            ECKeyPair.create(new BigInteger("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318", 16));
    private static final EthAddress POOL = EthAddress.of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23");
    private static final EthAddress PAYOUT = EthAddress.of("0x00000000000000000000000000000000000000aa");
    private static final Instant AT = Instant.parse("2026-11-22T05:00:00Z");
    private static final String NONCE = "0123456789abcdef0123456789abcdef";

    private static PoolRegistrationPayload payload() {
        return new PoolRegistrationPayload(
                POOL,
                PAYOUT,
                Wei.parse("1000"),
                new TreeMap<>(Map.of("org/b:1", Wei.parse("30000000000000000000"), "org/a:1", Wei.parse("2"))),
                AT,
                NONCE);
    }

    @Test
    void writesExactlyTheCanonicalTextTheGatewayWrites() {
        // The same registration as the gateway's SignedPayloadTest, byte for byte.
        assertEquals(
                "{\"defaultPriceWei\":\"1000\",\"issuedAt\":\"2026-11-22T05:00:00Z\",\"nonce\":\"" + NONCE
                        + "\",\"payout\":\"0x00000000000000000000000000000000000000AA\",\"pool\":\"" + POOL
                        + "\",\"prices\":{\"org/a:1\":\"2\",\"org/b:1\":\"30000000000000000000\"},"
                        + "\"type\":\"infermesh.pool-registration.v1\"}",
                payload().canonicalJson());
    }

    @Test
    void itsTextIsAlreadyCanonical() throws Exception {
        String text = payload().canonicalJson();
        assertArrayEquals(
                text.getBytes(StandardCharsets.UTF_8), CanonicalJson.write(new ObjectMapper().readTree(text)));
    }

    @Test
    void theSignatureOverThePayloadBytesRecoversThePool() {
        SignedEnvelope envelope = payload().sign(POOL_KEY);
        assertEquals(POOL, envelope.signer());
        assertEquals(
                POOL,
                ManifestSignature.parse(envelope.signature().toHex())
                        .recoverSigner(envelope.payload().getBytes(StandardCharsets.UTF_8)));
        assertTrue(envelope.signature().toHex().matches("0x[0-9a-f]{130}"));
    }

    @Test
    void aSignatureDoesNotVouchForAnAlteredPayload() {
        SignedEnvelope envelope = payload().sign(POOL_KEY);
        String cheaper = envelope.payload().replace("\"1000\"", "\"1\"");
        assertNotEquals(POOL, new SignedEnvelope(cheaper, envelope.signature()).signer());
    }

    @Test
    void refusesToSignWithAKeyThatIsNotThePools() throws Exception {
        ECKeyPair stranger = Keys.createEcKeyPair();
        assertThrows(IllegalArgumentException.class, () -> payload().sign(stranger));
    }

    @Test
    void issuesInWholeSecondsWithAFreshNonce() {
        Clock clock = Clock.fixed(Instant.parse("2026-11-22T10:00:00.987654321Z"), ZoneOffset.UTC);
        SecureRandom random = new SecureRandom();
        PoolRegistrationPayload first = PoolRegistrationPayload.issue(POOL, PAYOUT, Wei.ZERO, Map.of(), clock, random);
        PoolRegistrationPayload second = PoolRegistrationPayload.issue(POOL, PAYOUT, Wei.ZERO, Map.of(), clock, random);
        assertEquals(Instant.parse("2026-11-22T10:00:00Z"), first.issuedAt());
        assertTrue(first.canonicalJson().contains("\"issuedAt\":\"2026-11-22T10:00:00Z\""));
        assertTrue(first.nonce().matches("[0-9a-f]{32}"), first.nonce());
        assertNotEquals(first.nonce(), second.nonce());
        assertTrue(first.canonicalJson().contains("\"prices\":{}"));
    }

    @Test
    void refusesFractionalSecondsMalformedNoncesAndInvalidModelNames() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new PoolRegistrationPayload(POOL, PAYOUT, Wei.ZERO, new TreeMap<>(), AT.plusMillis(1), NONCE));
        assertThrows(
                IllegalArgumentException.class,
                () -> new PoolRegistrationPayload(POOL, PAYOUT, Wei.ZERO, new TreeMap<>(), AT, NONCE.toUpperCase()));
        assertThrows(
                ModelStoreException.class,
                () -> new PoolRegistrationPayload(
                        POOL, PAYOUT, Wei.ZERO, new TreeMap<>(Map.of("Not A Model", Wei.ZERO)), AT, NONCE));
    }
}
