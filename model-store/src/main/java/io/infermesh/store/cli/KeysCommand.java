package io.infermesh.store.cli;

import io.infermesh.store.cli.gateway.ApiKeyEntry;
import io.infermesh.store.cli.gateway.Credentials;
import io.infermesh.store.cli.gateway.CredentialsFile;
import io.infermesh.store.cli.gateway.GatewayClient;
import io.infermesh.store.cli.gateway.GatewayEndpoint;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(
        name = "keys",
        description = "The account's API keys on the gateway (never their secrets).",
        subcommands = {KeysCommand.ListKeys.class, KeysCommand.Revoke.class})
final class KeysCommand {
    @Command(name = "list", description = "List the API keys, newest first; * marks the saved one.")
    static final class ListKeys implements Callable<Integer> {
        @Mixin
        GatewayOptions gateway;

        @Override
        public Integer call() throws Exception {
            List<ApiKeyEntry> keys;
            try (GatewayClient client = gateway.authenticated()) {
                keys = client.keys();
            }
            Optional<String> savedId = gateway.saved().map(Credentials::keyId);
            TextTable table = new TextTable("", "ID", "LAST4", "LABEL", "CREATED");
            for (ApiKeyEntry k : keys) {
                table.add(
                        savedId.filter(k.id()::equals).isPresent() ? "*" : "",
                        k.id(),
                        k.last4(),
                        k.label().orElse(""),
                        k.createdAt().toString());
            }
            table.print(gateway.out());
            return ExitCodes.OK;
        }
    }

    @Command(
            name = "revoke",
            description = "Revoke an API key; if it is the saved one, the saved credentials are deleted too.")
    static final class Revoke implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ID", description = "the key's id (see `infermesh keys list`)")
        String id;

        @Mixin
        GatewayOptions gateway;

        @Override
        public Integer call() throws Exception {
            Credentials.requireKeyId(id);
            GatewayEndpoint endpoint;
            try (GatewayClient client = gateway.authenticated()) {
                endpoint = client.endpoint();
                client.revokeKey(id);
            }
            PrintWriter out = gateway.out();
            out.println("revoked   " + id);
            if (gateway.saved()
                    .filter(c -> c.keyId().equals(id) && c.gateway().equals(endpoint))
                    .isPresent()) {
                CredentialsFile.delete(gateway.credentialsFile());
                out.println("deleted   " + gateway.credentialsFile() + " (it held this key; log in again)");
            }
            out.flush();
            return ExitCodes.OK;
        }
    }
}
