package io.infermesh.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restassured.response.Response;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A flood over one key's rate limit gets 429 with Retry-After; another key is unaffected. */
class RateLimitIT {
    @RegisterExtension
    static final Platform platform = Platform.with(
            "ratelimit",
            Map.of("INFERMESH_GATEWAY_RATE_LIMIT_BURST", "5", "INFERMESH_GATEWAY_RATE_LIMIT_PER_SECOND", "0.5"));

    @Test
    void aFloodOverTheLimitIsThrottledWithRetryAfter() {
        String flooder = Accounts.signIn(platform, EthKey.random());
        int ok = 0;
        int throttled = 0;
        for (int i = 0; i < 30; i++) {
            Response r = platform.as(flooder).get("/v1/account");
            if (r.statusCode() == 200) {
                ok++;
            } else {
                assertEquals(429, r.statusCode(), r.asString());
                assertEquals("rate_limited", r.jsonPath().getString("code"));
                assertTrue(Long.parseLong(r.header("Retry-After")) >= 1);
                throttled++;
            }
        }
        assertTrue(ok >= 5 && ok <= 8, "the burst of 5 (plus refill) passes: " + ok);
        assertEquals(30 - ok, throttled);
        String other = Accounts.signIn(platform, EthKey.random());
        assertEquals(200, platform.as(other).get("/v1/account").statusCode(), "limits are per key");
    }
}
