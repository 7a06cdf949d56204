package io.infermesh.store.cli.gateway;

import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Wei;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A pool as the gateway registered it.
 *
 * @param address the pool's address (its key signs)
 * @param payoutAddress where its earnings go
 * @param prices price per request by model, {@code *} for the default; sorted by model
 */
public record RegisteredPool(EthAddress address, EthAddress payoutAddress, Map<String, Wei> prices) {
    public RegisteredPool {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(payoutAddress, "payoutAddress");
        prices = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(prices));
    }
}
