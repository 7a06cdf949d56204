package io.infermesh.functions.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.functions.ApiKeyInfo;
import io.infermesh.functions.ApiKeys;
import io.infermesh.functions.Authorization;
import io.infermesh.functions.Eip191;
import io.infermesh.functions.IssuedKey;
import io.infermesh.functions.RateLimit;
import io.infermesh.functions.SignInMessage;
import io.infermesh.functions.SignInOutcome;
import io.infermesh.functions.SignInOutcome.Reason;
import io.infermesh.functions.SignInPolicy;
import io.infermesh.functions.TestKeys;
import io.infermesh.store.manifest.EthAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.web3j.crypto.ECKeyPair;

class SignInIT {
    static final SignInPolicy POLICY =
            SignInPolicy.defaults("gateway.test", URI.create("https://gateway.test/v1/auth/sign-in"), 31337);

    @RegisterExtension
    static final RedisServer server = RedisServer.forClass("signin");

    final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-22T05:00:00Z"));
    final InstantSource clock = () -> now.get();
    ApiKeys keys;
    RedisSignIn signIn;
    ECKeyPair key;
    EthAddress account;

    @BeforeEach
    void fresh() {
        server.flush();
        keys = new RedisApiKeys(server.state(), clock);
        signIn = new RedisSignIn(server.state(), keys, POLICY, clock);
        key = TestKeys.random();
        account = TestKeys.address(key);
    }

    @Test
    void aSignedChallengeYieldsAWorkingKey() {
        SignInMessage challenge = signIn.challenge(account);
        String sig = Eip191.sign(challenge.bytes(), key);
        SignInOutcome.SignedIn in =
                assertInstanceOf(SignInOutcome.SignedIn.class, signIn.signIn(challenge.text(), sig, "laptop"));
        assertEquals(account, in.account());
        assertTrue(in.key().secret().startsWith("im_live_"));
        assertEquals(Optional.of(in.key().info()), keys.resolve(in.key().secret()));
    }

    @Test
    void aChallengeIsSingleUse() {
        SignInMessage challenge = signIn.challenge(account);
        String sig = Eip191.sign(challenge.bytes(), key);
        assertInstanceOf(SignInOutcome.SignedIn.class, signIn.signIn(challenge.text(), sig, "laptop"));
        assertEquals(new SignInOutcome.Refused(Reason.UNKNOWN_CHALLENGE), signIn.signIn(challenge.text(), sig, "x"));
        assertEquals(1, keys.list(account).size());
    }

    @Test
    void theWrongSignerIsRefusedAndDoesNotBurnTheChallenge() {
        SignInMessage challenge = signIn.challenge(account);
        String forged = Eip191.sign(challenge.bytes(), TestKeys.random());
        assertEquals(new SignInOutcome.Refused(Reason.WRONG_SIGNER), signIn.signIn(challenge.text(), forged, "x"));
        assertEquals(
                new SignInOutcome.Refused(Reason.WRONG_SIGNER), signIn.signIn(challenge.text(), "0xdeadbeef", "x"));
        assertInstanceOf(
                SignInOutcome.SignedIn.class,
                signIn.signIn(challenge.text(), Eip191.sign(challenge.bytes(), key), "laptop"));
    }

    @Test
    void anExpiredChallengeIsRefused() {
        SignInMessage challenge = signIn.challenge(account);
        String sig = Eip191.sign(challenge.bytes(), key);
        now.set(now.get().plus(Duration.ofMinutes(5)).plusSeconds(1));
        assertEquals(new SignInOutcome.Refused(Reason.EXPIRED), signIn.signIn(challenge.text(), sig, "x"));
        assertTrue(keys.list(account).isEmpty());
    }

