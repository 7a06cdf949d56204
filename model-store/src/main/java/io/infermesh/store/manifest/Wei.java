package io.infermesh.store.manifest;

import java.math.BigInteger;

/**
 * An amount of the chain's native token in wei. Never a float; non-negative; fits in a uint256.
 *
 * @param amount wei
 */
public record Wei(BigInteger amount) {
    private static final BigInteger UINT256_MAX = BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE);

    public static final Wei ZERO = new Wei(BigInteger.ZERO);

    public Wei {
        if (amount == null || amount.signum() < 0 || amount.compareTo(UINT256_MAX) > 0) {
            throw new InvalidManifestException("an amount in wei must be an integer from 0 to 2^256-1; got " + amount);
        }
    }

    /** Parses a decimal integer string, the only form amounts take on the wire. */
    public static Wei parse(String decimal) {
        if (decimal == null || !decimal.matches("0|[1-9][0-9]{0,77}")) {
            throw new InvalidManifestException(
                    "an amount in wei is a decimal integer string without sign, decimals or leading zeros; got '"
                            + decimal + "'");
        }
        return new Wei(new BigInteger(decimal));
    }

    @Override
    public String toString() {
        return amount.toString();
    }
}
