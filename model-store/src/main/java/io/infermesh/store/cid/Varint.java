package io.infermesh.store.cid;

import java.io.ByteArrayOutputStream;

/**
 * Unsigned LEB128 varints as used by multiformats: 7 bits per byte, least significant group first, high bit set on
 * every byte but the last. Multiformats caps varints at 9 bytes (63 bits) and forbids non-minimal encodings.
 */
public final class Varint {
    /** Longest varint multiformats allows. */
    public static final int MAX_BYTES = 9;

    private Varint() {}

    /** Number of bytes {@code value} takes; {@code value} must be non-negative. */
    public static int size(long value) {
        requireNonNegative(value);
        int n = 1;
        while ((value >>>= 7) != 0) {
            n++;
        }
        return n;
    }

    public static void write(long value, ByteArrayOutputStream out) {
        requireNonNegative(value);
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }

    /** Writes {@code value} into {@code buf} at {@code pos}; returns the position after it. */
    public static int write(long value, byte[] buf, int pos) {
        requireNonNegative(value);
        while ((value & ~0x7FL) != 0) {
            buf[pos++] = (byte) ((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        buf[pos++] = (byte) value;
        return pos;
    }

    public static byte[] encode(long value) {
        byte[] out = new byte[size(value)];
        write(value, out, 0);
        return out;
    }

    /**
     * Reads one varint from {@code buf} starting at {@code pos}.
     *
     * @return the value and the position after it
     * @throws InvalidCidException if truncated, longer than {@link #MAX_BYTES}, or not minimally encoded
     */
    public static Decoded read(byte[] buf, int pos) {
        long value = 0;
        for (int i = 0; i < MAX_BYTES; i++) {
            if (pos + i >= buf.length) {
                throw new InvalidCidException("truncated varint");
            }
            int b = buf[pos + i] & 0xFF;
            value |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                if (b == 0 && i > 0) {
                    throw new InvalidCidException("varint is not minimally encoded");
                }
                return new Decoded(value, pos + i + 1);
            }
        }
        throw new InvalidCidException("varint longer than " + MAX_BYTES + " bytes");
    }

    /** A decoded varint and the offset just past it. */
    public record Decoded(long value, int next) {}

    private static void requireNonNegative(long value) {
        if (value < 0) {
            throw new IllegalArgumentException("varints are unsigned; got " + value);
        }
    }
}
