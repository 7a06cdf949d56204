package io.infermesh.store.cli;

import io.infermesh.store.cli.gateway.AccountBalance;
import io.infermesh.store.cli.gateway.GatewayClient;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "account", description = "Show the account of the API key and its prepaid balance (wei).")
final class AccountCommand implements Callable<Integer> {
    @Mixin
    GatewayOptions gateway;

    @Override
    public Integer call() throws Exception {
        try (GatewayClient client = gateway.authenticated()) {
            print(client.account(), gateway.out());
        }
        return ExitCodes.OK;
    }

    static void print(AccountBalance account, PrintWriter out) {
        out.println("account   " + account.address());
        out.println("balance   " + account.balance() + " wei");
        account.reserved().ifPresent(r -> out.println("reserved  " + r + " wei"));
        out.flush();
    }
}
