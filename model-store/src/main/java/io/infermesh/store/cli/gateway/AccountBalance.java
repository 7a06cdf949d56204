package io.infermesh.store.cli.gateway;

import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Wei;
import java.util.Objects;
import java.util.Optional;

/**
 * An account and its prepaid balance.
 *
 * @param address the account
 * @param balance what it can spend
 * @param reserved what in-flight calls hold, when the gateway reports it
 */
public record AccountBalance(EthAddress address, Wei balance, Optional<Wei> reserved) {
    public AccountBalance {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(balance, "balance");
        Objects.requireNonNull(reserved, "reserved");
    }
}
