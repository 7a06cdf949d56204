package io.infermesh.functions.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.functions.ApiKeys;
import io.infermesh.functions.Authorization;
import io.infermesh.functions.IssuedKey;
import io.infermesh.functions.RateLimit;
import io.infermesh.functions.TestKeys;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The per-key token bucket ({@code bucket.lua}) as every paid call meets it: through {@code authorize}. */
class KeyBucketIT {
    @RegisterExtension
    static final RedisServer server = RedisServer.forClass("keybucket");

    ApiKeys keys;
    IssuedKey issued;

    @BeforeEach
    void fresh() {
        server.flush();
        keys = new RedisApiKeys(server.state(), InstantSource.system());
        issued = keys.issue(TestKeys.address(TestKeys.random()), "ci");
    }

    @Test
    void aFloodPassesExactlyTheBurst() {
        // refill 1 token per 1000 s: during the test the bucket cannot gain a whole token back
        RateLimit limit = new RateLimit(10, 0.001);
        List<CompletableFuture<Authorization>> flood = new ArrayList<>();
        for (int i = 0; i < 10 + 70; i++) {
            flood.add(keys.authorizeAsync(issued.secret(), limit)); // all in flight at once
        }
        int allowed = 0;
        List<Authorization.Limited> limited = new ArrayList<>();
        for (CompletableFuture<Authorization> f : flood) {
            switch (f.join()) {
                case Authorization.Allowed a -> allowed++;
                case Authorization.Limited l -> limited.add(l);
                case Authorization.Unknown u -> throw new AssertionError("the key is live");
            }
        }
        assertEquals(10, allowed);
        assertEquals(70, limited.size());
        // one token at 0.001/s takes up to 1000 s
        limited.forEach(l ->
                assertTrue(l.retryAfter().toSeconds() > 900 && l.retryAfter().toSeconds() <= 1000, l.toString()));
    }

    @Test
    void theBucketCountsDownAndIsPerKey() {
        RateLimit limit = new RateLimit(3, 0.001);
        assertEquals(new Authorization.Allowed(issued.info(), 2), keys.authorize(issued.secret(), limit));
        assertEquals(new Authorization.Allowed(issued.info(), 1), keys.authorize(issued.secret(), limit));
        assertEquals(new Authorization.Allowed(issued.info(), 0), keys.authorize(issued.secret(), limit));
        assertInstanceOf(Authorization.Limited.class, keys.authorize(issued.secret(), limit));
        IssuedKey other = keys.issue(issued.info().account(), "laptop");
        assertEquals(new Authorization.Allowed(other.info(), 2), keys.authorize(other.secret(), limit));
    }

    @Test
    void anEmptyBucketRefillsOverRedisTime() {
        RateLimit limit = new RateLimit(1, 1000);
        assertInstanceOf(Authorization.Allowed.class, keys.authorize(issued.secret(), limit));
        // 1000 tokens/s: the next token is due within ~1 ms of Redis time; poll, bounded
        Authorization a = keys.authorize(issued.secret(), limit);
        for (int i = 0; i < 10_000 && a instanceof Authorization.Limited; i++) {
            a = keys.authorize(issued.secret(), limit);
        }
        assertInstanceOf(Authorization.Allowed.class, a);
    }

    @Test
    void aCrashEmptiesBucketsButKeepsKeys() throws InterruptedException {
        // a bucket is soft state (bucket.lua): never in the AOF, so authorize does not wait for an fsync
        RateLimit limit = new RateLimit(2, 0.001);
        keys.authorize(issued.secret(), limit);
        keys.authorize(issued.secret(), limit);
        assertInstanceOf(Authorization.Limited.class, keys.authorize(issued.secret(), limit));

        server.kill(); // SIGKILL: only what Redis fsynced survives
        server.restart();

        ApiKeys after = new RedisApiKeys(server.state(), InstantSource.system());
        assertEquals(new Authorization.Allowed(issued.info(), 1), after.authorize(issued.secret(), limit));
        String aof = server.appendOnlyText();
        assertTrue(aof.contains("im:apikey:"), "the key's record is in the AOF");
        // (an expiring bucket would add a DEL of its name, never a write)
        assertFalse(
                Pattern.compile("HSET\r\n\\$\\d+\r\nim:rate:").matcher(aof).find(), "no bucket write is in the AOF");
    }
}
