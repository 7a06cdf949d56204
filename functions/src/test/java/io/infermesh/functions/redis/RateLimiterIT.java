package io.infermesh.functions.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.functions.FunctionsException;
import io.infermesh.functions.RateDecision;
import io.infermesh.functions.RateLimit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RateLimiterIT {
    @RegisterExtension
    static final RedisServer server = RedisServer.forClass("ratelimit");

    RedisRateLimiter limiter;

    @BeforeEach
    void fresh() {
        server.flush();
        limiter = new RedisRateLimiter(server.state());
    }

    @Test
    void aFloodPassesExactlyTheBurst() throws Exception {
        // refill 1 token per 1000 s: during the test the bucket cannot gain a whole token back
        RateLimit limit = new RateLimit(10, 0.001);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Callable<RateDecision>> calls = new ArrayList<>();
        for (int i = 0; i < 10 + 70; i++) {
            calls.add(() -> limiter.tryAcquire("key_flood", limit, 1));
        }
        int allowed = 0;
        List<RateDecision.Limited> limited = new ArrayList<>();
        try {
            for (Future<RateDecision> f : pool.invokeAll(calls)) {
                switch (f.get()) {
                    case RateDecision.Allowed a -> allowed++;
                    case RateDecision.Limited l -> limited.add(l);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(10, allowed);
        assertEquals(70, limited.size());
        // one token at 0.001/s takes up to 1000 s
        limited.forEach(l ->
                assertTrue(l.retryAfter().toSeconds() > 900 && l.retryAfter().toSeconds() <= 1000, l.toString()));
    }

    @Test
    void bucketsAreIndependentPerSubjectAndCountDown() {
        RateLimit limit = new RateLimit(3, 0.001);
        assertEquals(new RateDecision.Allowed(2), limiter.tryAcquire("a", limit, 1));
        assertEquals(new RateDecision.Allowed(0), limiter.tryAcquire("a", limit, 2));
        assertInstanceOf(RateDecision.Limited.class, limiter.tryAcquire("a", limit, 1));
        assertEquals(new RateDecision.Allowed(0), limiter.tryAcquire("b", limit, 3));
    }

    @Test
    void anEmptyBucketRefillsOverRedisTime() {
        RateLimit limit = new RateLimit(1, 1000);
        assertInstanceOf(RateDecision.Allowed.class, limiter.tryAcquire("refill", limit, 1));
        // 1000 tokens/s: the next token is due within ~1 ms of Redis time; poll, bounded
        RateDecision d = limiter.tryAcquire("refill", limit, 1);
        for (int i = 0; i < 10_000 && d instanceof RateDecision.Limited; i++) {
            d = limiter.tryAcquire("refill", limit, 1);
        }
        assertInstanceOf(RateDecision.Allowed.class, d);
    }

    @Test
    void aCostAboveTheCapacityIsAnError() {
        assertThrows(FunctionsException.class, () -> limiter.tryAcquire("x", new RateLimit(2, 1), 3));
        assertThrows(FunctionsException.class, () -> limiter.tryAcquire("x", new RateLimit(2, 1), 0));
    }
}
