package io.infermesh.functions.redis;

import io.infermesh.functions.GatewayKeys;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * {@link GatewayKeys} in one Redis hash, key id → {@code <last seen ms>|<public key>}, stamped with Redis time so
 * every gateway judges freshness by the same clock.
 */
public final class RedisGatewayKeys implements GatewayKeys {
    private final RedisState redis;

    public RedisGatewayKeys(RedisState redis) {
        this.redis = Objects.requireNonNull(redis, "redis");
    }

    @Override
    public void announce(String keyId, String publicKey) {
        long now = redis.time().toEpochMilli();
        redis.call(c -> c.hset(RedisKeys.GATEWAY_KEYS, keyId, now + "|" + publicKey));
    }

    @Override
    public Map<String, String> current(Duration freshness) {
        Instant now = redis.time();
        long oldest = now.minus(freshness).toEpochMilli();
        Map<String, String> all = redis.call(c -> c.hgetall(RedisKeys.GATEWAY_KEYS));
        Map<String, String> fresh = new TreeMap<>();
        all.forEach((kid, value) -> {
            int bar = value.indexOf('|');
            if (bar > 0 && Long.parseLong(value.substring(0, bar)) >= oldest) {
                fresh.put(kid, value.substring(bar + 1));
            }
        });
        return fresh;
    }
}
