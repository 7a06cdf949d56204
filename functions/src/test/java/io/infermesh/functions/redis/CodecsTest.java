package io.infermesh.functions.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.infermesh.functions.Heartbeat;
import io.infermesh.functions.ReceiptId;
import io.infermesh.functions.StoredResponse;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.Wei;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CodecsTest {
    @Test
    void storedResponsesRoundTripByteForByte() {
        StoredResponse r = new StoredResponse(
                200,
                Map.of("content-type", "application/json", "x-request-id", "req_1"),
                new byte[] {0, (byte) 0xff, '{', '}'},
                Wei.parse("123456789012345678901234567890"),
                Optional.of(new ReceiptId("1763788575205-3")));
        assertEquals(r, RedisIdempotency.decode(RedisIdempotency.encode(r)));
        StoredResponse uncharged = new StoredResponse(503, Map.of(), new byte[0], Wei.ZERO, Optional.empty());
        assertEquals(uncharged, RedisIdempotency.decode(RedisIdempotency.encode(uncharged)));
    }

    @Test
    void heartbeatsRoundTrip() {
        Heartbeat hb = new Heartbeat(
                3,
                Map.of("org/minilm:1", Cid.parse("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy")),
                1L << 40,
                123.5);
        assertEquals(hb, RedisRegistry.decode(RedisRegistry.encode(hb)));
    }
}
