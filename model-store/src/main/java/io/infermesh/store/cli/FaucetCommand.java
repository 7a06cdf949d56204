package io.infermesh.store.cli;

import io.infermesh.store.cli.gateway.GatewayClient;
import io.infermesh.store.manifest.Wei;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "faucet",
        description = {
            "Credit test balance to the account (local development gateways only; others answer not_found).",
            "Prints the new balance."
        })
final class FaucetCommand implements Callable<Integer> {
    @Option(names = "--amount-wei", required = true, paramLabel = "N", description = "amount to credit, in wei")
    String amountWei;

    @Mixin
    GatewayOptions gateway;

    @Override
    public Integer call() throws Exception {
        Wei amount = Wei.parse(amountWei);
        try (GatewayClient client = gateway.authenticated()) {
            // One key per invocation: a retry of this very request can never credit twice.
            AccountCommand.print(client.faucet(amount, UUID.randomUUID().toString()), gateway.out());
        }
        return ExitCodes.OK;
    }
}
