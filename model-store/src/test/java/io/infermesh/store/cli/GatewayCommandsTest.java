package io.infermesh.store.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.store.cli.gateway.ApiKey;
import io.infermesh.store.cli.gateway.Credentials;
import io.infermesh.store.cli.gateway.CredentialsFile;
import io.infermesh.store.cli.gateway.GatewayEndpoint;
import io.infermesh.store.cli.gateway.Problem;
import io.infermesh.store.manifest.EthAddress;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The gateway commands run in-process, up to the point where they would need a gateway. */
class GatewayCommandsTest {
    @TempDir
    Path work;

    Map<String, String> env;
    String closedGateway;

    @BeforeEach
    void isolate() throws Exception {
        env = new HashMap<>(
                Map.of("INFERMESH_CONFIG_DIR", work.resolve("config").toString(), "HOME", work.toString()));
        try (ServerSocket socket = new ServerSocket(0)) {
            closedGateway = "http://127.0.0.1:" + socket.getLocalPort();
        }
    }

    record Run(int exit, String out, String err) {}

    private Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = InfermeshCli.commandLine(env);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private Path keyFile() throws Exception {
        Path key = work.resolve("owner.key");
        if (!Files.exists(key)) {
            Run run = cli("key", "new", key.toString());
            assertEquals(0, run.exit());
            assertTrue(run.out().strip().matches("0x[0-9a-fA-F]{40}"), run.out());
        }
        return key;
    }

    @Test
    void aCommandThatNeedsAKeySaysHowToLogIn() {
        Run run = cli("account", "--gateway", closedGateway);
        assertEquals(ExitCodes.NOT_AUTHORIZED, run.exit());
        assertTrue(run.err().contains("infermesh login"), run.err());
        assertTrue(run.err().contains("INFERMESH_API_KEY"), run.err());
    }

    @Test
    void aSavedKeyIsNeverSentToAnotherGateway() throws Exception {
        CredentialsFile.write(
                CredentialsFile.locate(env),
                new Credentials(
                        GatewayEndpoint.parse("https://gateway.example"),
                        EthAddress.of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"),
                        "key_1",
                        new ApiKey("im_live_secret1234")));
        Run run = cli("models", "--gateway", closedGateway);
        assertEquals(ExitCodes.NOT_AUTHORIZED, run.exit());
        assertTrue(run.err().contains("https://gateway.example"), run.err());
        assertFalse(run.err().contains("secret"), run.err());
    }

    @Test
    void anUnreachableGatewayIsNamedInTheError() throws Exception {
        env.put("INFERMESH_GATEWAY", closedGateway);
        env.put("INFERMESH_API_KEY", "im_live_test1234");
        Run account = cli("account");
        assertEquals(ExitCodes.UNREACHABLE, account.exit());
        assertTrue(account.err().startsWith("error: "), account.err());
        assertTrue(account.err().contains(closedGateway), account.err());

        Run pool = cli("pool", "register", "--key", keyFile().toString(), "--payout", "0x" + "00".repeat(19) + "aa");
        assertEquals(ExitCodes.UNREACHABLE, pool.exit(), pool.err());
        assertTrue(pool.err().contains(closedGateway + "/v1/pools"), pool.err());

        Run login = cli("login", "--key", keyFile().toString());
        assertEquals(ExitCodes.UNREACHABLE, login.exit(), login.err());
        assertFalse(Files.exists(CredentialsFile.locate(env)));
    }

    @Test
    void inferTakesSeveralTextsOrOneKserveFileButNotBoth() throws Exception {
        env.put("INFERMESH_GATEWAY", closedGateway);
        env.put("INFERMESH_API_KEY", "im_live_test1234");
        assertEquals(
                ExitCodes.UNREACHABLE,
                cli("infer", "acme/tiny", "--text", "a", "--text", "b").exit());
        Path request = Files.writeString(work.resolve("request.json"), "{\"inputs\":[]}");
        assertEquals(
                ExitCodes.UNREACHABLE,
                cli("infer", "acme/tiny:v1", "--kserve", request.toString()).exit());
        assertEquals(
                ExitCodes.USAGE,
                cli("infer", "acme/tiny", "--text", "a", "--kserve", request.toString())
                        .exit());
        assertEquals(ExitCodes.USAGE, cli("infer", "acme/tiny").exit());
        assertEquals(ExitCodes.INPUT, cli("infer", "Acme/../x", "--text", "a").exit());
    }

    @Test
    void badAmountsAndAddressesAreRefusedBeforeAnythingIsSent() throws Exception {
        env.put("INFERMESH_GATEWAY", closedGateway);
        env.put("INFERMESH_API_KEY", "im_live_test1234");
        Run faucet = cli("faucet", "--amount-wei", "1.5");
        assertEquals(ExitCodes.INPUT, faucet.exit());
        assertTrue(faucet.err().contains("INVALID_MANIFEST") || faucet.err().contains("wei"), faucet.err());
        Run pool =
                cli("pool", "register", "--key", keyFile().toString(), "--payout", "0x12", "--price", "acme/tiny=10");
        assertEquals(ExitCodes.INPUT, pool.exit());
        Run price = cli(
                "pool",
                "register",
                "--key",
                keyFile().toString(),
                "--payout",
                "0x" + "00".repeat(19) + "aa",
                "--price",
                "acme/tiny=-1");
        assertEquals(ExitCodes.INPUT, price.exit());
    }

    @Test
    void gatewayProblemsMapToDistinctExitCodes() {
        Map<Integer, Integer> expected = Map.of(
                400, ExitCodes.REFUSED,
                401, ExitCodes.NOT_AUTHORIZED,
                402, ExitCodes.INSUFFICIENT_BALANCE,
                403, ExitCodes.NOT_AUTHORIZED,
                404, ExitCodes.REFUSED,
                422, ExitCodes.REFUSED,
                429, ExitCodes.UNAVAILABLE,
                503, ExitCodes.UNAVAILABLE,
                504, ExitCodes.UNAVAILABLE);
        expected.forEach((status, code) -> assertEquals(
                code,
                ErrorHandler.exitCode(new Problem(status, "some_code", "detail", Optional.empty(), List.of())),
                "HTTP " + status));
        assertEquals(
                List.of(0, 1, 2, 3, 4, 5, 6, 7, 8),
                List.of(
                        ExitCodes.OK,
                        ExitCodes.INPUT,
                        ExitCodes.USAGE,
                        ExitCodes.REFUSED,
                        ExitCodes.NOT_AUTHORIZED,
                        ExitCodes.INSUFFICIENT_BALANCE,
                        ExitCodes.UNAVAILABLE,
                        ExitCodes.UNREACHABLE,
                        ExitCodes.PROTOCOL));
    }

    @Test
    void helpListsTheGatewayCommands() {
        String help = cli("--help").out();
        for (String command : List.of("login", "models", "infer", "pool", "account", "keys", "faucet")) {
            assertTrue(help.contains(command), command + " in\n" + help);
        }
        String model = cli("help", "model").out();
        assertTrue(model.contains("push") && model.contains("pull"), model);
    }
}
