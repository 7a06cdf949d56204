package io.infermesh.store.cli;

import io.infermesh.store.manifest.EthAddress;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/** Ethereum keys on disk: one line, the private key as 0x-prefixed hex, readable by the owner only. */
final class KeyFiles {
    private KeyFiles() {}

    static ECKeyPair read(Path file) throws IOException {
        String hex = Files.readString(file, StandardCharsets.US_ASCII).strip();
        if (!hex.matches("(0x)?[0-9a-fA-F]{64}")) {
            throw new IllegalArgumentException(
                    file + " does not hold a private key (64 hex digits); create one with `infermesh key new`");
        }
        return ECKeyPair.create(new BigInteger(hex.replaceFirst("^0x", ""), 16));
    }

    static void write(Path file, ECKeyPair key) throws IOException {
        if (Files.exists(file)) {
            throw new IllegalArgumentException(file + " already exists; refusing to overwrite a key");
        }
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, "0x" + String.format("%064x", key.getPrivateKey()) + "\n");
    }

    static EthAddress address(ECKeyPair key) {
        return EthAddress.of("0x" + Keys.getAddress(key));
    }
}
