package io.infermesh.functions.quarkus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.infermesh.functions.Eip191;
import io.infermesh.functions.TestKeys;
import io.infermesh.functions.testing.GatewayProcess;
import java.net.InetAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.web3j.crypto.ECKeyPair;

/**
 * Sign-in's requests come before any API key, so the real gateway process limits them by client address: a bucket of
 * 3 tokens that refills one token every 100 s, shared by challenge and verify, separate for another loopback
 * address.
 */
class SignInLimitIT {
    @RegisterExtension
    static final GatewayProcess gateway = GatewayProcess.forClass(
            "sign-in-limit",
            Map.of("INFERMESH_GATEWAY_SIGN_IN_BURST", "3", "INFERMESH_GATEWAY_SIGN_IN_PER_SECOND", "0.01"));

    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aClientAddressGetsItsBurstThen429WithRetryAfterAndAnotherAddressIsNotAffected() throws Exception {
        HttpClient first = client("127.0.0.1");
        ECKeyPair key = TestKeys.random();
        String message =
                JSON.readTree(challenge(first, key).body()).path("message").asText();
        String signature = Eip191.sign(message.getBytes(StandardCharsets.UTF_8), key);
        HttpResponse<String> signedIn = post(
                first,
                "/v1/auth/verify",
                "{\"message\":" + JSON.writeValueAsString(message) + ",\"signature\":\"" + signature + "\"}");
        assertEquals(201, signedIn.statusCode(), signedIn.body());
        assertEquals(200, challenge(first, TestKeys.random()).statusCode(), "the third token");

        HttpResponse<String> limited = challenge(first, TestKeys.random());
        assertEquals(429, limited.statusCode(), limited.body());
        JsonNode problem = JSON.readTree(limited.body());
        assertEquals("rate_limited", problem.path("code").asText());
        assertTrue(problem.path("detail").asText().contains("sign-in"), problem.toString());
        long retryAfter =
                Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow());
        assertTrue(retryAfter >= 60 && retryAfter <= 101, "a token comes back in about 100 s: " + retryAfter);
        assertEquals(
                429,
                post(first, "/v1/auth/verify", "{\"message\":\"m\",\"signature\":\"0x00\"}")
                        .statusCode(),
                "verify takes from the same bucket");

        HttpResponse<String> elsewhere = challenge(client("127.0.0.2"), TestKeys.random());
        assertEquals(200, elsewhere.statusCode(), "another client address has its own bucket: " + elsewhere.body());
    }

    private static HttpClient client(String localAddress) throws Exception {
        return HttpClient.newBuilder()
                .localAddress(InetAddress.getByName(localAddress))
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    private static HttpResponse<String> challenge(HttpClient client, ECKeyPair key) throws Exception {
        return post(client, "/v1/auth/challenge", "{\"address\":\"" + TestKeys.address(key) + "\"}");
    }

    private static HttpResponse<String> post(HttpClient client, String path, String json) throws Exception {
        return client.send(
                HttpRequest.newBuilder(gateway.url(path))
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
