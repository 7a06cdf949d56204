package io.infermesh.store.unixfs;

import io.infermesh.store.cid.Varint;
import java.io.ByteArrayOutputStream;

/** Just enough protobuf encoding for dag-pb and UnixFS: varint and length-delimited fields, in the order written. */
final class ProtoWriter {
    private static final int WIRE_VARINT = 0;
    private static final int WIRE_BYTES = 2;

    private final ByteArrayOutputStream out;

    ProtoWriter(int expectedSize) {
        out = new ByteArrayOutputStream(expectedSize);
    }

    ProtoWriter varint(int field, long value) {
        Varint.write(((long) field << 3) | WIRE_VARINT, out);
        Varint.write(value, out);
        return this;
    }

    ProtoWriter bytes(int field, byte[] value) {
        return bytes(field, value, 0, value.length);
    }

    ProtoWriter bytes(int field, byte[] value, int offset, int length) {
        Varint.write(((long) field << 3) | WIRE_BYTES, out);
        Varint.write(length, out);
        out.write(value, offset, length);
        return this;
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }
}
