package io.infermesh.pool.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.infermesh.router.WorkerId;
import io.infermesh.router.auth.WorkerAuth;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.ManifestSignature;
import io.infermesh.store.unixfs.ContentDigester;
import io.infermesh.store.unixfs.ImportOptions;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class LeaseKeeperTest {
    private static final WorkerId SELF = new WorkerId("pool-a/gpu-0");
    private static final PoolKey KEY = TestKeys.docsKey();
    private static final PublicKey GW1 = WorkerAuth.generateKeyPair().getPublic();
    private static final PublicKey GW2 = WorkerAuth.generateKeyPair().getPublic();
    private static final Cid MODEL =
            ContentDigester.digest(new byte[] {7}, ImportOptions.defaults()).cid();
    private static final Heartbeat NUMBERS =
            new Heartbeat(2, List.of(new Heartbeat.LoadedModel(MODEL.toString(), MODEL)), 1L << 30, 42.5);

    private final ScriptedGateway gateway = new ScriptedGateway();
    private final RecordingLogger log = new RecordingLogger();
    private final List<Map<String, PublicKey>> trusted = new ArrayList<>();
    /** Counts up: nonces differ on every call, and the jitter (the top bits as a double) is practically zero. */
    private final RandomGenerator counting = new AtomicLong()::incrementAndGet;

    private LeaseKeeper keeper(LeaseSettings settings, Supplier<Heartbeat> load) {
        return new LeaseKeeper(
                gateway,
                KEY,
                settings,
                load,
                (self, keys) -> {
                    assertEquals(SELF, self);
                    trusted.add(keys);
                },
                InstantSource.fixed(Instant.parse("2026-11-22T10:00:00.750Z")),
                counting,
                log);
    }

    private LeaseKeeper keeper() {
        return keeper(
                new LeaseSettings(
                        SELF, "10.0.0.7:9000", Duration.ofSeconds(2), Duration.ofMillis(500), Duration.ofSeconds(4)),
                () -> NUMBERS);
    }

    private static GatewayReply leased(String token, Optional<Duration> heartbeat, Map<String, PublicKey> keys) {
        return new GatewayReply.Leased(new Lease(token, Duration.ofSeconds(10), heartbeat, keys));
    }

    private static GatewayReply leased(String token) {
        return leased(token, Optional.of(Duration.ofSeconds(3)), Map.of("gw1", GW1));
    }

    private static GatewayReply unavailable() {
        return new GatewayReply.Unavailable("connection refused");
    }

    private long lines(Level level) {
        return log.lines.stream().filter(l -> l.level() == level).count();
    }

    @Test
    void registersWithASignedPayloadThenHeartbeatsTheLiveNumbersAtTheGatewaysInterval() throws Exception {
        LeaseKeeper keeper = keeper();
        assertEquals(LeaseKeeper.Phase.REGISTERING, keeper.phase());
        gateway.then(leased("t1")).then(leased("t2")).then(leased("t3"));

        assertEquals(Duration.ofSeconds(3), keeper.step());
        SignedEnvelope envelope =
                assertInstanceOf(ScriptedGateway.Register.class, gateway.last()).envelope();
        JsonNode payload = new ObjectMapper().readTree(envelope.payload());
        assertEquals("infermesh.worker-registration.v1", payload.get("type").textValue());
        assertEquals(TestKeys.DOCS_ADDRESS, payload.get("pool").textValue());
        assertEquals("pool-a/gpu-0", payload.get("worker").textValue());
        assertEquals("10.0.0.7:9000", payload.get("target").textValue());
        assertEquals("2026-11-22T10:00:00Z", payload.get("issuedAt").textValue(), "whole seconds of the clock");
        assertTrue(payload.get("nonce").textValue().matches("[0-9a-f]{32}"));
        assertEquals(
                EthAddress.of(TestKeys.DOCS_ADDRESS),
                ManifestSignature.parse(envelope.signature())
                        .recoverSigner(envelope.payload().getBytes(StandardCharsets.UTF_8)));
        assertEquals(LeaseKeeper.Phase.LEASED, keeper.phase());

        assertEquals(Duration.ofSeconds(3), keeper.step());
        assertEquals(
                new ScriptedGateway.Beat("pool-a/gpu-0", "t1", NUMBERS), gateway.last(), "the registration's token");
        keeper.step();
        assertEquals(new ScriptedGateway.Beat("pool-a/gpu-0", "t2", NUMBERS), gateway.last(), "the renewed token");
        assertEquals(1, log.lines.size(), "one line for the registration, none per beat: " + log.lines);
    }

    @Test
    void withoutAnIntervalFromTheGatewayItBeatsAtTheConfiguredOneButAtLeastThricePerLease() {
        LeaseKeeper keeper = keeper();
        gateway.then(leased("t1", Optional.empty(), Map.of()));
        assertEquals(Duration.ofSeconds(2), keeper.step());

        LeaseKeeper slow = keeper(LeaseSettings.of(SELF, "10.0.0.7:9000", Duration.ofSeconds(30)), () -> NUMBERS);
        gateway.then(leased("t1", Optional.empty(), Map.of()));
        assertEquals(Duration.ofMillis(3333), slow.step().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
    }

    @Test
    void registersAgainAtOnceWithANewNonceWhenTheGatewayForgetsTheWorker() throws Exception {
        LeaseKeeper keeper = keeper();
        gateway.then(leased("t1"))
                .then(new GatewayReply.LeaseLost(404, "no live worker"))
                .then(leased("t9"));
        keeper.step();
        String firstNonce = nonce(gateway.last());

        assertEquals(Duration.ZERO, keeper.step());
        assertEquals(LeaseKeeper.Phase.REGISTERING, keeper.phase());
        assertEquals(Optional.empty(), keeper.lease());

        keeper.step();
        assertNotEquals(firstNonce, nonce(gateway.last()), "a new registration is never a replay");
        assertEquals("t9", keeper.lease().orElseThrow().token());
        assertEquals(LeaseKeeper.Phase.LEASED, keeper.phase());
        assertEquals(1, lines(Level.WARNING), log.lines.toString());
        assertEquals(2, lines(Level.INFO), log.lines.toString());
    }

    @Test
    void keepsItsLeaseAndBacksOffWhileTheGatewayIsUnreachableAndSaysSoOnce() {
        LeaseKeeper keeper = keeper();
        gateway.then(leased("t1"))
                .then(unavailable())
                .then(unavailable())
                .then(unavailable())
                .then(unavailable())
                .then(leased("t2"))
                .then(unavailable());
        keeper.step();
        List<Duration> waits = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            waits.add(keeper.step());
            assertEquals(new ScriptedGateway.Beat("pool-a/gpu-0", "t1", NUMBERS), gateway.last(), "same lease");
            assertEquals(LeaseKeeper.Phase.UNREACHABLE, keeper.phase());
        }
        assertEquals(
                List.of(Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2)),
                waits);

        assertEquals(Duration.ofSeconds(3), keeper.step());
        assertEquals(LeaseKeeper.Phase.LEASED, keeper.phase());
        assertEquals(Duration.ofMillis(250), keeper.step(), "a success resets the backoff");

        assertEquals(2, lines(Level.WARNING), "one line per outage: " + log.lines);
        assertEquals(2, lines(Level.INFO), "registered, then back: " + log.lines);
    }

    @Test
    void backsOffWhileTheRegistrationIsRefusedAndLogsEachDistinctRefusalOnce() {
        LeaseKeeper keeper = keeper();
        GatewayReply notRegistered = new GatewayReply.Refused(422, "unknown_pool", "register the pool first");
        gateway.then(notRegistered)
                .then(notRegistered)
                .then(notRegistered)
                .then(new GatewayReply.Refused(401, "bad_signature", "signature does not recover the pool"))
                .then(leased("t1"));
        assertEquals(Duration.ofMillis(250), keeper.step());
        assertEquals(Duration.ofMillis(500), keeper.step());
        assertEquals(Duration.ofSeconds(1), keeper.step());
        assertEquals(LeaseKeeper.Phase.REFUSED, keeper.phase());
        assertEquals(1, lines(Level.ERROR), log.lines.toString());
        assertTrue(log.lines.getFirst().text().contains("POST /v1/pools"), "says what to do: " + log.lines);
        assertTrue(log.lines.getFirst().text().contains("register the pool first"), log.lines.toString());

        keeper.step();
        assertEquals(2, lines(Level.ERROR), "a different refusal is a new line: " + log.lines);
        assertEquals(Duration.ofSeconds(3), keeper.step());
        assertEquals(LeaseKeeper.Phase.LEASED, keeper.phase());
        assertEquals(
                5,
                gateway.calls.stream()
                        .filter(c -> c instanceof ScriptedGateway.Register)
                        .count());
    }

    @Test
    void trustsTheGatewayKeysOfEveryAnswer() {
        LeaseKeeper keeper = keeper();
        gateway.then(leased("t1", Optional.empty(), Map.of("gw1", GW1)))
                .then(leased("t1", Optional.empty(), Map.of("gw1", GW1, "gw2", GW2)))
                .then(unavailable());
        keeper.step();
        keeper.step();
        keeper.step();
        assertEquals(List.of(Map.of("gw1", GW1), Map.of("gw1", GW1, "gw2", GW2)), trusted);
    }

    @Test
    @Timeout(30)
    void runsUntilInterruptedAndSurvivesItsOwnFailures() {
        AtomicLong beats = new AtomicLong();
        LeaseKeeper keeper = keeper(
                new LeaseSettings(
                        SELF, "10.0.0.7:9000", Duration.ofMillis(1), Duration.ofMillis(1), Duration.ofMillis(1)),
                () -> {
                    if (beats.incrementAndGet() == 1) {
                        throw new IllegalStateException("the cache is not there yet");
                    }
                    return NUMBERS;
                });
        gateway.then(leased("t1", Optional.of(Duration.ofMillis(1)), Map.of())).then(() -> {
            Thread.currentThread().interrupt();
            return unavailable();
        });
        keeper.runUntilInterrupted();
        assertTrue(Thread.interrupted(), "the loop ended because of the interrupt");
        assertEquals(2, gateway.calls.size(), gateway.calls.toString());
        assertEquals(2, beats.get());
        assertEquals(1, lines(Level.ERROR), log.lines.toString());
    }

    private static String nonce(ScriptedGateway.Call call) throws Exception {
        SignedEnvelope envelope =
                assertInstanceOf(ScriptedGateway.Register.class, call).envelope();
        return new ObjectMapper().readTree(envelope.payload()).get("nonce").textValue();
    }
}
