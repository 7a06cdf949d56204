package io.infermesh.router.auth;

import io.infermesh.router.RouterException;
import io.infermesh.router.WorkerId;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The worker's side of {@link WorkerAuth}: accepts a token when
 *
 * <ol>
 *   <li>it has the format {@code v1.kid.workerId.exp.sig},
 *   <li>{@code kid} names a trusted gateway key and {@code sig} is that key's Ed25519 signature,
 *   <li>{@code workerId} is this worker,
 *   <li>{@code now − skew < exp ≤ now + maxLifetime + skew}.
 * </ol>
 *
 * Accepted tokens are cached until they expire (at most {@value #CACHE_LIMIT}), so a gateway reusing its token costs one
 * signature check, not one per call. Thread-safe; never throws on bad input.
 */
public final class TokenVerifier {
    static final int CACHE_LIMIT = 64;
    private final WorkerId self;
    private final Map<String, PublicKey> trusted;
    private final Duration maxLifetime;
    private final Duration skew;
    private final InstantSource clock;
    private final Map<String, Verification.Accepted> accepted = new ConcurrentHashMap<>();

    /**
     * @param self this worker's id
     * @param trustedKeys gateway public keys by key id
     * @param maxLifetime the longest lifetime a gateway issues (tokens expiring later are refused)
     * @param skew the clock difference tolerated between gateway and worker
     * @param clock wall clock
     */
    public TokenVerifier(
            WorkerId self,
            Map<String, PublicKey> trustedKeys,
            Duration maxLifetime,
            Duration skew,
            InstantSource clock) {
        this.self = Objects.requireNonNull(self, "self");
        this.trusted = Map.copyOf(trustedKeys);
        if (trusted.isEmpty()) {
            throw RouterException.invalid("a worker must trust at least one gateway key");
        }
        if (!maxLifetime.isPositive() || skew.isNegative()) {
            throw RouterException.invalid("max lifetime must be positive and skew not negative");
        }
        this.maxLifetime = maxLifetime;
        this.skew = skew;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Checks the value of an {@code authorization} header ({@code null} when absent). */
    public Verification verifyHeader(String authorization) {
        if (authorization == null || !authorization.startsWith(WorkerAuth.BEARER)) {
            return new Verification.Rejected(Verification.Reason.MISSING);
        }
        return verify(authorization.substring(WorkerAuth.BEARER.length()).strip());
    }

    /** Checks one token. */
    public Verification verify(String token) {
        Instant now = clock.instant();
        Verification.Accepted cached = accepted.get(token);
        if (cached != null) {
            if (now.minus(skew).isBefore(cached.expiresAt())) {
                return cached;
            }
            accepted.remove(token);
            return new Verification.Rejected(Verification.Reason.EXPIRED);
        }
        Verification v = check(token, now);
        if (v instanceof Verification.Accepted a) {
            if (accepted.size() >= CACHE_LIMIT) {
                accepted.values().removeIf(e -> !now.minus(skew).isBefore(e.expiresAt()));
                if (accepted.size() >= CACHE_LIMIT) {
                    accepted.clear();
                }
            }
            accepted.put(token, a);
        }
        return v;
    }

    private Verification check(String token, Instant now) {
        // v1 . kid . workerId (may contain dots) . exp . sig
        int first = token.indexOf('.');
        int second = first < 0 ? -1 : token.indexOf('.', first + 1);
        int last = token.lastIndexOf('.');
        int beforeLast = last <= 0 ? -1 : token.lastIndexOf('.', last - 1);
        if (first < 0 || second < 0 || beforeLast <= second || token.length() > 512) {
            return rejected(Verification.Reason.MALFORMED);
        }
        String version = token.substring(0, first);
        String kid = token.substring(first + 1, second);
        String worker = token.substring(second + 1, beforeLast);
        String exp = token.substring(beforeLast + 1, last);
        String sig = token.substring(last + 1);
        if (!WorkerAuth.VERSION.equals(version) || !WorkerAuth.isKeyId(kid) || !isDigits(exp, 12)) {
            return rejected(Verification.Reason.MALFORMED);
        }
        PublicKey key = trusted.get(kid);
        if (key == null) {
            return rejected(Verification.Reason.UNKNOWN_KEY);
        }
        byte[] signature;
        try {
            signature = Base64.getUrlDecoder().decode(sig);
        } catch (IllegalArgumentException e) {
            return rejected(Verification.Reason.MALFORMED);
        }
        if (!signatureMatches(key, token.substring(0, last), signature)) {
            return rejected(Verification.Reason.BAD_SIGNATURE);
        }
        if (!self.value().equals(worker)) {
            return rejected(Verification.Reason.WRONG_WORKER);
        }
        Instant expiresAt = Instant.ofEpochSecond(Long.parseLong(exp));
        if (!now.minus(skew).isBefore(expiresAt)) {
            return rejected(Verification.Reason.EXPIRED);
        }
        if (expiresAt.isAfter(now.plus(maxLifetime).plus(skew))) {
            return rejected(Verification.Reason.TOO_LONG_LIVED);
        }
        return new Verification.Accepted(kid, expiresAt);
    }

    private static boolean signatureMatches(PublicKey key, String signed, byte[] signature) {
        try {
            Signature s = Signature.getInstance(WorkerAuth.ALGORITHM);
            s.initVerify(key);
            s.update(signed.getBytes(StandardCharsets.UTF_8));
            return s.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static boolean isDigits(String s, int maxLength) {
        if (s.isEmpty() || s.length() > maxLength) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static Verification rejected(Verification.Reason reason) {
        return new Verification.Rejected(reason);
    }
}
