package io.infermesh.store.cid;

/**
 * The multibase encodings a CID may arrive in. Output is always {@link #BASE32} (what IPFS prints for CIDv1);
 * input accepts base32 ('b' lower-case, 'B' upper-case), base58btc and base16.
 */
public enum Multibase {
    BASE32('b'),
    BASE32_UPPER('B'),
    BASE58BTC('z'),
    BASE16('f');

    private final char prefix;

    Multibase(char prefix) {
        this.prefix = prefix;
    }

    public char prefix() {
        return prefix;
    }

    public String encode(byte[] data) {
        return switch (this) {
            case BASE32 -> prefix + Base32.encode(data);
            case BASE32_UPPER -> prefix + Base32.encode(data).toUpperCase(java.util.Locale.ROOT);
            case BASE58BTC -> prefix + Base58.encode(data);
            case BASE16 -> prefix + java.util.HexFormat.of().formatHex(data);
        };
    }

    /** Decodes multibase text: the first character names the base. */
    public static byte[] decode(String text) {
        if (text.length() < 2) {
            throw new InvalidCidException("multibase text is too short");
        }
        String body = text.substring(1);
        return switch (text.charAt(0)) {
            case 'b' -> Base32.decode(body, false);
            case 'B' -> Base32.decode(body, true);
            case 'z' -> Base58.decode(body);
            case 'f', 'F' -> decodeHex(body);
            default ->
                throw new InvalidCidException("unsupported multibase prefix '" + text.charAt(0)
                        + "'; use base32 (b...), base58btc (z...) or base16 (f...)");
        };
    }

    private static byte[] decodeHex(String body) {
        try {
            return java.util.HexFormat.of().parseHex(body);
        } catch (IllegalArgumentException e) {
            throw new InvalidCidException("invalid base16 text: " + e.getMessage());
        }
    }
}
