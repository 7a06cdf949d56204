package io.infermesh.store.manifest;

import java.util.Locale;
import java.util.regex.Pattern;
import org.web3j.crypto.Keys;

/**
 * A 20-byte Ethereum account address. Accepts all-lower, all-upper or a correct EIP-55 mixed-case checksum; a
 * mixed-case address with a wrong checksum is refused (it is almost always a typo). Prints in EIP-55 form.
 *
 * @param value the EIP-55 checksummed text, {@code 0x}-prefixed
 */
public record EthAddress(String value) {
    private static final Pattern HEX40 = Pattern.compile("0x[0-9a-fA-F]{40}");

    public EthAddress {
        if (value == null || !HEX40.matcher(value).matches()) {
            throw new InvalidManifestException(
                    "'" + value + "' is not an Ethereum address (0x followed by 40 hex digits)");
        }
        String body = value.substring(2);
        boolean mixedCase = !body.equals(body.toLowerCase(Locale.ROOT)) && !body.equals(body.toUpperCase(Locale.ROOT));
        String checksummed = Keys.toChecksumAddress(value.toLowerCase(Locale.ROOT));
        if (mixedCase && !checksummed.equals(value)) {
            throw new InvalidManifestException(
                    "address '" + value + "' has a wrong EIP-55 checksum; did you mean " + checksummed + "?");
        }
        value = checksummed;
    }

    public static EthAddress of(String value) {
        return new EthAddress(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
