package io.infermesh.it;

import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The {@code infermesh} CLI against a real gateway, as separate processes: login with an Ethereum key, push (a second
 * push uploads nothing), models, pull (every byte verified), account, faucet, keys, pool registration.
 */
class CliIT {
    @RegisterExtension
    static final Platform platform = Platform.with("cli", Map.of());

    private static EthKey owner;
    private static Path ownerKey;
    private static Map<String, String> env;

    @BeforeAll
    static void login() throws IOException {
        owner = EthKey.random();
        ownerKey = Cli.keyFile(platform.root().resolve("keys"), owner);
        env = new HashMap<>();
        env.put("INFERMESH_GATEWAY", platform.url());
        env.put("INFERMESH_CONFIG_DIR", platform.root().resolve("cli-config").toString());
        Cli.Run run = Cli.run(env, "login", "--key", ownerKey.toString()).requireSuccess();
        assertTrue(run.out().toLowerCase().contains(owner.address()), run.out());
        assertTrue(
                Files.exists(platform.root().resolve("cli-config").resolve("credentials.json")),
                "login stores the key in the credentials file");
    }

    @Test
    void pushesAModelOnceAndPullsItBackVerified() throws IOException {
        Path dir = Files.createDirectories(platform.root().resolve("push-model"));
        byte[] weights = new byte[700_000];
        new Random(11).nextBytes(weights);
        Files.write(dir.resolve("model.onnx"), weights);
        Files.writeString(dir.resolve("infermesh.json"), "{\"license\": \"mit\", \"pricePerRequestWei\": \"7\"}");
        String org = "cli-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        Cli.Run first = Cli.run(
                        env,
                        "model",
                        "push",
                        dir.toString(),
                        "--name",
                        org + "/pushed:v1",
                        "--key",
                        ownerKey.toString())
                .requireSuccess();
        Cli.Run second = Cli.run(
                        env,
                        "model",
                        "push",
                        dir.toString(),
                        "--name",
                        org + "/pushed:v1",
                        "--key",
                        ownerKey.toString())
                .requireSuccess();
        assertTrue(
                (first.out() + first.err()).matches("(?s).*uploaded\\s+[1-9][0-9]* blobs.*"),
                "the first push uploads the blobs: " + first);
        assertTrue(
                (second.out() + second.err()).matches("(?s).*uploaded\\s+0 blobs, 0 bytes.*"),
                "the second push uploads nothing: " + second);

        Cli.Run list = Cli.run(env, "models", "--q", org).requireSuccess();
        assertTrue(list.out().contains(org + "/pushed"), list.out());

        Path out = platform.root().resolve("pulled");
        Cli.run(env, "model", "pull", org + "/pushed:v1", "--out", out.toString())
                .requireSuccess();
        assertArrayEquals(weights, Files.readAllBytes(out.resolve("model.onnx")));
        assertTrue(Files.exists(out.resolve("manifest.json")), "pull writes the manifest beside the files");
    }

    @Test
    void fundsAndShowsTheAccount() {
        Cli.run(env, "faucet", "--amount-wei", "4242").requireSuccess();
        Cli.Run account = Cli.run(env, "account").requireSuccess();
        assertTrue(account.out().contains("4242"), account.out());
        Cli.Run keys = Cli.run(env, "keys", "list").requireSuccess();
        assertTrue(keys.out().contains("infermesh-cli"), "keys list shows the login key by its label: " + keys.out());
    }

    @Test
    void registersAPoolWithASignedEnvelope() throws IOException {
        EthKey pool = EthKey.random();
        Path poolKey = Cli.keyFile(platform.root().resolve("keys"), pool);
        String payout = EthKey.random().address();
        Cli.run(env, "pool", "register", "--key", poolKey.toString(), "--payout", payout, "--default-price-wei", "99")
                .requireSuccess();
        platform.api()
                .get("/v1/pools/" + pool.address())
                .then()
                .statusCode(200)
                .body("prices.'*'", equalTo("99"))
                .body("payoutAddress.toLowerCase()", equalTo(payout));
    }

    @Test
    void aRefusalPrintsTheProblemAndExitsNonZero() {
        Map<String, String> anonymous = new HashMap<>(env);
        anonymous.put("INFERMESH_API_KEY", "im_live_not-a-key");
        Cli.Run run = Cli.run(anonymous, "account");
        assertEquals(4, run.exit(), run.toString());
        assertTrue(run.err().contains("unauthenticated"), run.err());
    }

    @Test
    void aPushWithSomeoneElsesKeyIsRefusedBeforeAnyUpload() throws IOException {
        Path dir = Files.createDirectories(platform.root().resolve("not-mine"));
        byte[] weights = new byte[200_000];
        new Random(12).nextBytes(weights);
        Files.write(dir.resolve("model.onnx"), weights);
        Files.writeString(dir.resolve("infermesh.json"), "{\"license\": \"mit\", \"pricePerRequestWei\": \"7\"}");
        EthKey other = EthKey.random();
        Path otherKey = Cli.keyFile(platform.root().resolve("keys"), other);
        String org = "cli-other-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);

        Cli.Run run = Cli.run(
                env, "model", "push", dir.toString(), "--name", org + "/theirs:v1", "--key", otherKey.toString());

        assertEquals(4, run.exit(), run.toString());
        assertTrue(run.err().contains("only the owner publishes"), run.err());
        assertTrue(run.err().toLowerCase().contains(other.address()), run.err());
        String weightsCid = Cli.run(Map.of(), "cid", dir.resolve("model.onnx").toString())
                .requireSuccess()
                .out()
                .strip()
                .split("\\s+")[0];
        platform.as(Accounts.signIn(platform, EthKey.random()))
                .contentType("application/json")
                .body(Map.of("cids", List.of(weightsCid)))
                .post("/v1/blobs/missing")
                .then()
                .statusCode(200)
                .body("missing", contains(weightsCid));
    }
}
