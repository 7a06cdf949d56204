package io.infermesh.store.cid;

/**
 * RFC 4648 base32 without padding, lower-case on output. On input one case throughout, the one the multibase prefix
 * names ('b' lower, 'B' upper), as go-cid and js-multiformats read it: a body in the other or mixed case is refused.
 */
final class Base32 {
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
    private static final int[] LOWER = new int[128];
    private static final int[] UPPER = new int[128];

    static {
        java.util.Arrays.fill(LOWER, -1);
        java.util.Arrays.fill(UPPER, -1);
        for (int i = 0; i < ALPHABET.length; i++) {
            LOWER[ALPHABET[i]] = i;
            UPPER[Character.toUpperCase(ALPHABET[i])] = i;
        }
    }

    private Base32() {}

    static String encode(byte[] data) {
        StringBuilder sb = new StringBuilder((data.length * 8 + 4) / 5);
        int buffer = 0;
        int bits = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xFF);
            bits += 8;
            while (bits >= 5) {
                sb.append(ALPHABET[(buffer >>> (bits - 5)) & 0x1F]);
                bits -= 5;
            }
        }
        if (bits > 0) {
            sb.append(ALPHABET[(buffer << (5 - bits)) & 0x1F]);
        }
        return sb.toString();
    }

    /** Decodes lower-case base32 (multibase 'b'). */
    static byte[] decode(CharSequence text) {
        return decode(text, false);
    }

    /** Decodes base32 in the one case given: upper (multibase 'B') or lower (multibase 'b'). */
    static byte[] decode(CharSequence text, boolean upper) {
        int[] index = upper ? UPPER : LOWER;
        int outLen = text.length() * 5 / 8;
        byte[] out = new byte[outLen];
        int buffer = 0;
        int bits = 0;
        int pos = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int v = c < 128 ? index[c] : -1;
            if (v < 0) {
                throw new InvalidCidException("invalid base32 character '" + c + "' at position " + i
                        + (c < 128 && (upper ? LOWER : UPPER)[c] >= 0
                                ? " (multibase '" + (upper ? 'B' : 'b') + "' is " + (upper ? "upper" : "lower")
                                        + "-case base32 throughout)"
                                : ""));
            }
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8) {
                out[pos++] = (byte) (buffer >>> (bits - 8));
                bits -= 8;
            }
        }
        if (bits >= 5 || (buffer & ((1 << bits) - 1)) != 0) {
            throw new InvalidCidException("base32 text has non-zero or excess trailing bits");
        }
        return out;
    }
}
