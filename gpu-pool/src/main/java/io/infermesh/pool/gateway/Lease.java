package io.infermesh.pool.gateway;

import java.security.PublicKey;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A gateway's answer to a registration or heartbeat: the worker is live until {@code duration} after the answer unless
 * it renews.
 *
 * @param token the lease secret for {@code Authorization: Bearer}; never logged
 * @param duration how long the lease lasts without a heartbeat
 * @param heartbeatInterval how often the gateway wants heartbeats, when it says
 * @param gatewayKeys the gateway's Ed25519 token keys by key id: the worker accepts calls signed by them
 */
public record Lease(
        String token, Duration duration, Optional<Duration> heartbeatInterval, Map<String, PublicKey> gatewayKeys) {
    public Lease {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("a lease needs a token");
        }
        if (duration == null || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("a lease lasts a positive time, not " + duration);
        }
        Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
        heartbeatInterval.ifPresent(d -> {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("a heartbeat interval is positive, not " + d);
            }
        });
        gatewayKeys = Map.copyOf(gatewayKeys);
    }

    @Override
    public String toString() {
        return "Lease[duration=" + duration + ", heartbeatInterval=" + heartbeatInterval + ", gatewayKeys="
                + gatewayKeys.keySet() + "]";
    }
}
