package io.infermesh.store.cli;

import io.infermesh.store.cli.gateway.GatewayClient;
import io.infermesh.store.cli.gateway.PublishedModel;
import io.infermesh.store.manifest.EthAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "models", description = "List the models published on the gateway, with their current tag.")
final class ModelsCommand implements Callable<Integer> {
    @Option(names = "--q", paramLabel = "TEXT", description = "only models whose org/name or task contains TEXT")
    String query;

    @Option(names = "--owner", paramLabel = "ADDR", description = "only models owned by this address")
    String owner;

    @Option(names = "--task", paramLabel = "T", description = "only models for this task, e.g. text-embedding")
    String task;

    @Mixin
    GatewayOptions gateway;

    @Override
    public Integer call() throws Exception {
        List<PublishedModel> models;
        try (GatewayClient client = gateway.authenticated()) {
            models = client.models(
                    Optional.ofNullable(query),
                    Optional.ofNullable(owner).map(EthAddress::of),
                    Optional.ofNullable(task));
        }
        if (models.isEmpty()) {
            gateway.err().println("no models match");
            gateway.err().flush();
            return ExitCodes.OK;
        }
        TextTable table = new TextTable("MODEL", "TASK", "PRICE_WEI", "OWNER", "MANIFEST");
        for (PublishedModel m : models) {
            table.add(
                    m.name() + ":" + m.tag(),
                    m.task(),
                    m.pricePerRequest().toString(),
                    m.owner().value(),
                    m.manifestCid().toString());
        }
        table.print(gateway.out());
        return ExitCodes.OK;
    }
}
