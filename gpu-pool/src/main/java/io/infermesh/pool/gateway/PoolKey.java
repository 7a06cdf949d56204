package io.infermesh.pool.gateway;

import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.ManifestSignature;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * A pool's Ethereum key: it signs the pool's worker registrations. The file format is model-store's key files
 * ({@code infermesh key new}): one line, the private key as 64 hex digits, optionally {@code 0x}-prefixed. Immutable;
 * the private key never appears in {@link #toString()}.
 */
public final class PoolKey {
    private static final Pattern HEX64 = Pattern.compile("(0x)?[0-9a-fA-F]{64}");

    private final ECKeyPair key;
    private final EthAddress address;

    private PoolKey(ECKeyPair key) {
        this.key = key;
        this.address = EthAddress.of("0x" + Keys.getAddress(key));
    }

    /**
     * Reads a key file.
     *
     * @throws IllegalArgumentException if the file cannot be read or does not hold a key (the message names the file,
     *     never its content)
     */
    public static PoolKey read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the pool key file " + file + ": " + e.getMessage(), e);
        }
        if (!HEX64.matcher(text).matches()) {
            throw new IllegalArgumentException(
                    file + " does not hold a private key (64 hex digits, optionally 0x-prefixed);"
                            + " create one with `infermesh key new`");
        }
        return of(ECKeyPair.create(new BigInteger(text.replaceFirst("^0x", ""), 16)));
    }

    public static PoolKey of(ECKeyPair key) {
        return new PoolKey(key);
    }

    /** The pool's address: who the gateway sees as the signer. */
    public EthAddress address() {
        return address;
    }

    /** EIP-191 {@code personal_sign} over {@code message}. */
    public ManifestSignature sign(byte[] message) {
        return ManifestSignature.signMessage(message, key);
    }

    @Override
    public String toString() {
        return "PoolKey[" + address + "]";
    }
}
