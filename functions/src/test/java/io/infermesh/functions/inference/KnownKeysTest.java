package io.infermesh.functions.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.infermesh.functions.ApiKeyInfo;
import io.infermesh.functions.Authorization;
import io.infermesh.store.manifest.EthAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KnownKeysTest {
    static final ApiKeyInfo KEY = new ApiKeyInfo(
            "k1", EthAddress.of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"), Instant.EPOCH, "abcd", "test");

    @Test
    void anUnseenKeyIsNotPresumed() {
        assertEquals(Optional.empty(), new KnownKeys(4).presume("h1"));
    }

    @Test
    void anAllowedKeyIsPresumedAsManyTimesAsItHadTokensLeft() {
        KnownKeys known = new KnownKeys(4);
        known.learn("h1", new Authorization.Allowed(KEY, 2));
        assertEquals(Optional.of(KEY), known.presume("h1"));
        assertEquals(Optional.of(KEY), known.presume("h1"));
        assertEquals(Optional.empty(), known.presume("h1"), "its last answer's tokens are spent");
        known.learn("h1", new Authorization.Allowed(KEY, 1));
        assertEquals(Optional.of(KEY), known.presume("h1"), "the next answer resets the count");
    }

    @Test
    void aLimitedOrRevokedKeyIsNotPresumedUntilAllowedAgain() {
        KnownKeys known = new KnownKeys(4);
        known.learn("h1", new Authorization.Allowed(KEY, 10));
        known.learn("h1", new Authorization.Limited(KEY, Duration.ofSeconds(1)));
        assertEquals(Optional.empty(), known.presume("h1"));
        known.learn("h1", new Authorization.Allowed(KEY, 10));
        known.learn("h1", new Authorization.Unknown());
        assertEquals(Optional.empty(), known.presume("h1"));
    }

    @Test
    void theLeastRecentlyUsedKeyIsForgottenFirst() {
        KnownKeys known = new KnownKeys(2);
        known.learn("h1", new Authorization.Allowed(KEY, 10));
        known.learn("h2", new Authorization.Allowed(KEY, 10));
        known.presume("h1");
        known.learn("h3", new Authorization.Allowed(KEY, 10));
        assertEquals(Optional.of(KEY), known.presume("h1"));
        assertEquals(Optional.empty(), known.presume("h2"));
        assertEquals(Optional.of(KEY), known.presume("h3"));
    }
}
