package io.infermesh.it;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.restassured.http.ContentType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Sign-in with an Ethereum key, API keys, balance and the local faucet, against a real gateway, Redis and S3. */
class AccountsIT {
    @RegisterExtension
    static final Platform platform = Platform.with("accounts", Map.of());

    @Test
    void signsInWithAnEthereumKeyAndStartsWithZeroBalance() {
        EthKey key = EthKey.random();
        String apiKey = Accounts.signIn(platform, key);
        platform.as(apiKey)
                .get("/v1/account")
                .then()
                .statusCode(200)
                .body("address.toLowerCase()", equalTo(key.address()))
                .body("balanceWei", equalTo("0"))
                .body("reservedWei", equalTo("0"));
    }

    @Test
    void refusesAChallengeSignedByAnotherKey() {
        EthKey key = EthKey.random();
        String message = platform.api()
                .contentType(ContentType.JSON)
                .body(Map.of("address", key.address()))
                .post("/v1/auth/challenge")
                .then()
                .extract()
                .path("message");
        platform.api()
                .contentType(ContentType.JSON)
                .body(Map.of("message", message, "signature", EthKey.random().personalSign(message)))
                .post("/v1/auth/verify")
                .then()
                .statusCode(401)
                .body("code", equalTo("invalid_signature"));
    }

    @Test
    void aChallengeSignsInOnlyOnce() {
        EthKey key = EthKey.random();
        String message = platform.api()
                .contentType(ContentType.JSON)
                .body(Map.of("address", key.address()))
                .post("/v1/auth/challenge")
                .then()
                .extract()
                .path("message");
        Map<String, String> body = Map.of("message", message, "signature", key.personalSign(message));
        platform.api()
                .contentType(ContentType.JSON)
                .body(body)
                .post("/v1/auth/verify")
                .then()
                .statusCode(201);
        platform.api()
                .contentType(ContentType.JSON)
                .body(body)
                .post("/v1/auth/verify")
                .then()
                .statusCode(401)
                .body("code", equalTo("unauthenticated"));
    }

    @Test
    void listsIssuesAndRevokesKeys() {
        String first = Accounts.signIn(platform, EthKey.random());
        String second = platform.as(first)
                .contentType(ContentType.JSON)
                .body(Map.of("label", "ci"))
                .post("/v1/keys")
                .then()
                .statusCode(201)
                .extract()
                .path("key");
        List<String> ids = platform.as(second)
                .get("/v1/keys")
                .then()
                .statusCode(200)
                .extract()
                .path("keys.id");
        assertEquals(2, ids.size());
        String secondId =
                platform.as(second).get("/v1/keys").then().extract().path("keys.find { it.label == 'ci' }.id");
        platform.as(first).delete("/v1/keys/" + secondId).then().statusCode(204);
        platform.as(second).get("/v1/account").then().statusCode(401).body("code", equalTo("unauthenticated"));
        platform.as(first).get("/v1/keys").then().body("keys.id", not(hasItem(secondId)));
        platform.as(first).delete("/v1/keys/" + secondId).then().statusCode(404);
    }

    @Test
    void theFaucetCreditsEachIdempotencyKeyOnce() {
        String apiKey = Accounts.signIn(platform, EthKey.random());
        for (int i = 0; i < 2; i++) {
            platform.as(apiKey)
                    .contentType(ContentType.JSON)
                    .header("Idempotency-Key", "grant-1")
                    .body(Map.of("amountWei", "5000"))
                    .post("/v1/faucet")
                    .then()
                    .statusCode(200)
                    .body("balanceWei", equalTo("5000"));
        }
        assertEquals("12000", Accounts.fund(platform, apiKey, "7000"));
    }

    @Test
    void badInputGetsAProblemNamingTheField() {
        platform.api()
                .contentType(ContentType.JSON)
                .body(Map.of("address", "0x123"))
                .post("/v1/auth/challenge")
                .then()
                .statusCode(422)
                .contentType("application/problem+json")
                .body("code", equalTo("invalid_request"));
        platform.api()
                .contentType(ContentType.JSON)
                .body("{not json")
                .post("/v1/auth/challenge")
                .then()
                .statusCode(400)
                .body("code", equalTo("invalid_request"));
        String apiKey = Accounts.signIn(platform, EthKey.random());
        platform.as(apiKey)
                .contentType(ContentType.JSON)
                .body(Map.of("amountWei", "1.5"))
                .post("/v1/faucet")
                .then()
                .statusCode(422);
        platform.api().get("/v1/account").then().statusCode(401).body("code", equalTo("unauthenticated"));
    }

    @Test
    void echoesTheCallersRequestId() {
        String id = platform.api()
                .header("X-Request-Id", "trace-42")
                .get("/v2/health/live")
                .then()
                .statusCode(200)
                .extract()
                .header("X-Request-Id");
        assertEquals("trace-42", id);
        assertNotEquals("trace-42", platform.api().get("/v2/health/live").header("X-Request-Id"));
    }
}
