package io.infermesh.pool.quarkus;

import io.infermesh.pool.cache.ModelCache;
import io.infermesh.pool.gateway.Heartbeat;
import io.infermesh.pool.gateway.HttpGateway;
import io.infermesh.pool.gateway.LeaseKeeper;
import io.infermesh.pool.gateway.LeaseSettings;
import io.infermesh.pool.gateway.PoolKey;
import io.infermesh.router.WorkerId;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Optional;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Wires {@link LeaseKeeper} into the worker when {@code infermesh.pool.gateway.url} is set: checks the settings at
 * start-up (a bad URL, key file or target fails the start), starts keeping the lease on one daemon thread once the
 * worker is ready, feeds heartbeats from the worker's live numbers, trusts the gateway's keys through {@link
 * GatewayAuth}, and stops on shutdown (the gateway lets the lease expire).
 */
@Singleton
public class GatewayRegistration {
    private static final Logger LOG = Logger.getLogger(GatewayRegistration.class);

    @Inject
    WorkerConfig config;

    @Inject
    Worker worker;

    @Inject
    GatewayAuth auth;

    @Inject
    WorkerIdentity identity;

    @ConfigProperty(name = "quarkus.grpc.server.port")
    int grpcPort;

    private volatile Optional<LeaseKeeper> keeper = Optional.empty();
    private Thread thread;
    private boolean stopped;

    /** After the worker's own start-up (a later priority): the worker creates the process's first HTTP client. */
    void start(@Observes @Priority(Interceptor.Priority.APPLICATION + 600) StartupEvent event) {
        WorkerConfig.Gateway settings = config.gateway();
        if (settings.url().isEmpty()) {
            if (settings.poolKeyFile().isPresent() || settings.advertiseTarget().isPresent()) {
                LOG.warn("infermesh.pool.gateway.* is set but infermesh.pool.gateway.url is not: this worker does not"
                        + " register with a gateway");
            }
            return;
        }
        URI url = settings.url().get();
        Path keyFile = settings.poolKeyFile()
                .orElseThrow(() -> new IllegalStateException("infermesh.pool.gateway.url needs"
                        + " infermesh.pool.gateway.pool-key-file (the pool's Ethereum key that signs registrations)"));
        PoolKey key = checked("infermesh.pool.gateway.pool-key-file", () -> PoolKey.read(keyFile));
        WorkerId self = identity.id().orElseThrow();
        String target = settings.advertiseTarget().orElse("127.0.0.1:" + grpcPort);
        LeaseSettings lease = checked(
                "infermesh.pool.gateway.advertise-target / .heartbeat-interval",
                () -> LeaseSettings.of(self, target, settings.heartbeatInterval()));
        Duration timeout = settings.callTimeout();
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalStateException("infermesh.pool.gateway.call-timeout must be positive, not " + timeout);
        }
        HttpGateway gateway = checked(
                "infermesh.pool.gateway.url", () -> new HttpGateway(HttpGateway.defaultClient(timeout), url, timeout));
        LeaseKeeper started = new LeaseKeeper(
                gateway, key, lease, this::heartbeat, auth::trustGateway, InstantSource.system(), new SecureRandom());
        keeper = Optional.of(started);
        LOG.infof(
                "will register with gateway %s as worker %s of pool %s (target %s) once ready",
                gateway.describe(), self, key.address(), target);
        worker.whenReady().thenRun(() -> run(started));
    }

    private synchronized void run(LeaseKeeper started) {
        if (stopped) {
            return;
        }
        thread = Thread.ofPlatform().daemon().name("gateway-lease").start(started::runUntilInterrupted);
    }

    /** The worker's numbers now. */
    Heartbeat heartbeat() {
        ModelCache cache = worker.cache();
        return new Heartbeat(
                Math.max(0, worker.inFlight().current()),
                cache.ready().stream()
                        .map(m -> new Heartbeat.LoadedModel(m.name(), m.manifestCid()))
                        .toList(),
                Math.max(0, cache.budgetBytes() - cache.reservedBytes()),
                worker.capability()
                        .map(c -> c.score())
                        .filter(s -> s >= 0 && Double.isFinite(s))
                        .orElse(0.0));
    }

    /** Where registration stands; empty when no gateway is configured. */
    public Optional<LeaseKeeper.Phase> phase() {
        return keeper.map(LeaseKeeper::phase);
    }

    void stop(@Observes ShutdownEvent event) {
        Thread running;
        synchronized (this) {
            stopped = true;
            running = thread;
        }
        if (running != null) {
            running.interrupt();
            try {
                running.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static <T> T checked(String keys, Supplier<T> build) {
        try {
            return build.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(keys + ": " + e.getMessage(), e);
        }
    }
}
