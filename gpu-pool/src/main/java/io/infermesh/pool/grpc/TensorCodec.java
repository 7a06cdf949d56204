package io.infermesh.pool.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.infermesh.openapi.inference.InferParameter;
import io.infermesh.openapi.inference.InferTensorContents;
import io.infermesh.openapi.inference.ModelInferRequest;
import io.infermesh.openapi.inference.ModelInferResponse;
import io.infermesh.pool.DataType;
import io.infermesh.pool.InferRequest;
import io.infermesh.pool.Tensor;
import io.infermesh.pool.TensorShape;
import io.infermesh.pool.WorkerException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Protocol messages to and from {@link Tensor}s. Inputs come either all as {@code raw_input_contents} (index i holds
 * input i, the protocol's raw layout) or all as typed {@code contents}; FP16 and BF16 only travel raw. Outputs go
 * back in the style the request used, unless the request parameter {@code binary_data_output} (bool) says otherwise.
 */
public final class TensorCodec {
    static final String BINARY_OUTPUT_PARAMETER = "binary_data_output";

    private TensorCodec() {}

    /** Outputs of a response (from an upstream server), raw or typed. */
    public static List<Tensor> decodeOutputs(ModelInferResponse response) {
        boolean raw = response.getRawOutputContentsCount() > 0;
        if (raw && response.getRawOutputContentsCount() != response.getOutputsCount()) {
            throw WorkerException.unavailable("upstream answered " + response.getOutputsCount() + " outputs with "
                    + response.getRawOutputContentsCount() + " raw contents");
        }
        List<Tensor> out = new ArrayList<>(response.getOutputsCount());
        for (int i = 0; i < response.getOutputsCount(); i++) {
            ModelInferResponse.InferOutputTensor t = response.getOutputs(i);
            String what = "output '" + t.getName() + "'";
            try {
                DataType type = DataType.fromWire(t.getDatatype());
                TensorShape shape = TensorShape.of(t.getShapeList());
                ByteBuffer data = raw
                        ? response.getRawOutputContents(i).asReadOnlyByteBuffer()
                        : fromContents(what, type, elementCount(what, shape), t.getContents());
                out.add(new Tensor(t.getName(), type, shape, data));
            } catch (WorkerException e) {
                // The upstream's answer is malformed, not the caller's request: never INVALID_ARGUMENT.
                throw new WorkerException(
                        WorkerException.Code.UNAVAILABLE,
                        "upstream answered a malformed " + what + ": " + e.getMessage(),
                        e);
            }
        }
        return out;
    }

    /** Adds tensors to a request as raw inputs. */
    public static void encodeInputs(List<Tensor> inputs, ModelInferRequest.Builder request) {
        for (Tensor t : inputs) {
            request.addInputs(ModelInferRequest.InferInputTensor.newBuilder()
                    .setName(t.name())
                    .setDatatype(t.type().name())
                    .addAllShape(t.shape().toList()));
            request.addRawInputContents(ByteString.copyFrom(t.data()));
        }
    }

    static InferRequest decode(ModelInferRequest request, long maxRequestBytes, long deadlineNanos) {
        if (request.getInputsCount() == 0) {
            throw WorkerException.invalidArgument("the request has no inputs");
        }
        boolean raw = request.getRawInputContentsCount() > 0;
        if (raw && request.getRawInputContentsCount() != request.getInputsCount()) {
            throw WorkerException.invalidArgument("raw_input_contents has " + request.getRawInputContentsCount()
                    + " entries for " + request.getInputsCount() + " inputs; send one raw entry per input, in order,"
                    + " or use typed contents for all of them");
        }
        long total = 0;
        List<Tensor> inputs = new ArrayList<>(request.getInputsCount());
        for (int i = 0; i < request.getInputsCount(); i++) {
            ModelInferRequest.InferInputTensor in = request.getInputs(i);
            DataType type = DataType.fromWire(in.getDatatype());
            TensorShape shape = TensorShape.of(in.getShapeList());
            String what = "input '" + in.getName() + "'";
            long count = elementCount(what, shape);
            if (raw && in.hasContents()) {
                throw WorkerException.invalidArgument("input '" + in.getName() + "' has typed contents although the"
                        + " request uses raw_input_contents; use one style for all inputs");
            }
            ByteBuffer data = raw
                    ? request.getRawInputContents(i).asReadOnlyByteBuffer()
                    : fromContents(what, type, count, in.getContents());
            total += data.remaining();
            if (total > maxRequestBytes) {
                throw WorkerException.invalidArgument("the request's tensors exceed " + maxRequestBytes
                        + " bytes (infermesh.pool.max-request-bytes); split it into smaller requests");
            }
            inputs.add(new Tensor(in.getName(), type, shape, data));
        }
        Set<String> outputs = new HashSet<>();
        for (ModelInferRequest.InferRequestedOutputTensor out : request.getOutputsList()) {
            if (!outputs.add(out.getName())) {
                throw WorkerException.invalidArgument("output '" + out.getName() + "' is requested twice");
            }
        }
        return new InferRequest(request.getId(), inputs, outputs, deadlineNanos);
    }

    /** True when outputs should go back as {@code raw_output_contents}. */
    static boolean rawOutputs(ModelInferRequest request) {
        InferParameter p = request.getParametersMap().get(BINARY_OUTPUT_PARAMETER);
        if (p != null) {
            if (p.getParameterChoiceCase() != InferParameter.ParameterChoiceCase.BOOL_PARAM) {
                throw WorkerException.invalidArgument(BINARY_OUTPUT_PARAMETER + " must be a bool parameter");
            }
            return p.getBoolParam();
        }
        return request.getRawInputContentsCount() > 0;
    }

    static void encode(List<Tensor> outputs, boolean raw, ModelInferResponse.Builder response) {
        for (Tensor t : outputs) {
            ModelInferResponse.InferOutputTensor.Builder out = ModelInferResponse.InferOutputTensor.newBuilder()
                    .setName(t.name())
                    .setDatatype(t.type().name())
                    .addAllShape(t.shape().toList());
            if (raw) {
                // Tensor data is immutable, so the response may share it instead of copying.
                response.addRawOutputContents(UnsafeByteOperations.unsafeWrap(t.data()));
            } else {
                out.setContents(toContents(t));
            }
            response.addOutputs(out);
        }
    }

    /** @param what the tensor, for messages: {@code input 'x'} or {@code output 'y'} */
    private static long elementCount(String what, TensorShape shape) {
        if (!shape.isConcrete()) {
            throw WorkerException.invalidArgument(
                    what + " has shape " + shape + "; every dimension of a request tensor must be >= 0");
        }
        try {
            return shape.elementCount();
        } catch (WorkerException e) {
            throw WorkerException.invalidArgument(what + " has shape " + shape + ", too many elements");
        }
    }

    private static ByteBuffer fromContents(String what, DataType type, long count, InferTensorContents c) {
        int n = Math.toIntExact(Math.min(count, Integer.MAX_VALUE));
        ByteBuffer buf;
        int given;
        switch (type) {
            case BOOL -> {
                given = c.getBoolContentsCount();
                buf = allocate(given, 1);
                c.getBoolContentsList().forEach(v -> buf.put((byte) (v ? 1 : 0)));
            }
            case INT8, INT16, INT32 -> {
                given = c.getIntContentsCount();
                buf = allocate(given, type.byteSize());
                for (int v : c.getIntContentsList()) {
                    putInt(buf, type, v, what);
                }
            }
            case UINT8, UINT16, UINT32 -> {
                given = c.getUintContentsCount();
                buf = allocate(given, type.byteSize());
                for (int v : c.getUintContentsList()) {
                    putUnsigned(buf, type, Integer.toUnsignedLong(v), what);
                }
            }
            case INT64 -> {
                given = c.getInt64ContentsCount();
                buf = allocate(given, 8);
                c.getInt64ContentsList().forEach(buf::putLong);
            }
            case UINT64 -> {
                given = c.getUint64ContentsCount();
                buf = allocate(given, 8);
                c.getUint64ContentsList().forEach(buf::putLong);
            }
            case FP32 -> {
                given = c.getFp32ContentsCount();
                buf = allocate(given, 4);
                c.getFp32ContentsList().forEach(buf::putFloat);
            }
            case FP64 -> {
                given = c.getFp64ContentsCount();
                buf = allocate(given, 8);
                c.getFp64ContentsList().forEach(buf::putDouble);
            }
            case BYTES -> {
                given = c.getBytesContentsCount();
                buf = Tensor.frame(c.getBytesContentsList().stream()
                        .map(ByteString::toByteArray)
                        .toList());
            }
            case FP16, BF16 ->
                throw WorkerException.invalidArgument(what + " is " + type
                        + ", which has no typed contents field; send it in" + " raw_input_contents");
            default -> throw new IllegalStateException(type.name());
        }
        if (given != n || count > Integer.MAX_VALUE) {
            throw WorkerException.invalidArgument(what + " has shape with " + count + " elements but " + given
                    + " values in its " + field(type) + " contents");
        }
        // Fixed-size cases filled buf and leave it at its end; frame() returns it ready to read.
        return type == DataType.BYTES ? buf : buf.flip();
    }

    private static ByteBuffer allocate(int count, int size) {
        return ByteBuffer.allocate(Math.multiplyExact(count, size)).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void putInt(ByteBuffer buf, DataType type, int v, String what) {
        switch (type) {
            case INT8 -> {
                requireRange(v, Byte.MIN_VALUE, Byte.MAX_VALUE, type, what);
                buf.put((byte) v);
            }
            case INT16 -> {
                requireRange(v, Short.MIN_VALUE, Short.MAX_VALUE, type, what);
                buf.putShort((short) v);
            }
            default -> buf.putInt(v);
        }
    }

    private static void putUnsigned(ByteBuffer buf, DataType type, long v, String what) {
        switch (type) {
            case UINT8 -> {
                requireRange(v, 0, 0xFF, type, what);
                buf.put((byte) v);
            }
            case UINT16 -> {
                requireRange(v, 0, 0xFFFF, type, what);
                buf.putShort((short) v);
            }
            default -> buf.putInt((int) v);
        }
    }

    private static void requireRange(long v, long min, long max, DataType type, String what) {
        if (v < min || v > max) {
            throw WorkerException.invalidArgument(
                    what + " holds " + v + ", outside the " + type + " range " + min + ".." + max);
        }
    }

    private static String field(DataType type) {
        return switch (type) {
            case BOOL -> "bool";
            case INT8, INT16, INT32 -> "int";
            case UINT8, UINT16, UINT32 -> "uint";
            case INT64 -> "int64";
            case UINT64 -> "uint64";
            case FP32 -> "fp32";
            case FP64 -> "fp64";
            default -> "bytes";
        };
    }

    private static InferTensorContents toContents(Tensor t) {
        InferTensorContents.Builder c = InferTensorContents.newBuilder();
        ByteBuffer d = t.data();
        switch (t.type()) {
            case BOOL -> {
                while (d.hasRemaining()) {
                    c.addBoolContents(d.get() != 0);
                }
            }
            case INT8 -> {
                while (d.hasRemaining()) {
                    c.addIntContents(d.get());
                }
            }
            case INT16 -> {
                while (d.hasRemaining()) {
                    c.addIntContents(d.getShort());
                }
            }
            case INT32 -> {
                while (d.hasRemaining()) {
                    c.addIntContents(d.getInt());
                }
            }
            case UINT8 -> {
                while (d.hasRemaining()) {
                    c.addUintContents(Byte.toUnsignedInt(d.get()));
                }
            }
            case UINT16 -> {
                while (d.hasRemaining()) {
                    c.addUintContents(Short.toUnsignedInt(d.getShort()));
                }
            }
            case UINT32 -> {
                while (d.hasRemaining()) {
                    c.addUintContents(d.getInt());
                }
            }
            case INT64 -> {
                while (d.hasRemaining()) {
                    c.addInt64Contents(d.getLong());
                }
            }
            case UINT64 -> {
                while (d.hasRemaining()) {
                    c.addUint64Contents(d.getLong());
                }
            }
            case FP32 -> {
                while (d.hasRemaining()) {
                    c.addFp32Contents(d.getFloat());
                }
            }
            case FP64 -> {
                while (d.hasRemaining()) {
                    c.addFp64Contents(d.getDouble());
                }
            }
            case BYTES -> t.byteElements().forEach(b -> c.addBytesContents(ByteString.copyFrom(b)));
            case FP16, BF16 ->
                throw WorkerException.invalidArgument("output '" + t.name() + "' is " + t.type()
                        + ", which only travels raw; set the request parameter " + BINARY_OUTPUT_PARAMETER
                        + "=true");
        }
        return c.build();
    }
}
