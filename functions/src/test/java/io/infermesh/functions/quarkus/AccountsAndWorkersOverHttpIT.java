package io.infermesh.functions.quarkus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.infermesh.functions.Eip191;
import io.infermesh.functions.TestKeys;
import io.infermesh.functions.testing.GatewayProcess;
import io.infermesh.functions.testing.TestPools;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.web3j.crypto.ECKeyPair;

/** Sign-in, usage and worker heartbeats against the real gateway process, as a client or a worker sends them. */
class AccountsAndWorkersOverHttpIT {
    @RegisterExtension
    static final GatewayProcess gateway = GatewayProcess.forClass("accounts-workers");

    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode answer(HttpResponse<byte[]> r, int status) throws IOException {
        String text = new String(r.body(), StandardCharsets.UTF_8);
        assertEquals(status, r.statusCode(), text);
        return JSON.readTree(text);
    }

    static HttpResponse<byte[]> postJson(String path, String json) {
        return gateway.post(path, json.getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json");
    }

    @Test
    void aWorkerWhoseIdHasASlashHeartbeatsAtThePathItsWorkerProcessSends() throws Exception {
        TestPools pool = TestPools.register(gateway.registry(), "0", Map.of());
        String token = pool.worker("pool-a/gpu-0", "127.0.0.1:9000");
        // gpu-pool's HttpGateway.heartbeatUri percent-encodes the id's '/' as %2F
        HttpResponse<byte[]> r = gateway.post(
                "/v1/workers/pool-a%2Fgpu-0/heartbeat",
                "{\"inflight\":0,\"models\":[],\"freeMemoryBytes\":1073741824,\"capabilityScore\":100}"
                        .getBytes(StandardCharsets.UTF_8),
                "Authorization",
                "Bearer " + token,
                "Content-Type",
                "application/json");
        assertEquals("pool-a/gpu-0", answer(r, 200).path("workerId").asText());
    }

    @Test
    void aUsageDateThatIsNotAFourDigitYearDateIs422NotAServerError() throws Exception {
        GatewayProcess.Account who = gateway.account("0");
        for (String query : new String[] {
            "?to=-999999999-01-01", "?from=%2B999999999-12-31&to=%2B999999999-12-31", "?from=%2B10000-01-01"
        }) {
            HttpResponse<byte[]> r = gateway.get("/v1/usage" + query, "Authorization", "Bearer " + who.apiKey());
            assertEquals("invalid_request", answer(r, 422).path("code").asText(), query);
        }
        assertEquals(
                0,
                answer(
                                gateway.get(
                                        "/v1/usage?from=2026-01-01&to=2026-01-31",
                                        "Authorization",
                                        "Bearer " + who.apiKey()),
                                200)
                        .path("usage")
                        .size());
    }

    @Test
    void usageAnswersAtMost366DaysCountingBothEnds() throws Exception {
        GatewayProcess.Account who = gateway.account("0");
        // 2024 is a leap year: 2024-01-01..2024-12-31 is 366 days, ..2025-01-01 is 367
        assertEquals(
                200,
                gateway.get("/v1/usage?from=2024-01-01&to=2024-12-31", "Authorization", "Bearer " + who.apiKey())
                        .statusCode());
        answer(gateway.get("/v1/usage?from=2024-01-01&to=2025-01-01", "Authorization", "Bearer " + who.apiKey()), 422);
    }

    @Test
    void aSignInRefusedForItsLabelCanBeAnsweredAgainWithALabelThatIsAllowed() throws Exception {
        ECKeyPair key = TestKeys.random();
        String message = answer(postJson("/v1/auth/challenge", "{\"address\":\"" + TestKeys.address(key) + "\"}"), 200)
                .path("message")
                .asText();
        String signature = Eip191.sign(message.getBytes(StandardCharsets.UTF_8), key);
        String verify =
                "{\"message\":" + JSON.writeValueAsString(message) + ",\"signature\":\"" + signature + "\",\"label\":";
        assertEquals(
                "invalid_request",
                answer(postJson("/v1/auth/verify", verify + "\"work|laptop\"}"), 422)
                        .path("code")
                        .asText());
        JsonNode issued = answer(postJson("/v1/auth/verify", verify + "\"work laptop\"}"), 201);
        assertEquals(TestKeys.address(key).value(), issued.path("account").asText());
    }
}
