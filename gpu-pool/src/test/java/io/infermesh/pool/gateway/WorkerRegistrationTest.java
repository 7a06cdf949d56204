package io.infermesh.pool.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.infermesh.router.WorkerId;
import io.infermesh.store.manifest.CanonicalJson;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.ManifestSignature;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkerRegistrationTest {
    private static final PoolKey KEY = TestKeys.docsKey();
    private static final Instant AT = Instant.parse("2026-11-22T10:00:00Z");
    private static final String NONCE = "0123456789abcdef0123456789abcdef";

    private static WorkerRegistration registration() {
        return new WorkerRegistration(KEY.address(), new WorkerId("pool-a/gpu-0"), "127.0.0.1:9000", AT, NONCE);
    }

    @Test
    void thePayloadIsCanonicalJsonWithSortedKeysAndNoWhitespace() {
        assertEquals(
                "{\"issuedAt\":\"2026-11-22T10:00:00Z\",\"nonce\":\"0123456789abcdef0123456789abcdef\","
                        + "\"pool\":\"" + TestKeys.DOCS_ADDRESS + "\",\"target\":\"127.0.0.1:9000\","
                        + "\"type\":\"infermesh.worker-registration.v1\",\"worker\":\"pool-a/gpu-0\"}",
                new String(registration().canonicalJson(), StandardCharsets.UTF_8));
    }

    @Test
    void thePayloadSurvivesARoundTripThroughCanonicalJsonUnchanged() throws Exception {
        byte[] bytes = registration().canonicalJson();
        assertArrayEquals(bytes, CanonicalJson.write(new ObjectMapper().readTree(bytes)));
    }

    @Test
    void theSignatureOverTheExactPayloadRecoversThePoolAddress() {
        SignedEnvelope envelope = SignedEnvelope.sign(registration(), KEY);
        assertEquals(new String(registration().canonicalJson(), StandardCharsets.UTF_8), envelope.payload());
        EthAddress signer = ManifestSignature.parse(envelope.signature())
                .recoverSigner(envelope.payload().getBytes(StandardCharsets.UTF_8));
        assertEquals(EthAddress.of(TestKeys.DOCS_ADDRESS), signer);
        assertNotEquals(
                signer,
                ManifestSignature.parse(envelope.signature())
                        .recoverSigner(
                                envelope.payload().replace("9000", "9001").getBytes(StandardCharsets.UTF_8)),
                "a changed payload no longer recovers the pool");
    }

    @Test
    void theEnvelopeCarriesThePayloadAsTextAndNothingElse() {
        SignedEnvelope envelope = SignedEnvelope.sign(registration(), KEY);
        var json = envelope.toJson();
        assertEquals(List.of("payload", "signature"), iterableToList(json.fieldNames()));
        assertEquals(envelope.payload(), json.get("payload").textValue());
        assertEquals(envelope.signature(), json.get("signature").textValue());
    }

    @Test
    void refusesWhatTheGatewayWouldRefuse() {
        WorkerId id = new WorkerId("w1");
        var pool = KEY.address();
        assertThrows(
                IllegalArgumentException.class,
                () -> new WorkerRegistration(pool, id, "127.0.0.1:9000", AT.plusMillis(5), NONCE),
                "issuedAt in whole seconds");
        assertThrows(
                IllegalArgumentException.class,
                () -> new WorkerRegistration(pool, id, "127.0.0.1:9000", AT, NONCE.toUpperCase()),
                "a lower-case hex nonce");
        assertThrows(
                IllegalArgumentException.class,
                () -> new WorkerRegistration(pool, id, "127.0.0.1:9000", AT, "abc"),
                "16 bytes of nonce");
        for (String target : List.of("127.0.0.1", "127.0.0.1:0", "host:70000", ":9000", "a b:1", "")) {
            assertThrows(
                    IllegalArgumentException.class,
                    () -> new WorkerRegistration(pool, id, target, AT, NONCE),
                    "target " + target);
        }
        for (String target : List.of("gpu-1.pool.example:443", "[::1]:9000", "10.0.0.7:9000")) {
            assertEquals(target, new WorkerRegistration(pool, id, target, AT, NONCE).target());
        }
    }

    private static List<String> iterableToList(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
