package io.infermesh.functions.quarkus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.infermesh.functions.Heartbeat;
import io.infermesh.functions.HeartbeatOutcome;
import io.infermesh.functions.LiveWorker;
import io.infermesh.functions.PoolRegistration;
import io.infermesh.functions.RegistrationOutcome;
import io.infermesh.functions.Signed;
import io.infermesh.functions.WorkerRegistration;
import io.infermesh.functions.WorkerState;
import io.infermesh.functions.api.ProblemException;
import io.infermesh.router.WorkerId;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.EthAddress;
import io.smallrye.common.annotation.RunOnVirtualThread;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * GPU pools and their workers: signed registrations, lease-token heartbeats, the live worker list ({@code /v1/pools},
 * {@code /v1/workers}). No API key: a pool proves itself with its Ethereum key, a worker with its lease token.
 */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
@RunOnVirtualThread
public class PoolsResource {
    @Inject
    Gateway gateway;

    @POST
    @Path("/pools")
    public ObjectNode registerPool(byte[] body) {
        Signed<PoolRegistration> signed = envelope(body, PoolRegistration::parse);
        RegistrationOutcome outcome = gateway.registry().registerPool(signed);
        if (outcome instanceof RegistrationOutcome.Refused r) {
            throw refused(r.reason(), "pool");
        }
        return pool(signed.payload());
    }

    @GET
    @Path("/pools/{pool}")
    public ObjectNode getPool(@PathParam("pool") String address) {
        EthAddress pool = Json.address("pool", address);
        return pool(gateway.registry()
                .pool(pool)
                .orElseThrow(() -> new ProblemException(404, "not_found", "no pool " + pool + " is registered")));
    }

    @POST
    @Path("/workers")
    public ObjectNode registerWorker(byte[] body) {
        Signed<WorkerRegistration> signed = envelope(body, WorkerRegistration::parse);
        RegistrationOutcome outcome = gateway.registry().registerWorker(signed);
        return switch (outcome) {
            case RegistrationOutcome.WorkerAccepted a -> {
                ObjectNode lease = lease(a.worker(), Optional.empty());
                lease.put("leaseToken", a.leaseToken());
                yield lease;
            }
            case RegistrationOutcome.Refused r -> throw refused(r.reason(), "worker");
            case RegistrationOutcome.PoolAccepted p -> throw new IllegalStateException("pool answer to a worker");
        };
    }

