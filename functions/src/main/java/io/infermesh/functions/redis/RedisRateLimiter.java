package io.infermesh.functions.redis;

import io.infermesh.functions.FunctionsException;
import io.infermesh.functions.FunctionsException.ErrorCode;
import io.infermesh.functions.Names;
import io.infermesh.functions.RateDecision;
import io.infermesh.functions.RateLimit;
import io.infermesh.functions.RateLimiter;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * {@link RateLimiter} on Redis: one hash per subject, updated by the {@code rate_limit} Lua script. The script reads
 * Redis {@code TIME} itself rather than taking a time from the caller: the bucket is shared by all gateways, and one
 * clock for all of them means a gateway whose clock runs ahead cannot refill a bucket early, and one running behind
 * cannot starve it. (Redis 7 replicates script effects, not the script, so a script that reads TIME is safe on
 * replicas and in the AOF.) Token counts are doubles: they are not money, and a bucket's error is far below one token.
 */
public final class RedisRateLimiter implements RateLimiter {
    private static final LuaScript RATE_LIMIT = LuaScript.load("rate_limit", "bucket");

    private final RedisState redis;

    public RedisRateLimiter(RedisState redis) {
        this.redis = Objects.requireNonNull(redis, "redis");
        redis.preload(RATE_LIMIT);
    }

    @Override
    public RateDecision tryAcquire(String subject, RateLimit limit, long cost) {
        Names.requireName("subject", subject);
        if (cost < 1 || cost > limit.capacity()) {
            throw FunctionsException.invalid("a call costs 1 to the bucket's capacity in tokens");
        }
        List<String> r = redis.run(
                RATE_LIMIT,
                new String[] {RedisKeys.rateBucket(subject)},
                Long.toString(limit.capacity()),
                Double.toString(limit.refillPerSecond()),
                Long.toString(cost));
        return switch (r.get(0)) {
            case "allowed" -> new RateDecision.Allowed(Long.parseLong(r.get(1)));
            case "limited" -> new RateDecision.Limited(Duration.ofMillis(Math.max(1, Long.parseLong(r.get(1)))));
            default -> throw new FunctionsException(ErrorCode.STATE_UNAVAILABLE, "rate_limit script answered " + r);
        };
    }
}
