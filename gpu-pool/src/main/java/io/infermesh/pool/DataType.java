package io.infermesh.pool;

import java.util.Locale;

/**
 * Tensor element types of the KServe v2 / Open Inference Protocol, by their wire names. Fixed-size types are stored
 * little-endian; {@link #BYTES} elements are length-prefixed byte strings (a 4-byte little-endian length, then the
 * bytes), the same layout as the protocol's raw tensor contents.
 */
public enum DataType {
    BOOL(1),
    UINT8(1),
    UINT16(2),
    UINT32(4),
    UINT64(8),
    INT8(1),
    INT16(2),
    INT32(4),
    INT64(8),
    FP16(2),
    BF16(2),
    FP32(4),
    FP64(8),
    BYTES(0);

    private final int byteSize;

    DataType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element, or 0 for {@link #BYTES} (variable length). */
    public int byteSize() {
        return byteSize;
    }

    public boolean isFixedSize() {
        return byteSize > 0;
    }

    /** Parses a protocol datatype name such as {@code FP32}; the error names the accepted values. */
    public static DataType fromWire(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw WorkerException.invalidArgument("unknown datatype '" + name
                    + "'; use one of BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, BF16,"
                    + " FP32, FP64, BYTES");
        }
    }
}
