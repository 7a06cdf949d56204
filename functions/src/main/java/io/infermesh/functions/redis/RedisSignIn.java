package io.infermesh.functions.redis;

import io.infermesh.functions.ApiKeys;
import io.infermesh.functions.Eip191;
import io.infermesh.functions.Names;
import io.infermesh.functions.SignIn;
import io.infermesh.functions.SignInMessage;
import io.infermesh.functions.SignInOutcome;
import io.infermesh.functions.SignInOutcome.Reason;
import io.infermesh.functions.SignInPolicy;
import io.infermesh.store.manifest.EthAddress;
import io.lettuce.core.SetArgs;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * {@link SignIn} on Redis. A challenge is the issued message text stored under {@code im:{acct:A}:siwe:<nonce>} with
 * the challenge ttl. Answering checks, in order: the key label (a label {@link ApiKeys#issue} would refuse must not
 * burn the challenge); the layout and this gateway's domain, URI and chain; the signer (before
 * touching the challenge, so a forged answer cannot burn someone's challenge); then takes the challenge with
 * {@code GETDEL} (single use even between gateways racing on the same answer) and compares the text; then the
 * expiration time against the injected clock. Redis expiry drops unanswered challenges.
 */
public final class RedisSignIn implements SignIn {
    private final RedisState redis;
    private final ApiKeys keys;
    private final SignInPolicy policy;
    private final InstantSource clock;
    private final SecureRandom random = new SecureRandom();

    public RedisSignIn(RedisState redis, ApiKeys keys, SignInPolicy policy, InstantSource clock) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public SignInMessage challenge(EthAddress account) {
        byte[] n = new byte[16];
        random.nextBytes(n);
        Instant issued = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        SignInMessage message = new SignInMessage(
                policy.domain(),
                account,
                policy.statement(),
                policy.uri(),
                policy.chainId(),
                HexFormat.of().formatHex(n),
                issued,
                issued.plus(policy.challengeTtl()));
        redis.call(c -> c.set(
                RedisKeys.challenge(account, message.nonce()),
                message.text(),
                SetArgs.Builder.nx().px(policy.challengeTtl().toMillis())));
        return message;
    }

    @Override
    public SignInOutcome signIn(String message, String signature, String keyLabel) {
        Names.requireName("label", keyLabel);
        Optional<SignInMessage> parsed = SignInMessage.parse(message);
        if (parsed.isEmpty()) {
            return new SignInOutcome.Refused(Reason.MALFORMED);
        }
        SignInMessage m = parsed.get();
        if (!m.domain().equals(policy.domain()) || !m.uri().equals(policy.uri()) || m.chainId() != policy.chainId()) {
            return new SignInOutcome.Refused(Reason.MALFORMED);
        }
        Optional<EthAddress> signer = Eip191.recover(m.bytes(), signature);
        if (signer.isEmpty() || !signer.get().equals(m.address())) {
            return new SignInOutcome.Refused(Reason.WRONG_SIGNER);
        }
        String issued = redis.call(c -> c.getdel(RedisKeys.challenge(m.address(), m.nonce())));
        if (issued == null || !issued.equals(message)) {
            return new SignInOutcome.Refused(Reason.UNKNOWN_CHALLENGE);
        }
        if (clock.instant().isAfter(m.expiresAt())) {
            return new SignInOutcome.Refused(Reason.EXPIRED);
        }
        return new SignInOutcome.SignedIn(m.address(), keys.issue(m.address(), keyLabel));
    }
}
