package io.infermesh.router.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.router.RouterException;
import io.infermesh.router.WorkerId;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class WorkerAuthTest {
    private static final KeyPair GATEWAY = WorkerAuth.generateKeyPair();
    private static final WorkerId WORKER = WorkerId.of("pool-1/worker-7");

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-22T10:00:00Z"));
    private final InstantSource clock = () -> now.get();
    private final TokenSigner signer = new TokenSigner("k1", GATEWAY.getPrivate(), Duration.ofMinutes(5), clock);
    private final TokenVerifier verifier = new TokenVerifier(
            WORKER, Map.of("k1", GATEWAY.getPublic()), Duration.ofMinutes(5), Duration.ofSeconds(30), clock);

    private Verification.Reason rejection(String token) {
        return ((Verification.Rejected) verifier.verify(token)).reason();
    }

    @Test
    void acceptsATokenTheGatewaySignedForThisWorker() {
        String token = signer.tokenFor(WORKER);

        Verification v = verifier.verifyHeader("Bearer " + token);
        assertEquals(new Verification.Accepted("k1", Instant.parse("2026-11-22T10:05:00Z")), v);
        assertTrue(verifier.verify(token).accepted(), "again, from the cache");
    }

    @Test
    void refusesAnExpiredTokenOnceTheSkewIsSpent() {
        String token = signer.sign(WORKER, now.get().plusSeconds(60));
        now.set(now.get().plusSeconds(60 + 29));
        assertTrue(verifier.verify(token).accepted());
        now.set(now.get().plusSeconds(1));
        assertEquals(Verification.Reason.EXPIRED, rejection(token));
    }

    @Test
    void refusesATamperedToken() {
        String token = signer.tokenFor(WORKER);
        String otherExpiry = token.replaceFirst("\\.(\\d+)\\.", "." + (now.get().getEpochSecond() + 120) + ".");
        assertNotEquals(token, otherExpiry);
        assertEquals(Verification.Reason.BAD_SIGNATURE, rejection(otherExpiry));

        char lastChar = token.charAt(token.length() - 2);
        String flipped = token.substring(0, token.length() - 2)
                + (lastChar == 'A' ? 'B' : 'A')
                + token.charAt(token.length() - 1);
        assertEquals(Verification.Reason.BAD_SIGNATURE, rejection(flipped));
    }

    @Test
    void refusesATokenMadeForAnotherWorker() {
        assertEquals(Verification.Reason.WRONG_WORKER, rejection(signer.tokenFor(WorkerId.of("pool-1/worker-8"))));
    }

    @Test
    void refusesATokenSignedWithAnUntrustedKey() {
        TokenSigner stranger =
                new TokenSigner("k1", WorkerAuth.generateKeyPair().getPrivate(), Duration.ofMinutes(5), clock);
        TokenSigner otherKid = new TokenSigner("k2", GATEWAY.getPrivate(), Duration.ofMinutes(5), clock);

        assertEquals(Verification.Reason.BAD_SIGNATURE, rejection(stranger.tokenFor(WORKER)));
        assertEquals(Verification.Reason.UNKNOWN_KEY, rejection(otherKid.tokenFor(WORKER)));
    }

    @Test
    void refusesATokenThatLivesLongerThanAnyGatewayIssues() {
        assertEquals(
                Verification.Reason.TOO_LONG_LIVED,
                rejection(signer.sign(WORKER, now.get().plus(Duration.ofHours(1)))));
    }

    @Test
    void refusesWhatIsNotAToken() {
        assertEquals(Verification.Reason.MISSING, ((Verification.Rejected) verifier.verifyHeader(null)).reason());
        assertEquals(Verification.Reason.MISSING, ((Verification.Rejected) verifier.verifyHeader("Basic x")).reason());
        for (String junk :
                new String[] {"", "v1", "v1.k1.w", "v2.k1.pool-1/worker-7.1.AA", "v1.k1.x.notdigits.AA", "v1.k1.x.1.***"
                }) {
            assertEquals(Verification.Reason.MALFORMED, rejection(junk), junk);
        }
    }

    @Test
    void reusesAWorkersTokenUntilHalfItsLifetimeHasPassed() {
        String first = signer.tokenFor(WORKER);
        now.set(now.get().plus(Duration.ofMinutes(2)));
        assertSame(first, signer.tokenFor(WORKER));
        now.set(now.get().plus(Duration.ofSeconds(30)));
        assertNotEquals(first, signer.tokenFor(WORKER));
    }

    @Test
    void keysSurviveTheirTextEncoding() {
        TokenSigner fromText = new TokenSigner(
                "k1", WorkerAuth.privateKey(WorkerAuth.encode(GATEWAY.getPrivate())), Duration.ofMinutes(5), clock);
        TokenVerifier verifierFromText = new TokenVerifier(
                WORKER,
                Map.of("k1", WorkerAuth.publicKey(WorkerAuth.encode(GATEWAY.getPublic()))),
                Duration.ofMinutes(5),
                Duration.ZERO,
                clock);

        assertTrue(verifierFromText.verify(fromText.tokenFor(WORKER)).accepted());
        assertThrows(RouterException.class, () -> WorkerAuth.publicKey("not a key"));
    }
}
