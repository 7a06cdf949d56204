package io.infermesh.functions;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.infermesh.store.manifest.Wei;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ValuesTest {
    @Test
    void requestIdsAreSafeToEmbedInKeys() {
        assertDoesNotThrow(() -> new RequestId("req_0b6f-4c1e.7:x"));
        assertDoesNotThrow(RequestId::random);
        for (String bad : new String[] {"", "_x", "a b", "a/b", "a{b}", "x".repeat(129)}) {
            assertThrows(FunctionsException.class, () -> new RequestId(bad), bad);
        }
    }

    @Test
    void idempotencyKeysArePrintableAscii() {
        assertDoesNotThrow(() -> new IdempotencyKey("3f1c-retry-1"));
        assertThrows(FunctionsException.class, () -> new IdempotencyKey("a b"));
        assertThrows(FunctionsException.class, () -> new IdempotencyKey("é"));
        assertThrows(FunctionsException.class, () -> new IdempotencyKey("x".repeat(256)));
    }

    @Test
    void rateLimitsNeedACapacityAndARefill() {
        assertThrows(FunctionsException.class, () -> new RateLimit(0, 1));
        assertThrows(FunctionsException.class, () -> new RateLimit(1, 0));
        assertThrows(FunctionsException.class, () -> new RateLimit(1, Double.NaN));
        assertThrows(FunctionsException.class, () -> new RateLimit(1, Double.POSITIVE_INFINITY));
    }

    @Test
    void storedResponsesCompareByContent() {
        StoredResponse a = new StoredResponse(
                200, Map.of("content-type", "application/json"), new byte[] {1, 2}, Wei.ZERO, Optional.empty());
        StoredResponse b = new StoredResponse(
                200, Map.of("content-type", "application/json"), new byte[] {1, 2}, Wei.ZERO, Optional.empty());
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, new StoredResponse(200, Map.of(), new byte[] {1, 2}, Wei.ZERO, Optional.empty()));
        assertThrows(
                FunctionsException.class,
                () -> new StoredResponse(600, Map.of(), new byte[0], Wei.ZERO, Optional.empty()));
    }

    @Test
    void namesKeepOutControlCharactersAndTheFieldSeparator() {
        assertThrows(FunctionsException.class, () -> Names.requireName("model", "a|b"));
        assertThrows(FunctionsException.class, () -> Names.requireName("model", "a\nb"));
        assertThrows(FunctionsException.class, () -> Names.requireName("model", ""));
        assertEquals("org/model:tag", Names.requireName("model", "org/model:tag"));
    }
}
