package io.infermesh.it;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

/** An Ethereum account for tests: a fresh secp256k1 key that signs like a wallet's {@code personal_sign}. */
record EthKey(ECKeyPair pair) {
    static EthKey random() {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        return new EthKey(ECKeyPair.create(new BigInteger(1, k)));
    }

    /** Lower-case 0x address. */
    String address() {
        return "0x" + Keys.getAddress(pair);
    }

    /** The EIP-55 checksummed address, as signed payloads carry it. */
    String checksumAddress() {
        return Keys.toChecksumAddress(address());
    }

    /** The private key as the CLI's key files hold it. */
    String privateKeyHex() {
        return "0x" + String.format("%064x", pair.getPrivateKey());
    }

    /** EIP-191 {@code personal_sign} of the UTF-8 text: 0x r s v. */
    String personalSign(String text) {
        Sign.SignatureData s = Sign.signPrefixedMessage(text.getBytes(StandardCharsets.UTF_8), pair);
        HexFormat hex = HexFormat.of();
        return "0x" + hex.formatHex(s.getR()) + hex.formatHex(s.getS()) + hex.formatHex(s.getV());
    }
}
