package io.infermesh.pool.quarkus;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.infermesh.router.WorkerId;
import io.infermesh.router.auth.TokenVerifier;
import io.infermesh.router.auth.WorkerAuth;
import io.infermesh.router.grpc.WorkerTokenCheck;
import io.quarkus.grpc.GlobalInterceptor;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.security.PublicKey;
import java.time.Duration;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * Every gRPC call passes here first. With gateway keys configured ({@code infermesh.pool.auth.*}) a call without a
 * valid gateway token for this worker is refused {@code UNAUTHENTICATED} before any handler runs (the token format
 * and its checks are the router's {@link WorkerAuth}); without keys the port is open, which is only safe on loopback,
 * and the worker says so at start-up. {@link #trust} replaces the keys at run time; {@link #trustGateway} does so with
 * the keys a gateway hands out on registration and heartbeats, on top of the configured ones.
 */
@GlobalInterceptor
@ApplicationScoped
public class GatewayAuth implements ServerInterceptor {
    private static final Logger LOG = Logger.getLogger(GatewayAuth.class);

    @Inject
    WorkerConfig config;

    @Inject
    WorkerIdentity identity;

    private final AtomicReference<Optional<WorkerTokenCheck>> check = new AtomicReference<>(Optional.empty());
    private final AtomicReference<Trusted> trusted = new AtomicReference<>();
    private volatile Map<String, PublicKey> configured = Map.of();

    /** Who is trusted now; a repeated {@link #trust} with the same values keeps the verifier and its token cache. */
    private record Trusted(WorkerId self, Map<String, PublicKey> keys) {}

    void start(@Observes StartupEvent event) {
        WorkerConfig.Auth auth = config.auth();
        List<String> keys = auth.gatewayKeys().orElse(List.of());
        if (keys.isEmpty()) {
            if (config.gateway().url().isPresent()) {
                LOG.warn("gRPC calls are not authenticated until the gateway hands out its keys on registration: until"
                        + " then anyone who can reach the port can call this worker");
            } else {
                LOG.warn("gRPC calls are not authenticated (no infermesh.pool.auth.gateway-keys): anyone who can reach"
                        + " the port can call this worker; keep it on loopback");
            }
            return;
        }
        WorkerId id = identity.id()
                .orElseThrow(() -> new IllegalStateException(
                        "infermesh.pool.auth.gateway-keys needs infermesh.pool.auth.worker-id"));
        configured = Map.copyOf(parseKeys(keys));
        trust(id, configured);
    }

    /**
     * Accepts tokens signed by {@code leased} (a gateway's answer) or by the configured {@code auth.gateway-keys}; a
     * configured key wins over a leased one with the same key id. Does nothing while both are empty.
     */
    public void trustGateway(WorkerId self, Map<String, PublicKey> leased) {
        Map<String, PublicKey> merged = new LinkedHashMap<>(leased);
        merged.putAll(configured);
        if (!merged.isEmpty()) {
            trust(self, merged);
        }
    }

    /**
     * From now on, accept only tokens for {@code self} signed by one of {@code keys} (key id → public key). Calling it
     * again with equal arguments changes nothing (and logs nothing).
     */
    public void trust(WorkerId self, Map<String, PublicKey> keys) {
        Trusted next = new Trusted(self, Map.copyOf(keys));
        if (next.equals(trusted.getAndSet(next))) {
            return;
        }
        Duration skew = config.auth().clockSkew();
        TokenVerifier verifier = new TokenVerifier(self, keys, Duration.ofMinutes(15), skew, InstantSource.system());
        check.set(Optional.of(
                new WorkerTokenCheck(verifier, rejected -> LOG.debugf("refused a gRPC call: %s", rejected.reason()))));
        LOG.infof("gRPC calls need a gateway token for worker %s (keys %s)", self, keys.keySet());
    }

    static Map<String, PublicKey> parseKeys(List<String> entries) {
        Map<String, PublicKey> keys = new LinkedHashMap<>();
        for (String entry : entries) {
            int eq = entry.indexOf('=');
            if (eq <= 0) {
                throw new IllegalStateException(
                        "infermesh.pool.auth.gateway-keys entry '" + entry + "' must be kid=base64-public-key");
            }
            keys.put(entry.substring(0, eq).strip(), WorkerAuth.publicKey(entry.substring(eq + 1)));
        }
        return keys;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        Optional<WorkerTokenCheck> current = check.get();
        return current.isPresent() ? current.get().interceptCall(call, headers, next) : next.startCall(call, headers);
    }
}
