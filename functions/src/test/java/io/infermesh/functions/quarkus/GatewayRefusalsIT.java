package io.infermesh.functions.quarkus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.infermesh.functions.testing.GatewayProcess;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Poison requests to the real gateway process over HTTP: each gets its problem, and the gateway stays up. */
class GatewayRefusalsIT {
    @RegisterExtension
    static final GatewayProcess gateway = GatewayProcess.forClass("gateway-refusals");

    static final ObjectMapper JSON = new ObjectMapper();
    static GatewayProcess.Account account;

    @BeforeAll
    static void model() {
        gateway.publish("acme/embedder:latest", "weights", "1000");
        account = gateway.account("100000");
    }

    static HttpResponse<byte[]> infer(String body) {
        return gateway.post(
                "/v2/models/acme/embedder/infer",
                body.getBytes(StandardCharsets.UTF_8),
                "Authorization",
                "Bearer " + account.apiKey(),
                "Content-Type",
                "application/json");
    }

    static JsonNode problem(HttpResponse<byte[]> r, int status) throws IOException {
        String text = new String(r.body(), StandardCharsets.UTF_8);
        assertEquals(status, r.statusCode(), text);
        assertEquals(
                "application/problem+json",
                r.headers().firstValue("Content-Type").orElse(""),
                text);
        return JSON.readTree(text);
    }

    @Test
    void aTinyKserveBodyWhoseShapeClaimsGigabytesIs422AndTheGatewayStaysUp() throws Exception {
        // 2^31-1 INT8 elements claimed, one sent: the body is 90 bytes, the gateway's heap 512 MiB
        HttpResponse<byte[]> r =
                infer("{\"inputs\":[{\"name\":\"text\",\"datatype\":\"INT8\",\"shape\":[2147483647],\"data\":[1]}]}");
        JsonNode p = problem(r, 422);
        assertEquals("invalid_tensor", p.path("code").asText());
        assertTrue(p.path("detail").asText().contains("shape needs 2147483647"), p.toString());
        assertTrue(gateway.alive(), "the gateway process is still running");
        assertEquals(200, gateway.get("/v2/health/live").statusCode());
        // and the next ordinary refusal is still answered as usual
        assertEquals(
                "invalid_tensor",
                problem(
                                infer("{\"inputs\":[{\"name\":\"text\",\"datatype\":\"FP32\",\"shape\":[500000000],"
                                        + "\"data\":[1.0]}]}"),
                                422)
                        .path("code")
                        .asText());
        assertEquals(
                100_000, gateway.ledger().balance(account.address()).amount().longValueExact());
    }

    static HttpResponse<byte[]> faucet(GatewayProcess.Account who, String key, String amountWei) {
        return gateway.post(
                "/v1/faucet",
                ("{\"amountWei\":\"" + amountWei + "\"}").getBytes(StandardCharsets.UTF_8),
                "Authorization",
                "Bearer " + who.apiKey(),
                "Content-Type",
                "application/json",
                "Idempotency-Key",
                key);
    }

    @Test
    void aFaucetIdempotencyKeyReusedForAnotherAmountIs422NotASilentNoOp() throws Exception {
        GatewayProcess.Account who = gateway.account("0");
        assertEquals(200, faucet(who, "grant-1", "1000").statusCode());
        assertEquals(200, faucet(who, "grant-1", "1000").statusCode(), "the same request again is a replay");
        JsonNode p = problem(faucet(who, "grant-1", "5000"), 422);
        assertEquals("idempotency_key_reused", p.path("code").asText());
        assertEquals(1000, gateway.ledger().balance(who.address()).amount().longValueExact());
    }
}
