package io.infermesh.pool.gateway;

import java.math.BigInteger;
import org.web3j.crypto.ECKeyPair;

/** Keys for tests: the web3.js documentation key (address 0x2c7536E3605D9C16a7a3D7b1898e529396a65c23). */
final class TestKeys {
    static final String DOCS_PRIVATE_KEY = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
    static final String DOCS_ADDRESS = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23";

    private TestKeys() {}

    static PoolKey docsKey() {
        return PoolKey.of(ECKeyPair.create(new BigInteger(DOCS_PRIVATE_KEY, 16)));
    }
}
