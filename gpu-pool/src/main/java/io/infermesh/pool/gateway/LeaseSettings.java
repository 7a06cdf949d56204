package io.infermesh.pool.gateway;

import io.infermesh.router.WorkerId;
import java.time.Duration;
import java.util.Objects;

/**
 * How a worker registers and keeps its lease.
 *
 * @param worker this worker's id
 * @param target {@code host:port} the gateway dials
 * @param heartbeatInterval how often to renew when the gateway's answer does not say ({@code heartbeatSeconds} wins)
 * @param initialBackoff first wait after a failed call
 * @param maxBackoff longest wait between tries while the gateway is down or refusing
 */
public record LeaseSettings(
        WorkerId worker, String target, Duration heartbeatInterval, Duration initialBackoff, Duration maxBackoff) {
    public LeaseSettings {
        Objects.requireNonNull(worker, "worker");
        target = GatewayTarget.require(target);
        requirePositive("heartbeat interval", heartbeatInterval);
        requirePositive("initial backoff", initialBackoff);
        requirePositive("max backoff", maxBackoff);
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("max backoff " + maxBackoff + " is below the initial " + initialBackoff);
        }
    }

    /** The defaults: back off from 0.5 s up to 15 s. */
    public static LeaseSettings of(WorkerId worker, String target, Duration heartbeatInterval) {
        return new LeaseSettings(worker, target, heartbeatInterval, Duration.ofMillis(500), Duration.ofSeconds(15));
    }

    private static void requirePositive(String what, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("the " + what + " must be positive, not " + d);
        }
    }
}
