package io.infermesh.functions.redis;

import io.infermesh.functions.FunctionsException;
import io.infermesh.functions.FunctionsException.ErrorCode;
import io.infermesh.functions.RateLimit;
import io.infermesh.functions.RateLimiter;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** {@link RateLimiter} on the shared buckets of {@code bucket.lua}: {@code im:rate:<subject>}, soft state. */
public final class RedisRateLimiter implements RateLimiter {
    private static final LuaScript TAKE = LuaScript.load("take", "bucket");

    private final RedisState redis;

    public RedisRateLimiter(RedisState redis) {
        this.redis = Objects.requireNonNull(redis, "redis");
    }

    @Override
    public Optional<Duration> take(String subject, RateLimit limit) {
        List<String> r = redis.run(
                TAKE,
                new String[] {RedisKeys.rateBucket(subject)},
                Long.toString(limit.capacity()),
                Double.toString(limit.refillPerSecond()),
                "1");
        return switch (r.get(0)) {
            case "allowed" -> Optional.empty();
            case "limited" -> Optional.of(Duration.ofMillis(Math.max(1, Long.parseLong(r.get(1)))));
            default -> throw new FunctionsException(ErrorCode.STATE_UNAVAILABLE, "take script answered " + r);
        };
    }
}
