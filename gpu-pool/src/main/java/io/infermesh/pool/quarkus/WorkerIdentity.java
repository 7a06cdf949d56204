package io.infermesh.pool.quarkus;

import io.infermesh.router.WorkerId;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * This worker's id as gateways know it: {@code infermesh.pool.auth.worker-id} if set; otherwise, when a gateway URL
 * is configured, {@code <host name>:<gRPC port>} (characters outside the id alphabet become {@code -}); otherwise
 * none.
 */
@Singleton
public class WorkerIdentity {
    private static final int MAX_LENGTH = 128;

    @Inject
    WorkerConfig config;

    @ConfigProperty(name = "quarkus.grpc.server.port")
    int grpcPort;

    public Optional<WorkerId> id() {
        Optional<String> configured = config.auth().workerId();
        if (configured.isPresent()) {
            try {
                return Optional.of(new WorkerId(configured.get()));
            } catch (RuntimeException e) {
                throw new IllegalStateException(
                        "infermesh.pool.auth.worker-id '" + configured.get() + "': " + e.getMessage());
            }
        }
        if (config.gateway().url().isPresent()) {
            return Optional.of(defaultId(hostName(), grpcPort));
        }
        return Optional.empty();
    }

    /** {@code host:port} with the host cut to the id alphabet and length. */
    static WorkerId defaultId(String host, int port) {
        String suffix = ":" + port;
        String cleaned = host.replaceAll("[^A-Za-z0-9._-]", "-").replaceFirst("^[^A-Za-z0-9]+", "");
        if (cleaned.isEmpty()) {
            cleaned = "worker";
        }
        if (cleaned.length() + suffix.length() > MAX_LENGTH) {
            cleaned = cleaned.substring(0, MAX_LENGTH - suffix.length());
        }
        return new WorkerId(cleaned + suffix);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return Optional.ofNullable(System.getenv("HOSTNAME")).orElse("worker");
        }
    }
}
