package io.infermesh.functions.inference;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.infermesh.functions.api.ProblemException;
import io.infermesh.openapi.inference.InferParameter;
import io.infermesh.openapi.inference.ModelInferRequest;
import io.infermesh.openapi.inference.ModelInferResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * The KServe v2 REST inference body with JSON tensors, to and from the gRPC {@code ModelInferRequest} /
 * {@code ModelInferResponse} the workers speak.
 *
 * <p>Requests go to workers as {@code raw_input_contents} (little-endian elements; BYTES as 4-byte length + bytes),
 * which makes the worker answer in raw outputs too: one compact encoding both ways and no per-element protobuf
 * fields. {@code data} may be flat or nested (row-major); its element count must equal the product of {@code shape},
 * and each element must fit the datatype (integers in range, booleans for BOOL, strings for BYTES). FP16 and BF16
 * take JSON numbers and round to nearest even.
 *
 * <p>With the binary data extension ({@link KserveBinary}) an input's bytes come after the JSON and go to the worker
 * as they are, and an output's raw bytes go back after the JSON response; the extension's own parameters ({@code
 * binary_data_output}) stay with the gateway.
 */
public final class KserveJson {
    private static final JsonFactory JSON = new JsonFactory();
    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    /** The most bytes allocated for a JSON input's elements before they are counted. */
    private static final int INITIAL_DATA_BYTES = 1 << 20;

    private KserveJson() {}

    /** Builds the gRPC request for {@code model}; {@code body} is the parsed JSON request, all of the HTTP body. */
    public static ModelInferRequest toGrpc(JsonNode body, String model, String version, String requestId) {
        return toGrpc(body, KserveBinary.Body.json(new byte[0]), model, version, requestId);
    }

