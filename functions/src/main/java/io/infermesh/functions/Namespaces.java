package io.infermesh.functions;

import io.infermesh.store.manifest.EthAddress;
import java.util.Optional;

/**
 * Who owns each org (the namespace in {@code org/name:tag}): its first publisher, for good. Shared by every gateway.
 * Thread-safe.
 */
public interface Namespaces {
    /**
     * Makes {@code publisher} the owner of {@code org} if nobody owns it yet, atomically across gateways.
     *
     * @return the owner after the call: {@code publisher} if it claimed the org now or owned it already
     */
    EthAddress claim(String org, EthAddress publisher);

    Optional<EthAddress> owner(String org);
}
