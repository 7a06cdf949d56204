package io.infermesh.pool.gateway;

import io.infermesh.router.WorkerId;
import java.lang.System.Logger.Level;
import java.security.PublicKey;
import java.time.Duration;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Keeps this worker registered with one gateway. One {@link #step()} makes one call and says how long to wait before
 * the next:
 *
 * <pre>
 *   no lease:  register (fresh issuedAt and nonce)   Leased → hold it, trust its keys, wait the heartbeat interval
 *                                                    Refused / Unavailable → wait backoff
 *   lease:     heartbeat (live numbers)              Leased → renew, trust its keys, wait the heartbeat interval
 *                                                    LeaseLost (401/404) → drop it, register at once
 *                                                    Refused / Unavailable → keep it, wait backoff (the gateway
 *                                                    answers 404 later if it expired meanwhile)
 * </pre>
 *
 * The heartbeat interval is the answer's {@code heartbeatSeconds}; without one, the configured interval, at most a
 * third of the lease (so two lost beats still leave the lease alive). Backoff is {@link Backoff}, reset by every
 * success. The {@link Phase} and its log line change only when the outcome's kind changes, never on every beat.
 *
 * <p>{@link #step()} and {@link #runUntilInterrupted()} belong to one thread; {@link #phase()} may be read from any.
 */
public final class LeaseKeeper {
    /** Accepts gateway tokens signed by {@code keys} for {@code self} (the worker's gRPC auth). */
    @FunctionalInterface
    public interface KeyTrust {
        void trust(WorkerId self, Map<String, PublicKey> keys);
    }

    /** Where the keeper stands, as the worker's health data shows it. */
    public enum Phase {
        /** Not registered yet, or registering again after the gateway dropped the lease. */
        REGISTERING,
        /** Holding a lease the gateway renewed on the last call. */
        LEASED,
        /** The last call did not get through (network, timeout, 5xx); retrying with backoff. */
        UNREACHABLE,
        /** The gateway refused the last call (4xx); retrying with backoff until an operator fixes the cause. */
        REFUSED
    }

    private final Gateway gateway;
    private final PoolKey key;
    private final LeaseSettings settings;
    private final Supplier<Heartbeat> load;
    private final KeyTrust trust;
    private final InstantSource clock;
    private final RandomGenerator random;
    private final Backoff backoff;
    private final System.Logger log;

    private Optional<Lease> lease = Optional.empty();
    private volatile Phase phase = Phase.REGISTERING;
    private String lastProblem = "";

    /**
     * @param load the live numbers for each heartbeat; called on the keeper's thread
     * @param random nonces and jitter ({@code SecureRandom} in production: nonces must be unpredictable)
     */
    public LeaseKeeper(
            Gateway gateway,
            PoolKey key,
            LeaseSettings settings,
            Supplier<Heartbeat> load,
            KeyTrust trust,
            InstantSource clock,
            RandomGenerator random) {
        this(gateway, key, settings, load, trust, clock, random, System.getLogger(LeaseKeeper.class.getName()));
    }

    /** As above, logging to {@code log} (tests count the lines). */
    LeaseKeeper(
            Gateway gateway,
            PoolKey key,
            LeaseSettings settings,
            Supplier<Heartbeat> load,
            KeyTrust trust,
            InstantSource clock,
            RandomGenerator random,
            System.Logger log) {
        this.log = Objects.requireNonNull(log, "log");
        this.gateway = Objects.requireNonNull(gateway, "gateway");
        this.key = Objects.requireNonNull(key, "key");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.load = Objects.requireNonNull(load, "load");
        this.trust = Objects.requireNonNull(trust, "trust");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
        this.backoff = new Backoff(settings.initialBackoff(), settings.maxBackoff(), random::nextDouble);
    }

    /** Makes one call (registration or heartbeat) and returns how long to wait before the next step. */
    public Duration step() {
        return lease.isPresent() ? heartbeat(lease.get()) : register();
    }

    /**
     * Steps until the thread is interrupted (the worker's shutdown), and returns with the interrupt flag set. A failure of this code itself (not of the gateway)
     * is logged and retried with backoff, so it never ends the loop.
     */
    public void runUntilInterrupted() {
        while (!Thread.currentThread().isInterrupted()) {
            Duration wait;
            try {
                wait = step();
            } catch (RuntimeException e) {
                log.log(Level.ERROR, "gateway lease keeping failed; retrying", e);
                wait = backoff.next();
            }
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    public Phase phase() {
        return phase;
    }

    /** The lease held now, if any. Keeper thread only. */
    Optional<Lease> lease() {
        return lease;
    }

    private Duration register() {
        WorkerRegistration registration = new WorkerRegistration(
                key.address(),
                settings.worker(),
                settings.target(),
                clock.instant().truncatedTo(ChronoUnit.SECONDS),
                nonce());
        GatewayReply reply = gateway.register(SignedEnvelope.sign(registration, key));
        return switch (reply) {
            case GatewayReply.Leased leased -> {
                hold(leased.lease());
                enter(
                        Phase.LEASED,
                        "",
                        Level.INFO,
                        "registered with gateway %s as worker %s (target %s, lease %s s, heartbeat every %s ms,"
                                + " gateway keys %s)",
                        gateway.describe(),
                        settings.worker(),
                        settings.target(),
                        leased.lease().duration().toSeconds(),
                        interval(leased.lease()).toMillis(),
                        leased.lease().gatewayKeys().keySet());
                yield interval(leased.lease());
            }
            case GatewayReply.Refused refused ->
                refused("registration", refused.status(), refused.code(), refused.detail());
            case GatewayReply.LeaseLost lost -> refused("registration", lost.status(), "", lost.detail());
            case GatewayReply.Unavailable unavailable -> unreachable(unavailable);
        };
    }

    private Duration heartbeat(Lease current) {
        GatewayReply reply = gateway.heartbeat(settings.worker().value(), current.token(), load.get());
        return switch (reply) {
            case GatewayReply.Leased leased -> {
                hold(leased.lease());
                enter(
                        Phase.LEASED,
                        "",
                        Level.INFO,
                        "gateway %s accepts heartbeats again for worker %s",
                        gateway.describe(),
                        settings.worker());
                yield interval(leased.lease());
            }
            case GatewayReply.LeaseLost lost -> {
                lease = Optional.empty();
                backoff.reset();
                // Always worth a line: the gateway forgot this worker (expired lease, restart, new token).
                phase = Phase.REGISTERING;
                lastProblem = "";
                log.log(
                        Level.WARNING,
                        String.format(
                                "gateway %s no longer knows worker %s (HTTP %d%s); registering again",
                                gateway.describe(),
                                settings.worker(),
                                lost.status(),
                                lost.detail().isEmpty() ? "" : ": " + lost.detail()));
                yield Duration.ZERO;
            }
            case GatewayReply.Refused refused ->
                refused("heartbeat", refused.status(), refused.code(), refused.detail());
            case GatewayReply.Unavailable unavailable -> unreachable(unavailable);
        };
    }

    private void hold(Lease granted) {
        lease = Optional.of(granted);
        backoff.reset();
        trust.trust(settings.worker(), granted.gatewayKeys());
    }

    private Duration refused(String call, int status, String code, String detail) {
        enter(
                Phase.REFUSED,
                status + code,
                Level.ERROR,
                "gateway %s refused this worker's %s (HTTP %d%s)%s; the worker keeps serving and retries with backoff"
                        + "%s",
                gateway.describe(),
                call,
                status,
                code.isEmpty() ? "" : " " + code,
                detail.isEmpty() ? "" : ": " + detail,
                status == 403 || status == 422
                        ? " (is the pool " + key.address() + " registered: POST /v1/pools?)"
                        : "");
        return backoff.next();
    }

    private Duration unreachable(GatewayReply.Unavailable unavailable) {
        enter(
                Phase.UNREACHABLE,
                "",
                Level.WARNING,
                "gateway %s is unavailable (%s); the worker keeps serving and retries with backoff",
                gateway.describe(),
                unavailable.reason());
        return backoff.next();
    }

    /** Logs only when the phase (or, for refusals, the status and code) changes. */
    private void enter(Phase next, String problem, Level level, String format, Object... args) {
        boolean changed = next != phase || !problem.equals(lastProblem);
        phase = next;
        lastProblem = problem;
        if (changed) {
            log.log(level, String.format(format, args));
        }
    }

    private Duration interval(Lease granted) {
        return granted.heartbeatInterval().orElseGet(() -> {
            Duration third = granted.duration().dividedBy(3);
            return settings.heartbeatInterval().compareTo(third) <= 0 ? settings.heartbeatInterval() : third;
        });
    }

    private String nonce() {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