    /**
     * Builds the gRPC request for {@code model}.
     *
     * @param body the parsed JSON part of the HTTP body
     * @param raw the HTTP body, whose bytes after the JSON part hold the binary inputs
     */
    public static ModelInferRequest toGrpc(
            JsonNode body, KserveBinary.Body raw, String model, String version, String requestId) {
        if (!body.isObject()) {
            throw ProblemException.invalid("the request body must be a JSON object with an \"inputs\" array");
        }
        JsonNode inputs = body.path("inputs");
        if (!inputs.isArray() || inputs.isEmpty()) {
            throw ProblemException.invalid("\"inputs\" must be a non-empty array of tensors");
        }
        KserveBinary.Inputs binary = KserveBinary.Inputs.of(raw, inputs);
        ModelInferRequest.Builder b = ModelInferRequest.newBuilder()
                .setModelName(model)
                .setModelVersion(version)
                .setId(requestId);
        for (int i = 0; i < inputs.size(); i++) {
            JsonNode input = inputs.get(i);
            String name = text(input, "name", "an input");
            Datatype type = Datatype.parse(text(input, "datatype", "input '" + name + "'"), name);
            long[] shape = shape(input.path("shape"), name);
            long count = 1;
            for (long d : shape) {
                // Both factors stay at most 2^31 before multiplying, so the product cannot overflow a long.
                if (d > Integer.MAX_VALUE || (count *= d) > Integer.MAX_VALUE) {
                    throw new ProblemException(
                            413, "payload_too_large", "input '" + name + "' has a shape of more than 2^31 elements");
                }
            }
            ByteString data = binary.binary(i)
                    ? binary.take(i, name, type, shape, count)
                    : ByteString.copyFrom(
                            encode(input.path("data"), type, count, name).flip());
            ModelInferRequest.InferInputTensor.Builder t = ModelInferRequest.InferInputTensor.newBuilder()
                    .setName(name)
                    .setDatatype(type.name());
            for (long d : shape) {
                t.addShape(d);
            }
            b.addInputs(t);
            b.addRawInputContents(data);
        }
        JsonNode outputs = body.path("outputs");
        if (outputs.isArray()) {
            for (JsonNode output : outputs) {
                b.addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder()
                        .setName(text(output, "name", "a requested output")));
            }
        }
        JsonNode parameters = body.path("parameters");
        if (parameters.isObject()) {
            for (Map.Entry<String, JsonNode> p : parameters.properties()) {
                if (p.getKey().equals(KserveBinary.ALL_OUTPUTS)) {
                    continue; // the gateway's choice of response encoding; workers always answer raw
                }
                b.putParameters(p.getKey(), parameter(p.getKey(), p.getValue()));
            }
        }
        return b.build();
    }

    /** The JSON response body for a worker's answer ({@code model} is the name the caller used). */
    public static byte[] toJson(ModelInferResponse response, String model) {
        return render(response, model, KserveBinary.Outputs.NONE).body();
    }

    /**
     * The response for a worker's answer ({@code model} is the name the caller used): JSON when no output goes back
     * binary, else the JSON response with {@code binary_data_size} in place of the binary outputs' {@code data},
     * followed by their raw bytes in output order, as {@code application/octet-stream} with {@value
     * KserveBinary#HEADER_LENGTH}.
     */
    public static PaidInference.Rendered render(
            ModelInferResponse response, String model, KserveBinary.Outputs binary) {
        // JSON numbers take about 3 bytes per raw byte; a binary answer's JSON part holds only the tensors' headers
        ByteArrayOutputStream out =
                new ByteArrayOutputStream(binary.any() ? 1024 : 256 + response.getSerializedSize() * 3);
        boolean[] asBinary = new boolean[response.getOutputsCount()];
        boolean any = false;
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("model_name", model);
            g.writeStringField("model_version", response.getModelVersion());
            if (!response.getId().isEmpty()) {
                g.writeStringField("id", response.getId());
            }
            g.writeArrayFieldStart("outputs");
            for (int i = 0; i < response.getOutputsCount(); i++) {
                ModelInferResponse.InferOutputTensor t = response.getOutputs(i);
                if (i >= response.getRawOutputContentsCount()) {
                    throw new ProblemException(
                            502, "worker_error", "the worker answered output '" + t.getName() + "' without raw data");
                }
                Datatype type = Datatype.parse(t.getDatatype(), t.getName());
                g.writeStartObject();
                g.writeStringField("name", t.getName());
                g.writeStringField("datatype", type.name());
                g.writeArrayFieldStart("shape");
                for (long d : t.getShapeList()) {
                    g.writeNumber(d);
                }
                g.writeEndArray();
                ByteString raw = response.getRawOutputContents(i);
                if (binary.binary(t.getName())) {
                    KserveBinary.checkOutput(t.getName(), type, t.getShapeList(), raw);
                    asBinary[i] = any = true;
                    g.writeObjectFieldStart("parameters");
                    g.writeNumberField(KserveBinary.SIZE, raw.size());
                    g.writeEndObject();
                } else {
                    g.writeFieldName("data");
                    writeData(g, type, raw.asReadOnlyByteBuffer(), t.getName());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!any) {
            return PaidInference.Rendered.json(out.toByteArray());
        }
        byte[] json = out.toByteArray();
        long length = json.length;
        for (int i = 0; i < asBinary.length; i++) {
            length += asBinary[i] ? response.getRawOutputContents(i).size() : 0;
        }
        if (length > Integer.MAX_VALUE - 8) {
            throw new ProblemException(502, "worker_error", "the worker's answer is too large to send in one body");
        }
        byte[] body = Arrays.copyOf(json, (int) length);
        int position = json.length;
        for (int i = 0; i < asBinary.length; i++) {
            if (asBinary[i]) {
                ByteString raw = response.getRawOutputContents(i);
                raw.copyTo(body, position);
                position += raw.size();
            }
        }
        return PaidInference.Rendered.binary(body, json.length);
    }

    private static ByteBuffer encode(JsonNode data, Datatype type, long count, String name) {
        if (!data.isArray()) {
            throw ProblemException.invalidTensor("input '" + name + "' needs a \"data\" array");
        }
        if (count > Integer.MAX_VALUE / Math.max(1, type.size)) {
            throw new ProblemException(413, "payload_too_large", "input '" + name + "' has too many elements");
        }
        // The shape is only a claim until "data" is counted: start small and grow with the elements actually sent
        // (bounded by the body), so a tiny body whose shape claims gigabytes cannot make the gateway allocate them.
        int initial = type == Datatype.BYTES ? 4096 : (int) Math.min(count * type.size, INITIAL_DATA_BYTES);
        ByteBuffer raw = ByteBuffer.allocate(initial).order(ByteOrder.LITTLE_ENDIAN);
        long[] seen = {0};
        raw = flatten(data, type, name, raw, seen);
        if (seen[0] != count) {
            throw ProblemException.invalidTensor(
                    "input '" + name + "' has " + seen[0] + " elements in \"data\" but its" + " shape needs " + count);
        }
        return raw;
    }

    private static ByteBuffer flatten(JsonNode node, Datatype type, String name, ByteBuffer raw, long[] seen) {
        for (JsonNode e : node) {
            if (e.isArray()) {
                raw = flatten(e, type, name, raw, seen);
                continue;
            }
            seen[0]++;
            if (type == Datatype.BYTES) {
                if (!e.isTextual()) {
                    throw ProblemException.invalidTensor("BYTES input '" + name + "' must hold strings, found " + e);
                }
                byte[] bytes = e.textValue().getBytes(StandardCharsets.UTF_8);
                raw = room(raw, 4 + bytes.length);
                raw.putInt(bytes.length).put(bytes);
            } else {
                raw = room(raw, type.size);
                put(raw, type, e, name);
            }
        }
        return raw;
    }

    private static ByteBuffer room(ByteBuffer raw, int needed) {
        if (raw.remaining() >= needed) {
            return raw;
        }
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(raw.capacity() * 2, raw.position() + needed))
                .order(ByteOrder.LITTLE_ENDIAN);
        return bigger.put(raw.flip());
    }

    private static void put(ByteBuffer raw, Datatype type, JsonNode e, String name) {
        if (type == Datatype.BOOL) {
            if (!e.isBoolean()) {
                throw ProblemException.invalidTensor("BOOL input '" + name + "' must hold true/false, found " + e);
            }
            raw.put((byte) (e.booleanValue() ? 1 : 0));
            return;
        }
        if (!e.isNumber()) {
            throw ProblemException.invalidTensor(type + " input '" + name + "' must hold numbers, found " + e);
        }
        switch (type) {
            case FP32 -> raw.putFloat(e.floatValue());
            case FP64 -> raw.putDouble(e.doubleValue());
            case FP16 -> raw.putShort(Float.floatToFloat16(e.floatValue()));
            case BF16 -> raw.putShort(toBfloat16(e.floatValue()));
            case UINT64 -> {
                BigInteger v = integral(e, type, name);
                if (v.signum() < 0 || v.compareTo(UINT64_MAX) > 0) {
                    throw outOfRange(type, name, e);
                }
                raw.putLong(v.longValue());
            }
            default -> {
                BigInteger v = integral(e, type, name);
                if (v.compareTo(BigInteger.valueOf(type.min)) < 0 || v.compareTo(BigInteger.valueOf(type.max)) > 0) {
                    throw outOfRange(type, name, e);
                }
                long x = v.longValue();
                switch (type.size) {
                    case 1 -> raw.put((byte) x);
                    case 2 -> raw.putShort((short) x);
                    case 4 -> raw.putInt((int) x);
                    default -> raw.putLong(x);
                }
            }
        }
    }

    private static BigInteger integral(JsonNode e, Datatype type, String name) {
        if (!e.isIntegralNumber()) {
            throw ProblemException.invalidTensor(type + " input '" + name + "' must hold integers, found " + e);
        }
        return e.bigIntegerValue();
    }

    private static ProblemException outOfRange(Datatype type, String name, JsonNode e) {
        return ProblemException.invalidTensor(e + " does not fit " + type + " (input '" + name + "')");
    }

    /** Round to nearest even on the 16 dropped bits; NaN stays a (quiet) NaN. */
    static short toBfloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    private static void writeData(JsonGenerator g, Datatype type, ByteBuffer raw, String name) throws IOException {
        raw.order(ByteOrder.LITTLE_ENDIAN);
        g.writeStartArray();
        if (type == Datatype.BYTES) {
            var utf8 = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
            while (raw.hasRemaining()) {
                int len = raw.remaining() >= 4 ? raw.getInt() : -1;
                if (len < 0 || len > raw.remaining()) {
                    throw new ProblemException(
                            502, "worker_error", "the worker's BYTES output '" + name + "' is malformed");
                }
                ByteBuffer element = raw.slice(raw.position(), len);
                raw.position(raw.position() + len);
                try {
                    CharBuffer text = utf8.decode(element);
                    g.writeString(text.toString());
                } catch (CharacterCodingException e) {
                    throw new ProblemException(
                            502,
                            "worker_error",
                            "BYTES output '" + name + "' is not UTF-8 text and cannot be written as a JSON string");
                }
            }
        } else {
            while (raw.hasRemaining()) {
                switch (type) {
                    case BOOL -> g.writeBoolean(raw.get() != 0);
                    case UINT8 -> g.writeNumber(raw.get() & 0xFF);
                    case INT8 -> g.writeNumber(raw.get());
                    case UINT16 -> g.writeNumber(raw.getShort() & 0xFFFF);
                    case INT16 -> g.writeNumber(raw.getShort());
                    case UINT32 -> g.writeNumber(raw.getInt() & 0xFFFFFFFFL);
                    case INT32 -> g.writeNumber(raw.getInt());
                    case UINT64 -> g.writeNumber(new BigInteger(Long.toUnsignedString(raw.getLong())));
                    case INT64 -> g.writeNumber(raw.getLong());
                    case FP16 -> g.writeNumber(Float.float16ToFloat(raw.getShort()));
                    case BF16 -> g.writeNumber(Float.intBitsToFloat((raw.getShort() & 0xFFFF) << 16));
                    case FP32 -> g.writeNumber(raw.getFloat());
                    case FP64 -> g.writeNumber(raw.getDouble());
                    default -> throw new IllegalStateException(type.name());
                }
            }
        }
        g.writeEndArray();
    }

    private static String text(JsonNode node, String field, String what) {
        JsonNode v = node.path(field);
        if (!v.isTextual() || v.textValue().isEmpty()) {
            throw ProblemException.invalidTensor(what + " needs a non-empty string \"" + field + "\"");
        }
        return v.textValue();
    }

    private static long[] shape(JsonNode shape, String name) {
        if (!shape.isArray()) {
            throw ProblemException.invalidTensor("input '" + name + "' needs a \"shape\" array");
        }
        long[] dims = new long[shape.size()];
        for (int i = 0; i < dims.length; i++) {
            JsonNode d = shape.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.longValue() < 0) {
                throw ProblemException.invalidTensor("input '" + name + "' has a bad dimension " + d + " in its shape");
            }
            dims[i] = d.longValue();
        }
        return dims;
    }

    private static InferParameter parameter(String key, JsonNode v) {
        if (v.isBoolean()) {
            return InferParameter.newBuilder().setBoolParam(v.booleanValue()).build();
        }
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            return InferParameter.newBuilder().setInt64Param(v.longValue()).build();
        }
        if (v.isTextual()) {
            return InferParameter.newBuilder().setStringParam(v.textValue()).build();
        }
        throw ProblemException.invalid("parameter '" + key + "' must be a boolean, an integer or a string");
    }
}
