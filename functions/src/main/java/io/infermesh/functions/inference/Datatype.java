package io.infermesh.functions.inference;

import io.infermesh.functions.api.ProblemException;

/**
 * The KServe v2 tensor element types, their sizes in bytes in the raw (little-endian) layout and, for integers, their
 * ranges. BYTES has no fixed size: each element is a 4-byte little-endian length followed by that many bytes.
 */
enum Datatype {
    BOOL(1, 0, 1),
    UINT8(1, 0, 255),
    UINT16(2, 0, 65535),
    UINT32(4, 0, 4294967295L),
    UINT64(8, 0, Long.MAX_VALUE),
    INT8(1, Byte.MIN_VALUE, Byte.MAX_VALUE),
    INT16(2, Short.MIN_VALUE, Short.MAX_VALUE),
    INT32(4, Integer.MIN_VALUE, Integer.MAX_VALUE),
    INT64(8, Long.MIN_VALUE, Long.MAX_VALUE),
    FP16(2, 0, 0),
    BF16(2, 0, 0),
    FP32(4, 0, 0),
    FP64(8, 0, 0),
    BYTES(0, 0, 0);

    /** Bytes per element; 0 for BYTES. */
    final int size;

    final long min;
    final long max;

    Datatype(int size, long min, long max) {
        this.size = size;
        this.min = min;
        this.max = max;
    }

    /** The type named {@code s}; a 422 {@code invalid_tensor} naming tensor {@code name} for anything else. */
    static Datatype parse(String s, String name) {
        for (Datatype t : values()) {
            if (t.name().equals(s)) {
                return t;
            }
        }
        throw ProblemException.invalidTensor("tensor '" + name + "' has unknown datatype '" + s + "'");
    }
}