    @Test
    void aMessageTheGatewayDidNotIssueIsRefused() {
        SignInMessage challenge = signIn.challenge(account);
        // same layout, self-made nonce: signed by the right key but never issued
        SignInMessage selfMade = new SignInMessage(
                challenge.domain(),
                account,
                challenge.statement(),
                challenge.uri(),
                challenge.chainId(),
                TestKeys.nonce(),
                challenge.issuedAt(),
                challenge.expiresAt());
        assertEquals(
                new SignInOutcome.Refused(Reason.UNKNOWN_CHALLENGE),
                signIn.signIn(selfMade.text(), Eip191.sign(selfMade.bytes(), key), "x"));
        // another gateway's domain
        SignInMessage elsewhere = new SignInMessage(
                "evil.test",
                account,
                challenge.statement(),
                challenge.uri(),
                challenge.chainId(),
                challenge.nonce(),
                challenge.issuedAt(),
                challenge.expiresAt());
        assertEquals(
                new SignInOutcome.Refused(Reason.MALFORMED),
                signIn.signIn(elsewhere.text(), Eip191.sign(elsewhere.bytes(), key), "x"));
        assertEquals(new SignInOutcome.Refused(Reason.MALFORMED), signIn.signIn("hello", "0x00", "x"));
    }

    @Test
    void keysAreListedResolvedAndRevoked() {
        IssuedKey first = keys.issue(account, "ci");
        now.set(now.get().plusSeconds(1));
        IssuedKey second = keys.issue(account, "laptop");
        assertEquals(List.of(first.info(), second.info()), keys.list(account));
        assertEquals(
                first.secret().substring(first.secret().length() - 4),
                first.info().last4());
        assertEquals(ApiKeys.PREFIX.length() + 43, first.secret().length());

        EthAddress other = TestKeys.address(TestKeys.random());
        assertFalse(keys.revoke(other, first.info().id()));
        assertTrue(keys.revoke(account, first.info().id()));
        assertFalse(keys.revoke(account, first.info().id()));
        assertEquals(Optional.empty(), keys.resolve(first.secret()));
        assertEquals(Optional.of(second.info()), keys.resolve(second.secret()));
        assertEquals(List.of(second.info()), keys.list(account));
    }

    @Test
    void authorizeResolvesTheKeyAndTakesOneTokenFromItsBucketInOneStep() {
        IssuedKey issued = keys.issue(account, "ci");
        RateLimit twoThenWait = new RateLimit(2, 0.001);

        assertEquals(new Authorization.Allowed(issued.info(), 1), keys.authorize(issued.secret(), twoThenWait));
        assertEquals(new Authorization.Allowed(issued.info(), 0), keys.authorize(issued.secret(), twoThenWait));
        Authorization third = keys.authorize(issued.secret(), twoThenWait);
        Authorization.Limited limited = assertInstanceOf(Authorization.Limited.class, third);
        assertEquals(issued.info(), limited.key());
        assertTrue(limited.retryAfter().toSeconds() > 100, limited.toString()); // one token per 1000 s

        IssuedKey other = keys.issue(account, "laptop");
        assertInstanceOf(
                Authorization.Allowed.class, keys.authorize(other.secret(), twoThenWait), "buckets are per key");
        assertTrue(keys.revoke(account, other.info().id()));
        assertEquals(new Authorization.Unknown(), keys.authorize(other.secret(), twoThenWait), "revoked at once");
        String unknown = ApiKeys.PREFIX + "x".repeat(43);
        assertEquals(new Authorization.Unknown(), keys.authorize(unknown, twoThenWait));
        assertEquals(new Authorization.Unknown(), keys.authorize("not a key", twoThenWait));
        String unknownBucket =
                RedisKeys.rateBucket("key:key_" + Sha256.hex(unknown).substring(0, 16));
        assertEquals(0L, (long) server.state().call(c -> c.exists(unknownBucket)), "an unknown key takes no token");
    }

    @Test
    void onlyTheHashOfAKeyIsStored() {
        IssuedKey issued = keys.issue(account, "ci");
        List<String> allKeys = server.state().call(c -> c.keys("*"));
        for (String k : allKeys) {
            String type = server.state().call(c -> c.type(k));
            String dump =
                    "hash".equals(type) ? server.state().call(c -> c.hgetall(k)).toString() : "";
            assertFalse(k.contains(issued.secret()) || dump.contains(issued.secret()), k);
        }
    }

    @Test
    void malformedSecretsDoNotResolve() {
        for (String s :
                new String[] {"", "im_live_", "sk-123", "im_live_" + "A".repeat(44), "im_test_" + "A".repeat(43)}) {
            assertEquals(Optional.<ApiKeyInfo>empty(), keys.resolve(s), s);
        }
    }
}
