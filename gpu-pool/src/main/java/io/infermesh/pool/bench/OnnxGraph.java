package io.infermesh.pool.bench;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes small ONNX models (a {@code ModelProto}, IR version 8, default opset 17) without any ONNX tooling: the
 * start-up benchmark's workload and test models. Only what those need: graph inputs and outputs with fixed or named
 * (dynamic) dimensions, FP32 initializers, and nodes without attributes.
 */
public final class OnnxGraph {
    /** ONNX {@code TensorProto.DataType} codes. */
    public static final int FLOAT = 1;

    public static final int INT32 = 6;
    public static final int INT64 = 7;
    public static final int BOOL = 9;
    public static final int DOUBLE = 11;

    private final String name;
    private final List<byte[]> nodes = new ArrayList<>();
    private final List<byte[]> initializers = new ArrayList<>();
    private final List<byte[]> inputs = new ArrayList<>();
    private final List<byte[]> outputs = new ArrayList<>();

    public OnnxGraph(String name) {
        this.name = name;
    }

    /**
     * A graph input. Each dimension is a {@link Number} (fixed size) or a {@link String} (a named dynamic dimension).
     */
    public OnnxGraph input(String name, int elemType, Object... dims) {
        inputs.add(valueInfo(name, elemType, dims));
        return this;
    }

    public OnnxGraph output(String name, int elemType, Object... dims) {
        outputs.add(valueInfo(name, elemType, dims));
        return this;
    }

    /** A constant FP32 tensor the nodes can use by name. */
    public OnnxGraph initializer(String name, long[] dims, float[] values) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        initializers.add(message(out -> {
            for (long d : dims) {
                out.writeInt64(1, d);
            }
            out.writeInt32(2, FLOAT);
            out.writeString(8, name);
            out.writeBytes(9, ByteString.copyFrom(raw.array()));
        }));
        return this;
    }

    public OnnxGraph node(String opType, List<String> in, List<String> out) {
        nodes.add(message(o -> {
            for (String s : in) {
                o.writeString(1, s);
            }
            for (String s : out) {
                o.writeString(2, s);
            }
            o.writeString(3, opType.toLowerCase(java.util.Locale.ROOT) + "_" + nodes.size());
            o.writeString(4, opType);
        }));
        return this;
    }

    public byte[] toBytes() {
        byte[] graph = message(o -> {
            for (byte[] n : nodes) {
                o.writeByteArray(1, n);
            }
            o.writeString(2, name);
            for (byte[] t : initializers) {
                o.writeByteArray(5, t);
            }
            for (byte[] v : inputs) {
                o.writeByteArray(11, v);
            }
            for (byte[] v : outputs) {
                o.writeByteArray(12, v);
            }
        });
        byte[] opset = message(o -> {
            o.writeString(1, "");
            o.writeInt64(2, 17);
        });
        return message(o -> {
            o.writeInt64(1, 8);
            o.writeString(2, "infermesh");
            o.writeByteArray(7, graph);
            o.writeByteArray(8, opset);
        });
    }

    private static byte[] valueInfo(String name, int elemType, Object... dims) {
        byte[] shape = message(o -> {
            for (Object d : dims) {
                o.writeByteArray(1, message(dim -> {
                    if (d instanceof Number n) {
                        dim.writeInt64(1, n.longValue());
                    } else {
                        dim.writeString(2, d.toString());
                    }
                }));
            }
        });
        byte[] tensorType = message(o -> {
            o.writeInt32(1, elemType);
            o.writeByteArray(2, shape);
        });
        byte[] type = message(o -> o.writeByteArray(1, tensorType));
        return message(o -> {
            o.writeString(1, name);
            o.writeByteArray(2, type);
        });
    }

    private interface Fields {
        void write(CodedOutputStream out) throws IOException;
    }

    private static byte[] message(Fields fields) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            fields.write(out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
