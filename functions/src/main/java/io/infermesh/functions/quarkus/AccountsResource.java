package io.infermesh.functions.quarkus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.infermesh.functions.ApiKeyInfo;
import io.infermesh.functions.CreditOutcome;
import io.infermesh.functions.IdempotencyKey;
import io.infermesh.functions.IssuedKey;
import io.infermesh.functions.Ledger;
import io.infermesh.functions.RateLimit;
import io.infermesh.functions.SignInMessage;
import io.infermesh.functions.SignInOutcome;
import io.infermesh.functions.Usage;
import io.infermesh.functions.api.ProblemException;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Wei;
import io.smallrye.common.annotation.RunOnVirtualThread;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.math.BigInteger;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** Sign-in, API keys, balance, usage and the local faucet ({@code /v1/auth}, {@code /v1/keys}, ...). */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
@RunOnVirtualThread
public class AccountsResource {
    private static final Pattern FULL_DATE = Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}");

    @Inject
    Gateway gateway;

    @Inject
    Callers callers;

    @POST
    @Path("/auth/challenge")
    public ObjectNode challenge(@Context HttpServerRequest request, byte[] body) {
        limitSignIn(request);
        EthAddress address = Json.address("\"address\"", Json.text(Json.read(body), "address"));
        SignInMessage m = gateway.signIn().challenge(address);
        ObjectNode out = Json.object();
        out.put("message", m.text());
        out.put("nonce", m.nonce());
        out.put("expiresAt", m.expiresAt().toString());
        return out;
    }

    @POST
    @Path("/auth/verify")
    public Response verify(@Context HttpServerRequest request, byte[] body) {
        limitSignIn(request);
        JsonNode req = Json.read(body);
        String label = Json.optionalText(req, "label", "sign-in");
        if (label.isEmpty() || label.length() > 64) {
            throw ProblemException.invalid("\"label\" is 1-64 characters");
        }
        SignInOutcome outcome = gateway.signIn().signIn(Json.text(req, "message"), Json.text(req, "signature"), label);
        return switch (outcome) {
            case SignInOutcome.SignedIn in ->
                Response.status(201).entity(issued(in.key())).build();
            case SignInOutcome.Refused r ->
                throw switch (r.reason()) {
                    case MALFORMED ->
                        new ProblemException(
                                422,
                                "invalid_request",
                                "the message is not a sign-in message this gateway issued; get one from"
                                        + " POST /v1/auth/challenge and sign it unchanged");
                    case WRONG_SIGNER ->
                        new ProblemException(
                                401,
                                "invalid_signature",
                                "the signature does not recover the message's address; sign the exact message with"
                                        + " personal_sign (EIP-191) using that address's key");
                    case EXPIRED ->
                        new ProblemException(401, "unauthenticated", "the challenge expired; ask for a new one");
                    case UNKNOWN_CHALLENGE ->
                        new ProblemException(
                                401,
                                "unauthenticated",
                                "this challenge is unknown or was already used; ask for a new one");
                };
        };
    }

    /**
     * One token from the client address's sign-in bucket (shared by every gateway), else 429 {@code rate_limited}:
     * sign-in comes before any API key, so its two requests are limited by where they come from.
     */
    private void limitSignIn(HttpServerRequest request) {
        SocketAddress from = request.remoteAddress();
        String client = from == null ? "unknown" : from.hostAddress();
        RateLimit limit = gateway.signInLimit();
        gateway.clientLimits().take("sign-in:" + client, limit).ifPresent(retryAfter -> {
            throw new ProblemException(
                    429,
                    "rate_limited",
                    "too many sign-in requests from " + client + " (at most " + limit.refillPerSecond() + "/s, burst "
                            + limit.capacity() + "); retry after the Retry-After delay",
                    Map.of(),
                    Optional.of(retryAfter));
        });
    }

    @GET
    @Path("/keys")
    public ObjectNode keys(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        ApiKeyInfo caller = callers.require(authorization);
        ObjectNode out = Json.object();
        ArrayNode keys = out.putArray("keys");
        for (ApiKeyInfo k : gateway.apiKeys().list(caller.account())) {
            ObjectNode o = keys.addObject();
            o.put("id", k.id());
            o.put("last4", k.last4());
            o.put("label", k.label());
            o.put("createdAt", k.created().toString());
        }
        return out;
    }

    @POST
    @Path("/keys")
    public Response createKey(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, byte[] body) {
        ApiKeyInfo caller = callers.require(authorization);
        String label = body == null || body.length == 0 ? "api" : Json.optionalText(Json.read(body), "label", "api");
        if (label.isEmpty() || label.length() > 64) {
            throw ProblemException.invalid("\"label\" is 1-64 characters");
        }
        return Response.status(201)
                .entity(issued(gateway.apiKeys().issue(caller.account(), label)))
                .build();
    }

    @DELETE
    @Path("/keys/{keyId}")
    public Response revoke(
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @PathParam("keyId") String id) {
        ApiKeyInfo caller = callers.require(authorization);
        if (!gateway.apiKeys().revoke(caller.account(), id)) {
            throw new ProblemException(404, "not_found", "this account has no API key " + id);
        }
        return Response.noContent().build();
    }

    @GET
    @Path("/account")
    public ObjectNode account(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        ApiKeyInfo caller = callers.require(authorization);
        Ledger.Funds funds = gateway.ledger().funds(caller.account());
        ObjectNode out = account(caller.account(), funds.spendable());
        out.put("reservedWei", funds.held().toString());
        return out;
    }

    @GET
    @Path("/usage")
    public ObjectNode usage(
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @QueryParam("from") String from,
            @QueryParam("to") String to) {
        ApiKeyInfo caller = callers.require(authorization);
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        LocalDate end = date("to", to, today);
        LocalDate start = date("from", from, end.minusDays(30));
        if (start.isAfter(end)) {
            throw ProblemException.invalid("\"from\" (" + start + ") is after \"to\" (" + end + ")");
        }
        if (start.plusDays(365).isBefore(end)) { // [start, end] holds end − start + 1 days
            throw ProblemException.invalid("ask for at most 366 days at a time");
        }
        List<Usage> rows = gateway.ledger().usage(caller.account(), start, end);
        ObjectNode out = Json.object();
        ArrayNode usage = out.putArray("usage");
        for (Usage u : rows) {
            ObjectNode o = usage.addObject();
            o.put("day", u.day().toString());
            o.put("model", u.model());
            o.put("calls", u.calls());
            o.put("spentWei", u.spent().toString());
        }
        return out;
    }

    @POST
    @Path("/faucet")
    public ObjectNode faucet(
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @HeaderParam("Idempotency-Key") String idempotencyKey,
            byte[] body) {
        if (!gateway.config().faucet().enabled()) {
            throw new ProblemException(
                    404,
                    "not_found",
                    "the faucet is off on this gateway (it exists only on local"
                            + " deployments with infermesh.gateway.faucet.enabled=true)");
        }
        ApiKeyInfo caller = callers.require(authorization);
        Wei amount;
        try {
            amount = Wei.parse(Json.text(Json.read(body), "amountWei"));
        } catch (RuntimeException e) {
            if (e instanceof ProblemException p) {
                throw p;
            }
            throw ProblemException.invalid("\"amountWei\" must be a decimal integer string of wei: " + e.getMessage());
        }
        BigInteger max = new BigInteger(gateway.config().faucet().maxWei());
        if (amount.amount().signum() <= 0 || amount.amount().compareTo(max) > 0) {
            throw ProblemException.invalid("the faucet grants 1 to " + max + " wei per call");
        }
        String creditId = idempotencyKey == null
                ? "faucet:" + io.infermesh.functions.RequestId.random().value()
                : "faucet:" + new IdempotencyKey(idempotencyKey).value();
        CreditOutcome outcome = gateway.ledger().credit(caller.account(), amount, "faucet", creditId);
        if (outcome instanceof CreditOutcome.AlreadyCredited first
                && !first.firstAmount().equals(amount)) {
            throw new ProblemException(
                    422,
                    "idempotency_key_reused",
                    "this Idempotency-Key already granted " + first.firstAmount() + " wei, not " + amount
                            + "; use a new key for a new grant");
        }
        return account(caller.account(), outcome.balance());
    }

    private static ObjectNode account(EthAddress address, Wei balance) {
        ObjectNode out = Json.object();
        out.put("address", address.value());
        out.put("balanceWei", balance.toString());
        return out;
    }

    private static ObjectNode issued(IssuedKey key) {
        ObjectNode out = Json.object();
        out.put("id", key.info().id());
        out.put("key", key.secret());
        out.put("account", key.info().account().value());
        out.put("label", key.info().label());
        out.put("createdAt", key.info().created().toString());
        return out;
    }

    private static LocalDate date(String name, String text, LocalDate fallback) {
        if (text == null || text.isEmpty()) {
            return fallback;
        }
        // RFC 3339 full-date (the contract's format: date): a four-digit year, so the range arithmetic below stays
        // within LocalDate's range (LocalDate.parse alone takes +999999999-12-31)
        if (!FULL_DATE.matcher(text).matches()) {
            throw ProblemException.invalid("\"" + name + "\" must be a date like 2026-11-22");
        }
        try {
            return LocalDate.parse(text);
        } catch (DateTimeParseException e) {
            throw ProblemException.invalid("\"" + name + "\" must be a date like 2026-11-22");
        }
    }
}
