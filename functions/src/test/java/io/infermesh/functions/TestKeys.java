package io.infermesh.functions;

import io.infermesh.store.manifest.EthAddress;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/** Real secp256k1 keys for tests. */
public final class TestKeys {
    private static final SecureRandom RANDOM = new SecureRandom();

    private TestKeys() {}

    /** The web3.js documentation key (address 0x2c7536E3605D9C16a7a3D7b1898e529396a65c23). */
    public static ECKeyPair docsKey() {
        return ECKeyPair.create(new BigInteger("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318", 16));
    }

    /** A fresh random key. */
    public static ECKeyPair random() {
        byte[] d = new byte[32];
        RANDOM.nextBytes(d);
        return ECKeyPair.create(new BigInteger(1, d)
                .mod(new BigInteger("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140", 16))
                .add(BigInteger.ONE));
    }

    public static EthAddress address(ECKeyPair key) {
        return EthAddress.of("0x" + Keys.getAddress(key.getPublicKey()));
    }

    /** 16 random bytes as 32 hex digits, the nonce format of signed payloads. */
    public static String nonce() {
        byte[] n = new byte[16];
        RANDOM.nextBytes(n);
        return HexFormat.of().formatHex(n);
    }
}
