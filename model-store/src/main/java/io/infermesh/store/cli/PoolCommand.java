package io.infermesh.store.cli;

import io.infermesh.store.cli.gateway.GatewayClient;
import io.infermesh.store.cli.gateway.PoolRegistrationPayload;
import io.infermesh.store.cli.gateway.RegisteredPool;
import io.infermesh.store.cli.gateway.SignedEnvelope;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Wei;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.web3j.crypto.ECKeyPair;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "pool",
        description = "GPU pools: register a pool with the gateway, signed by the pool's Ethereum key.",
        subcommands = {PoolCommand.Register.class})
final class PoolCommand {
    @Command(
            name = "register",
            description = {
                "Register the pool whose key is KEYFILE, or update its payout address and prices (POST /v1/pools).",
                "The registration is canonical JSON signed with EIP-191 personal_sign, issued now with a fresh nonce;",
                "the gateway refuses one older than its signature window or not newer than the last."
            })
    static final class Register implements Callable<Integer> {
        @Option(names = "--key", required = true, paramLabel = "KEYFILE", description = "key file of the pool")
        Path keyFile;

        @Option(names = "--payout", required = true, paramLabel = "ADDR", description = "where earnings are paid")
        String payout;

        @Option(
                names = "--default-price-wei",
                paramLabel = "N",
                defaultValue = "0",
                description = "wei per request for models without their own price (default: ${DEFAULT-VALUE})")
        String defaultPriceWei;

        @Option(
                names = "--price",
                paramLabel = "ORG/MODEL=WEI",
                description = "wei per request for one model; repeat for more")
        Map<String, String> prices = new LinkedHashMap<>();

        @Mixin
        GatewayOptions gateway;

        @Override
        public Integer call() throws Exception {
            ECKeyPair key = KeyFiles.read(keyFile);
            Map<String, Wei> modelPrices = new TreeMap<>();
            prices.forEach((model, wei) -> modelPrices.put(model, Wei.parse(wei)));
            PoolRegistrationPayload payload = PoolRegistrationPayload.issue(
                    KeyFiles.address(key),
                    EthAddress.of(payout),
                    Wei.parse(defaultPriceWei),
                    modelPrices,
                    Clock.systemUTC(),
                    new SecureRandom());
            SignedEnvelope envelope = payload.sign(key);
            RegisteredPool pool;
            try (GatewayClient client = gateway.anonymous()) {
                pool = client.registerPool(envelope);
            }
            PrintWriter out = gateway.out();
            out.println("pool      " + pool.address());
            out.println("payout    " + pool.payoutAddress());
            pool.prices().forEach((model, price) -> out.println("price     " + model + " = " + price + " wei"));
            out.flush();
            return ExitCodes.OK;
        }
    }
}