    @POST
    @Path("/workers/{workerId}/heartbeat")
    public ObjectNode heartbeat(
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @PathParam("workerId") String worker,
            byte[] body) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ProblemException(
                    401,
                    "unauthenticated",
                    "a heartbeat carries 'Authorization: Bearer <lease token>' from registration");
        }
        Heartbeat heartbeat = heartbeat(Json.read(body));
        HeartbeatOutcome outcome =
                gateway.registry().heartbeat(worker, authorization.substring(7).strip(), heartbeat);
        return switch (outcome) {
            case HeartbeatOutcome.Renewed r -> lease(worker, Optional.of(r.leaseExpiresAt()));
            case HeartbeatOutcome.UnknownWorker u ->
                throw new ProblemException(
                        404,
                        "not_found",
                        "worker " + worker + " is not registered; register it again (POST /v1/workers)");
            case HeartbeatOutcome.WrongToken w ->
                throw new ProblemException(
                        401,
                        "unauthenticated",
                        "this lease token is not worker " + worker + "'s current one; register again for a new token");
        };
    }

    @GET
    @Path("/workers")
    public ObjectNode workers(@QueryParam("pool") String pool) {
        Optional<EthAddress> filter =
                Optional.ofNullable(pool).filter(s -> !s.isEmpty()).map(s -> Json.address("pool", s));
        ObjectNode out = Json.object();
        ArrayNode list = out.putArray("workers");
        for (WorkerState state : gateway.registry().workers()) {
            if (!(state instanceof WorkerState.Live live)) {
                continue;
            }
            LiveWorker w = live.live();
            if (filter.isPresent() && !filter.get().equals(w.pool())) {
                continue;
            }
            ObjectNode o = list.addObject();
            o.put("id", w.worker());
            o.put("pool", w.pool().value());
            o.put("target", w.target());
            o.put("state", gateway.isEjected(WorkerId.of(w.worker())) ? "ejected" : "live");
            ArrayNode models = o.putArray("models");
            w.heartbeat().loadedModels().forEach((name, cid) -> {
                ObjectNode m = models.addObject();
                m.put("name", name);
                m.put("manifestCid", cid.toString());
            });
            o.put("freeMemoryBytes", w.heartbeat().freeMemoryBytes());
            o.put("capabilityScore", w.heartbeat().capabilityScore());
            o.put("inflight", w.heartbeat().inFlight());
            o.put("leaseExpiresAt", w.leaseExpiresAt().toString());
        }
        return out;
    }

    private ObjectNode lease(String worker, Optional<Instant> expiresAt) {
        ObjectNode out = Json.object();
        out.put("workerId", worker);
        out.put("leaseSeconds", gateway.config().workers().leaseTtl().toSeconds());
        out.put(
                "heartbeatSeconds",
                Math.max(1, gateway.config().workers().heartbeatInterval().toSeconds()));
        expiresAt.ifPresent(t -> out.put("leaseExpiresAt", t.toString()));
        ObjectNode keys = out.putObject("gatewayKeys");
        gateway.gatewayKeys().forEach(keys::put);
        return out;
    }

    private static ObjectNode pool(PoolRegistration p) {
        ObjectNode out = Json.object();
        out.put("address", p.pool().value());
        out.put("payoutAddress", p.payout().value());
        ObjectNode prices = out.putObject("prices");
        prices.put("*", p.defaultPrice().toString());
        p.prices().forEach((model, price) -> prices.put(model, price.toString()));
        return out;
    }

    private static <T extends io.infermesh.functions.SignedPayload> Signed<T> envelope(
            byte[] body, java.util.function.Function<String, T> parse) {
        JsonNode req = Json.read(body);
        String payload = Json.text(req, "payload");
        if (payload.length() > 65_536) {
            throw ProblemException.invalid("\"payload\" is at most 65536 characters");
        }
        String signature = Json.text(req, "signature");
        if (!signature.matches("0x[0-9a-fA-F]{130}")) {
            throw new ProblemException(
                    422, "invalid_signature", "\"signature\" must be 0x and 130 hex digits (r, s, v of personal_sign)");
        }
        return new Signed<>(parse.apply(payload), signature);
    }

    private static Heartbeat heartbeat(JsonNode body) {
        JsonNode inflight = body.get("inflight");
        JsonNode free = body.get("freeMemoryBytes");
        JsonNode score = body.get("capabilityScore");
        JsonNode models = body.get("models");
        if (inflight == null || !inflight.canConvertToInt() || free == null || !free.canConvertToLong()) {
            throw ProblemException.invalid("a heartbeat has integer \"inflight\" and \"freeMemoryBytes\"");
        }
        if (score == null || !score.isNumber()) {
            throw ProblemException.invalid("a heartbeat has a number \"capabilityScore\"");
        }
        if (models == null || !models.isArray()) {
            throw ProblemException.invalid("a heartbeat has \"models\": [{\"name\", \"manifestCid\"}, ...]");
        }
        Map<String, Cid> loaded = new TreeMap<>();
        for (JsonNode m : models) {
            loaded.put(Json.text(m, "name"), ModelsResource.cid(Json.text(m, "manifestCid")));
        }
        return new Heartbeat(inflight.intValue(), loaded, free.longValue(), score.doubleValue());
    }

    private static ProblemException refused(RegistrationOutcome.Reason reason, String what) {
        return switch (reason) {
            case BAD_SIGNATURE ->
                new ProblemException(
                        401,
                        "invalid_signature",
                        "the signature does not recover the payload's pool address; sign the exact payload text with"
                                + " personal_sign using the pool's key");
            case STALE ->
                new ProblemException(
                        422,
                        "invalid_request",
                        "issuedAt is outside the gateway's signature window; check the clock and sign a fresh payload");
            case REPLAYED ->
                new ProblemException(
                        422, "invalid_request", "this payload's nonce was already used; sign a fresh payload");
            case SUPERSEDED ->
                new ProblemException(
                        409,
                        "invalid_request",
                        "a " + what
                                + " registration at least as new is already stored; sign one with a later issuedAt");
            case UNKNOWN_POOL ->
                new ProblemException(
                        403,
                        "forbidden",
                        "the worker's pool is not registered; register the pool first (POST /v1/pools)");
            case WORKER_OF_ANOTHER_POOL ->
                new ProblemException(403, "forbidden", "this worker id belongs to another pool; choose another id");
        };
    }
}
