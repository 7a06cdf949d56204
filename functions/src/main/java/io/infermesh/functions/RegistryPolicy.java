package io.infermesh.functions;

import java.time.Duration;

/**
 * Registry timing.
 *
 * @param leaseTtl how long a heartbeat keeps a worker live (10 s by default; workers beat every ~2 s)
 * @param signatureWindow how far a signed registration's {@code issuedAt} may be from the gateway's clock, either way
 *     (5 min by default); (signer, nonce) pairs are remembered for twice this long
 */
public record RegistryPolicy(Duration leaseTtl, Duration signatureWindow) {
    public RegistryPolicy {
        if (leaseTtl == null || leaseTtl.toMillis() < 1) {
            throw FunctionsException.invalid("a lease ttl is at least 1 ms");
        }
        if (signatureWindow == null || signatureWindow.toSeconds() < 1) {
            throw FunctionsException.invalid("a signature window is at least 1 s");
        }
    }

    public static RegistryPolicy defaults() {
        return new RegistryPolicy(Duration.ofSeconds(10), Duration.ofMinutes(5));
    }
}
