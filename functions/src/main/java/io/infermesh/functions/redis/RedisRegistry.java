package io.infermesh.functions.redis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.infermesh.functions.FunctionsException;
import io.infermesh.functions.FunctionsException.ErrorCode;
import io.infermesh.functions.Heartbeat;
import io.infermesh.functions.HeartbeatOutcome;
import io.infermesh.functions.LiveWorker;
import io.infermesh.functions.PoolRegistration;
import io.infermesh.functions.RegistrationOutcome;
import io.infermesh.functions.RegistrationOutcome.Reason;
import io.infermesh.functions.Registry;
import io.infermesh.functions.RegistryPolicy;
import io.infermesh.functions.Signed;
import io.infermesh.functions.SignedPayload;
import io.infermesh.functions.WorkerRegistration;
import io.infermesh.functions.WorkerState;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.EthAddress;
import io.lettuce.core.Range;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.SetArgs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@link Registry} on Redis. A signed registration is accepted when its signature recovers its signer, its
 * {@code issuedAt} is within the signature window of the injected clock, and its (signer, nonce) is new ({@code SET
 * NX} with a ttl of twice the window, so a replay is refused for as long as it could pass the time check). The signed
 * JSON and signature are stored as proof.
 *
 * <p>Leases: a heartbeat (the {@code heartbeat} script) sets the heartbeat key with the lease ttl and scores the worker
 * in {@code im:workers:leases} by its expiry, both from Redis {@code TIME}. {@link #liveWorkers()} reads the workers
 * scored after Redis now and lazily drops the rest, so an expired lease disappears with no sweeper and every gateway
 * agrees on it.
 */
public final class RedisRegistry implements Registry {
    private static final LuaScript POOL_REGISTER = LuaScript.load("pool_register");
    private static final LuaScript WORKER_REGISTER = LuaScript.load("worker_register");
    private static final LuaScript HEARTBEAT = LuaScript.load("heartbeat");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RedisState redis;
    private final RegistryPolicy policy;
    private final InstantSource clock;
    private final SecureRandom random = new SecureRandom();

    public RedisRegistry(RedisState redis, RegistryPolicy policy, InstantSource clock) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.clock = Objects.requireNonNull(clock, "clock");
        redis.preload(POOL_REGISTER, WORKER_REGISTER, HEARTBEAT);
    }

    @Override
    public RegistrationOutcome registerPool(Signed<PoolRegistration> registration) {
        Optional<Reason> refused = check(registration);
        if (refused.isPresent()) {
            return new RegistrationOutcome.Refused(refused.get());
        }
        PoolRegistration p = registration.payload();
        List<String> r = redis.run(
                POOL_REGISTER,
                new String[] {RedisKeys.pool(p.pool())},
                Long.toString(p.issuedAt().getEpochSecond()),
                new String(p.canonicalJson(), StandardCharsets.UTF_8),
                registration.signature());
        return "accepted".equals(r.get(0))
                ? new RegistrationOutcome.PoolAccepted()
                : new RegistrationOutcome.Refused(Reason.SUPERSEDED);
    }

    @Override
    public Optional<PoolRegistration> pool(EthAddress pool) {
        String json = redis.call(c -> c.hget(RedisKeys.pool(pool), "registration"));
        return Optional.ofNullable(json).map(PoolRegistration::parse);
    }

    @Override
    public RegistrationOutcome registerWorker(Signed<WorkerRegistration> registration) {
        WorkerRegistration w = registration.payload();
        if (redis.call(c -> c.exists(RedisKeys.pool(w.pool()))) == 0) {
            return new RegistrationOutcome.Refused(Reason.UNKNOWN_POOL);
        }
        Optional<Reason> refused = check(registration);
        if (refused.isPresent()) {
            return new RegistrationOutcome.Refused(refused.get());
        }
        byte[] t = new byte[32];
        random.nextBytes(t);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(t);
        List<String> r = redis.run(
                WORKER_REGISTER,
                new String[] {RedisKeys.worker(w.worker()), RedisKeys.WORKERS},
                w.worker(),
                w.pool().value(),
                w.target(),
                Sha256.hex(token),
                clock.instant().toString(),
                new String(w.canonicalJson(), StandardCharsets.UTF_8),
                registration.signature());
        return "registered".equals(r.get(0))
                ? new RegistrationOutcome.WorkerAccepted(w.worker(), token)
                : new RegistrationOutcome.Refused(Reason.WORKER_OF_ANOTHER_POOL);
    }

    @Override
    public HeartbeatOutcome heartbeat(String worker, String leaseToken, Heartbeat heartbeat) {
        Objects.requireNonNull(worker, "worker");
        Objects.requireNonNull(leaseToken, "leaseToken");
        List<String> r = redis.run(
                HEARTBEAT,
                new String[] {RedisKeys.worker(worker), RedisKeys.heartbeat(worker), RedisKeys.LEASES},
                worker,
                Sha256.hex(leaseToken),
                encode(heartbeat),
                Long.toString(policy.leaseTtl().toMillis()));
        return switch (r.get(0)) {
            case "renewed" -> new HeartbeatOutcome.Renewed(Instant.ofEpochMilli(Long.parseLong(r.get(1))));
            case "unknown" -> new HeartbeatOutcome.UnknownWorker();
            case "wrong_token" -> new HeartbeatOutcome.WrongToken();
            default -> throw new FunctionsException(ErrorCode.STATE_UNAVAILABLE, "heartbeat script answered " + r);
        };
    }

    @Override
    public List<LiveWorker> liveWorkers() {
        double now = redis.time().toEpochMilli();
        redis.call(c -> c.zremrangebyscore(RedisKeys.LEASES, Range.create(Double.NEGATIVE_INFINITY, now)));
        List<ScoredValue<String>> leases = redis.call(c -> c.zrangebyscoreWithScores(
                RedisKeys.LEASES, Range.from(Range.Boundary.excluding(now), Range.Boundary.unbounded())));
        List<LiveWorker> out = new ArrayList<>(leases.size());
        for (ScoredValue<String> lease : leases) {
            String id = lease.getValue();
            String hb = redis.call(c -> c.get(RedisKeys.heartbeat(id)));
            Map<String, String> w = redis.call(c -> c.hgetall(RedisKeys.worker(id)));
            if (hb == null || w.isEmpty()) {
                continue; // expired (or renewed-then-expired) between the two reads
            }
            out.add(new LiveWorker(
                    id, EthAddress.of(w.get("pool")), w.get("target"), decode(hb), Instant.ofEpochMilli((long)
                            lease.getScore())));
        }
        out.sort(Comparator.comparing(LiveWorker::worker));
        return out;
    }

    @Override
    public List<WorkerState> workers() {
        Map<String, LiveWorker> live = new HashMap<>();
        liveWorkers().forEach(w -> live.put(w.worker(), w));
        List<WorkerState> out = new ArrayList<>();
        Set<String> ids = redis.call(c -> c.smembers(RedisKeys.WORKERS));
        for (String id : new TreeSet<>(ids)) {
            LiveWorker l = live.get(id);
            if (l != null) {
                out.add(new WorkerState.Live(l));
                continue;
            }
            Map<String, String> w = redis.call(c -> c.hgetall(RedisKeys.worker(id)));
            if (!w.isEmpty()) {
                out.add(new WorkerState.Expired(id, EthAddress.of(w.get("pool")), w.get("target")));
            }
        }
        return out;
    }

    /** Signature, time window, then single-use nonce (last: a refused payload must not burn its nonce). */
    private Optional<Reason> check(Signed<? extends SignedPayload> signed) {
        SignedPayload p = signed.payload();
        if (!signed.isBySigner()) {
            return Optional.of(Reason.BAD_SIGNATURE);
        }
        Duration skew = Duration.between(clock.instant(), p.issuedAt()).abs();
        if (skew.compareTo(policy.signatureWindow()) > 0) {
            return Optional.of(Reason.STALE);
        }
        String set = redis.call(c -> c.set(
                RedisKeys.nonce(p.signer(), p.nonce()),
                "1",
                SetArgs.Builder.nx().px(policy.signatureWindow().multipliedBy(2).toMillis())));
        return "OK".equals(set) ? Optional.empty() : Optional.of(Reason.REPLAYED);
    }

    static String encode(Heartbeat hb) {
        ObjectNode node = JSON.createObjectNode();
        node.put("inFlight", hb.inFlight());
        ObjectNode models = node.putObject("models");
        hb.loadedModels().forEach((m, cid) -> models.put(m, cid.toString()));
        node.put("freeMemoryBytes", hb.freeMemoryBytes());
        node.put("capabilityScore", hb.capabilityScore());
        return node.toString();
    }

    static Heartbeat decode(String json) {
        try {
            JsonNode node = JSON.readTree(json);
            Map<String, Cid> models = new TreeMap<>();
            node.path("models")
                    .properties()
                    .forEach(e -> models.put(e.getKey(), Cid.parse(e.getValue().asText())));
            return new Heartbeat(
                    node.path("inFlight").asInt(),
                    models,
                    node.path("freeMemoryBytes").asLong(),
                    node.path("capabilityScore").asDouble());
        } catch (IOException e) {
            throw new FunctionsException(ErrorCode.STATE_UNAVAILABLE, "stored heartbeat does not parse", e);
        }
    }
}
