package io.infermesh.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.Map;
import java.util.UUID;

/** Signs accounts in through the public API, as a wallet user would. */
final class Accounts {
    private Accounts() {}

    /** Challenge → personal_sign → verify; returns the new API key's secret. */
    static String signIn(Platform platform, EthKey key) {
        JsonPath challenge = platform.api()
                .contentType(ContentType.JSON)
                .body(Map.of("address", key.address()))
                .post("/v1/auth/challenge")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        String message = challenge.getString("message");
        JsonPath issued = platform.api()
                .contentType(ContentType.JSON)
                .body(Map.of("message", message, "signature", key.personalSign(message), "label", "it"))
                .post("/v1/auth/verify")
                .then()
                .statusCode(201)
                .extract()
                .jsonPath();
        assertEquals(key.address(), issued.getString("account").toLowerCase());
        return issued.getString("key");
    }

    /** Credits {@code wei} through the local faucet; returns the new balance. */
    static String fund(Platform platform, String apiKey, String wei) {
        return platform.as(apiKey)
                .contentType(ContentType.JSON)
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .body(Map.of("amountWei", wei))
                .post("/v1/faucet")
                .then()
                .statusCode(200)
                .extract()
                .path("balanceWei");
    }

    static String balance(Platform platform, String apiKey) {
        return platform.as(apiKey)
                .get("/v1/account")
                .then()
                .statusCode(200)
                .extract()
                .path("balanceWei");
    }
}
