package io.infermesh.functions.inference;

import io.infermesh.functions.ApiKeyInfo;
import io.infermesh.functions.Authorization;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The API keys this gateway recently saw allowed, by the SHA-256 of their secret, each with the tokens its bucket had
 * left in that answer. A key is presumed valid (see {@link Caller}) only while that count lasts: every presumption
 * spends one, every answer resets it to what Redis reported, and a refusal (limited, unknown) ends presumption until
 * the next allowed answer. So a key flooding past its rate limit, or a revoked key, sends at most its last reported
 * tokens' worth of calls to workers whose answers are then dropped; Redis still decides every call. At most {@code
 * capacity} keys, least recently used dropped first. Thread-safe.
 */
public final class KnownKeys {
    private final int capacity;
    private final Map<String, Known> seen;

    private static final class Known {
        final ApiKeyInfo key;
        long credit;

        Known(ApiKeyInfo key, long credit) {
            this.key = key;
            this.credit = credit;
        }
    }

    public KnownKeys(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.capacity = capacity;
        this.seen = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Known> eldest) {
                return size() > KnownKeys.this.capacity;
            }
        };
    }

    /** The key under {@code secretHash} if it may be presumed valid now; spends one of its presumptions. */
    public synchronized Optional<ApiKeyInfo> presume(String secretHash) {
        Known k = seen.get(secretHash);
        if (k == null || k.credit < 1) {
            return Optional.empty();
        }
        k.credit--;
        return Optional.of(k.key);
    }

    /** Records an authorization's answer for the key under {@code secretHash}. */
    public synchronized void learn(String secretHash, Authorization answer) {
        switch (answer) {
            case Authorization.Allowed a -> seen.put(secretHash, new Known(a.key(), a.remaining()));
            case Authorization.Limited l -> seen.put(secretHash, new Known(l.key(), 0));
            case Authorization.Unknown u -> seen.remove(secretHash);
        }
    }
}
