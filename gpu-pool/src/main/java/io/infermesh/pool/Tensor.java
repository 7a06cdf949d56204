package io.infermesh.pool;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A named tensor with concrete shape and its elements in the protocol's raw layout: fixed-size types little-endian,
 * row-major; {@link DataType#BYTES} as consecutive (4-byte little-endian length, bytes) pairs. Validated on
 * construction, so a {@code Tensor} always holds exactly {@code shape.elementCount()} well-framed elements.
 *
 * <p>Immutable: {@link #data()} returns a fresh read-only view positioned at 0.
 */
public final class Tensor {
    private final String name;
    private final DataType type;
    private final TensorShape shape;
    private final ByteBuffer data;

    public Tensor(String name, DataType type, TensorShape shape, ByteBuffer data) {
        if (name == null || name.isEmpty()) {
            throw WorkerException.invalidArgument("every tensor needs a name");
        }
        if (!shape.isConcrete()) {
            throw WorkerException.invalidArgument(
                    "tensor '" + name + "' has shape " + shape + "; a request tensor's dimensions must all be >= 0");
        }
        long count = shape.elementCount();
        ByteBuffer view = data.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (type.isFixedSize()) {
            // A client-supplied shape can count more bytes than a long holds: that is a bad request, not a bug.
            if (count > Long.MAX_VALUE / type.byteSize()) {
                throw WorkerException.invalidArgument("tensor '" + name + "' is " + type + " " + shape
                        + ", more bytes than any request can hold, but " + view.remaining() + " bytes were sent");
            }
            long expected = count * type.byteSize();
            if (view.remaining() != expected) {
                throw WorkerException.invalidArgument("tensor '" + name + "' is " + type + " " + shape
                        + ", which takes " + expected + " bytes, but " + view.remaining() + " bytes were sent");
            }
        } else {
            long found = countByteElements(name, view);
            if (found != count) {
                throw WorkerException.invalidArgument("tensor '" + name + "' has shape " + shape + " (" + count
                        + " elements) but its BYTES data holds " + found + " length-prefixed elements");
            }
        }
        this.name = name;
        this.type = type;
        this.shape = shape;
        this.data = view.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    public static Tensor ofStrings(String name, List<String> values) {
        List<byte[]> bytes =
                values.stream().map(v -> v.getBytes(StandardCharsets.UTF_8)).toList();
        return ofByteStrings(name, TensorShape.of(values.size()), bytes);
    }

    public static Tensor ofByteStrings(String name, TensorShape shape, List<byte[]> values) {
        return new Tensor(name, DataType.BYTES, shape, frame(values));
    }

    /** {@code values} in the raw BYTES layout (4-byte little-endian length, then the bytes, each), positioned at 0. */
    public static ByteBuffer frame(List<byte[]> values) {
        int total = 0;
        for (byte[] v : values) {
            total = Math.addExact(total, 4 + v.length);
        }
        ByteBuffer buf = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        for (byte[] v : values) {
            buf.putInt(v.length).put(v);
        }
        return buf.flip();
    }

    public static Tensor ofFloats(String name, TensorShape shape, float[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        return new Tensor(name, DataType.FP32, shape, buf);
    }

    public static Tensor ofLongs(String name, TensorShape shape, long[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.asLongBuffer().put(values);
        return new Tensor(name, DataType.INT64, shape, buf);
    }

    public String name() {
        return name;
    }

    public DataType type() {
        return type;
    }

    public TensorShape shape() {
        return shape;
    }

    /** A read-only little-endian view of the raw elements, positioned at 0. */
    public ByteBuffer data() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    public int byteSize() {
        return data.remaining();
    }

    /** The same elements under another name. */
    public Tensor renamed(String newName) {
        return new Tensor(newName, type, shape, data());
    }

    /** The elements of a {@link DataType#BYTES} tensor. */
    public List<byte[]> byteElements() {
        requireType(DataType.BYTES);
        ByteBuffer view = data();
        List<byte[]> out = new ArrayList<>();
        while (view.hasRemaining()) {
            byte[] element = new byte[view.getInt()];
            view.get(element);
            out.add(element);
        }
        return out;
    }

    /** The elements of a {@link DataType#BYTES} tensor decoded as UTF-8. */
    public List<String> strings() {
        return byteElements().stream()
                .map(b -> new String(b, StandardCharsets.UTF_8))
                .toList();
    }

    public float[] floats() {
        requireType(DataType.FP32);
        float[] out = new float[data.remaining() / Float.BYTES];
        data().asFloatBuffer().get(out);
        return out;
    }

    public long[] longs() {
        requireType(DataType.INT64);
        long[] out = new long[data.remaining() / Long.BYTES];
        data().asLongBuffer().get(out);
        return out;
    }

    private void requireType(DataType expected) {
        if (type != expected) {
            throw WorkerException.invalidArgument("tensor '" + name + "' is " + type + ", not " + expected);
        }
    }

    private static long countByteElements(String name, ByteBuffer view) {
        ByteBuffer scan = view.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long n = 0;
        while (scan.hasRemaining()) {
            if (scan.remaining() < 4) {
                throw WorkerException.invalidArgument("BYTES tensor '" + name + "' ends inside a 4-byte length prefix");
            }
            int len = scan.getInt();
            if (len < 0 || len > scan.remaining()) {
                throw WorkerException.invalidArgument("BYTES tensor '" + name + "' element " + n + " claims "
                        + Integer.toUnsignedString(len) + " bytes but only " + scan.remaining() + " remain");
            }
            scan.position(scan.position() + len);
            n++;
        }
        return n;
    }

    @Override
    public String toString() {
        return name + ":" + type + shape;
    }
}
