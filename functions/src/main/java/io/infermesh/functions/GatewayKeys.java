package io.infermesh.functions;

import java.time.Duration;
import java.util.Map;

/**
 * The public keys gateways sign worker tokens with ({@link io.infermesh.router.auth.WorkerAuth}). Each gateway
 * announces its own key periodically; a worker learns the whole set from its lease, so any gateway's token opens it.
 * A key no gateway has announced within the freshness window drops out (a retired gateway's key stops working).
 * Thread-safe.
 */
public interface GatewayKeys {
    /** Announces {@code publicKey} (base64 X.509 Ed25519) under {@code keyId}, now. */
    void announce(String keyId, String publicKey);

    /** The keys announced within {@code freshness}: key id → base64 X.509 public key. */
    Map<String, String> current(Duration freshness);
}
