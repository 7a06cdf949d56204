package io.infermesh.functions.redis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.infermesh.functions.ApiKeyInfo;
import io.infermesh.functions.ApiKeys;
import io.infermesh.functions.Authorization;
import io.infermesh.functions.FunctionsException;
import io.infermesh.functions.FunctionsException.ErrorCode;
import io.infermesh.functions.IssuedKey;
import io.infermesh.functions.Names;
import io.infermesh.functions.RateLimit;
import io.infermesh.store.manifest.EthAddress;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * {@link ApiKeys} on Redis. Two records per key, written without a script so each stays a single-key (Cluster-safe)
 * command: the account's listing {@code im:{acct:A}:apikeys} (written first) and the lookup {@code im:apikey:<hash>}
 * (written second, deleted first on revoke). So every key that resolves is listed and can be revoked; a crash between
 * the two steps leaves at most a listed key that does not resolve, which revoke cleans up.
 */
public final class RedisApiKeys implements ApiKeys {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SECRET_LENGTH = PREFIX.length() + 43;
    private static final LuaScript AUTHORIZE = LuaScript.load("authorize", "bucket");

    private final RedisState redis;
    private final InstantSource clock;
    private final SecureRandom random = new SecureRandom();

    public RedisApiKeys(RedisState redis, InstantSource clock) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.clock = Objects.requireNonNull(clock, "clock");
        redis.preload(AUTHORIZE);
    }

    @Override
    public IssuedKey issue(EthAddress account, String label) {
        Names.requireName("label", label);
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String secret = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        String hash = Sha256.hex(secret);
        ApiKeyInfo info = new ApiKeyInfo(
                keyId(hash),
                account,
                Instant.ofEpochMilli(clock.millis()),
                secret.substring(secret.length() - 4),
                label);
        ObjectNode listed = JSON.createObjectNode();
        listed.put("id", info.id());
        listed.put("created", info.created().toString());
        listed.put("last4", info.last4());
        listed.put("label", label);
        listed.put("hash", hash);
        redis.call(c -> c.hset(RedisKeys.apiKeys(account), info.id(), listed.toString()));
        redis.call(c -> c.hset(
                RedisKeys.apiKey(hash),
                Map.of(
                        "account", account.value(),
                        "id", info.id(),
                        "created", info.created().toString(),
                        "last4", info.last4(),
                        "label", label)));
        return new IssuedKey(info, secret);
    }

    @Override
    public Optional<ApiKeyInfo> resolve(String secret) {
        if (!wellFormed(secret)) {
            return Optional.empty();
        }
        Map<String, String> f = redis.call(c -> c.hgetall(RedisKeys.apiKey(Sha256.hex(secret))));
        if (f.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new ApiKeyInfo(
                f.get("id"),
                EthAddress.of(f.get("account")),
                Instant.parse(f.get("created")),
                f.get("last4"),
                f.get("label")));
    }

    /** One {@code authorize} script: the key's record and its bucket, both named from the secret's hash. */
    @Override
    public Authorization authorize(String secret, RateLimit limit) {
        return RedisState.await(authorizeAsync(secret, limit));
    }

    @Override
    public CompletableFuture<Authorization> authorizeAsync(String secret, RateLimit limit) {
        if (!wellFormed(secret)) {
            return CompletableFuture.completedFuture(new Authorization.Unknown());
        }
        String hash = Sha256.hex(secret);
        return redis.runAsync(
                        AUTHORIZE,
                        new String[] {RedisKeys.apiKey(hash), RedisKeys.rateBucket("key:" + keyId(hash))},
                        Long.toString(limit.capacity()),
                        Double.toString(limit.refillPerSecond()),
                        "1")
                .thenApply(RedisApiKeys::authorization);
    }

    private static Authorization authorization(List<String> r) {
        if (r.get(0).equals("unknown")) {
            return new Authorization.Unknown();
        }
        ApiKeyInfo key = new ApiKeyInfo(r.get(3), EthAddress.of(r.get(2)), Instant.parse(r.get(4)), r.get(5), r.get(6));
        return switch (r.get(0)) {
            case "allowed" -> new Authorization.Allowed(key, Long.parseLong(r.get(1)));
            case "limited" -> new Authorization.Limited(key, Duration.ofMillis(Math.max(1, Long.parseLong(r.get(1)))));
            default -> throw new FunctionsException(ErrorCode.STATE_UNAVAILABLE, "authorize script answered " + r);
        };
    }

    private static boolean wellFormed(String secret) {
        return secret != null && secret.length() == SECRET_LENGTH && secret.startsWith(PREFIX);
    }

    /** A key's public id, from the hash of its secret (so the bucket can be named before the record is read). */
    private static String keyId(String secretHashHex) {
        return "key_" + secretHashHex.substring(0, 16);
    }

    @Override
    public List<ApiKeyInfo> list(EthAddress account) {
        Map<String, String> all = redis.call(c -> c.hgetall(RedisKeys.apiKeys(account)));
        List<ApiKeyInfo> out = new ArrayList<>();
        for (String json : all.values()) {
            JsonNode n = read(json);
            out.add(new ApiKeyInfo(
                    n.path("id").asText(),
                    account,
                    Instant.parse(n.path("created").asText()),
                    n.path("last4").asText(),
                    n.path("label").asText()));
        }
        out.sort(Comparator.comparing(ApiKeyInfo::created).thenComparing(ApiKeyInfo::id));
        return out;
    }

    @Override
    public boolean revoke(EthAddress account, String keyId) {
        if (keyId == null || !keyId.matches("key_[0-9a-f]{16}")) {
            return false;
        }
        String json = redis.call(c -> c.hget(RedisKeys.apiKeys(account), keyId));
        if (json == null) {
            return false;
        }
        String hash = read(json).path("hash").asText();
        redis.call(c -> c.del(RedisKeys.apiKey(hash)));
        redis.call(c -> c.hdel(RedisKeys.apiKeys(account), keyId));
        return true;
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new FunctionsException(ErrorCode.STATE_UNAVAILABLE, "stored API key record does not parse", e);
        }
    }
}
