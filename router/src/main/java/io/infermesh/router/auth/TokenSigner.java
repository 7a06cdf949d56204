package io.infermesh.router.auth;

import io.infermesh.router.RouterException;
import io.infermesh.router.WorkerId;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The gateway's side of {@link WorkerAuth}: signs tokens for workers. {@link #tokenFor} reuses a worker's token until
 * half its lifetime has passed, so signing happens once per worker every {@code lifetime / 2}, not per call.
 * Thread-safe.
 */
public final class TokenSigner {
    private final String keyId;
    private final PrivateKey key;
    private final Duration lifetime;
    private final InstantSource clock;
    private final Map<WorkerId, Issued> issued = new ConcurrentHashMap<>();

    /**
     * @param keyId the key's id as the workers know it
     * @param key the gateway's Ed25519 private key
     * @param lifetime how long a token is valid (e.g. 5 minutes; at least 2 seconds)
     * @param clock wall clock (tokens carry Unix time)
     */
    public TokenSigner(String keyId, PrivateKey key, Duration lifetime, InstantSource clock) {
        if (!WorkerAuth.isKeyId(Objects.requireNonNull(keyId, "keyId"))) {
            throw RouterException.invalid("key id must be 1-32 characters of [A-Za-z0-9_-]");
        }
        if (!WorkerAuth.ALGORITHM.equalsIgnoreCase(key.getAlgorithm())
                && !"EdDSA".equalsIgnoreCase(key.getAlgorithm())) {
            throw RouterException.invalid("the gateway key must be an Ed25519 key");
        }
        if (lifetime.compareTo(Duration.ofSeconds(2)) < 0) {
            throw RouterException.invalid("token lifetime must be at least 2 seconds");
        }
        this.keyId = keyId;
        this.key = key;
        this.lifetime = lifetime;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A valid token for {@code worker}, reused while more than half its lifetime is left. */
    public String tokenFor(WorkerId worker) {
        Instant now = clock.instant();
        Issued current = issued.get(worker);
        if (current != null && now.isBefore(current.refreshAt())) {
            return current.token();
        }
        Instant expiresAt = now.plus(lifetime);
        String token = sign(worker, expiresAt);
        issued.put(worker, new Issued(token, now.plus(lifetime.dividedBy(2))));
        return token;
    }

    /** A new token for {@code worker} that expires at {@code expiresAt} (whole seconds; the fraction is dropped). */
    public String sign(WorkerId worker, Instant expiresAt) {
        String signed = WorkerAuth.VERSION + "." + keyId + "." + worker.value() + "." + expiresAt.getEpochSecond();
        try {
            Signature s = Signature.getInstance(WorkerAuth.ALGORITHM);
            s.initSign(key);
            s.update(signed.getBytes(StandardCharsets.UTF_8));
            return signed + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw RouterException.crypto("cannot sign a worker token", e);
        }
    }

    /** Forgets a departed worker's cached token. */
    public void forget(WorkerId worker) {
        issued.remove(worker);
    }

    private record Issued(String token, Instant refreshAt) {}
}
