package io.infermesh.functions.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.infermesh.functions.api.ProblemException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The KServe v2 / Triton binary tensor data extension ({@value #EXTENSION}) on the REST inference body, as {@code
 * tritonclient.http} speaks it.
 *
 * <p>Request: the header {@value #HEADER_LENGTH}{@code : N} says the first N bytes of the body are the JSON inference
 * request; the bytes after it are the data of the inputs whose {@code parameters} carry {@code "binary_data_size": K}
 * (and no {@code data}), concatenated in input order. Without the header the whole body is JSON. The raw layout is the
 * gRPC {@code raw_input_contents} one: elements little-endian, row-major, no padding; BOOL one byte (0 or 1); BYTES
 * each element a 4-byte little-endian unsigned length followed by that many bytes.
 *
 * <p>Response: an output goes back binary when its requested output says {@code "binary_data": true}, or when the
 * request parameter {@code "binary_data_output": true} and the output does not say {@code false}. The body is then
 * the JSON response, where binary outputs carry {@code "parameters": {"binary_data_size": K}} instead of {@code data},
 * followed by their bytes in output order; {@value #HEADER_LENGTH} gives the JSON's length.
 *
 * <p>A body whose framing does not add up (the header value, the sizes' total) is a 400 {@code invalid_request}, like
 * a body that is not JSON; a tensor whose bytes do not fit its datatype and shape is a 422 {@code invalid_tensor},
 * like JSON {@code data} that does not.
 */
public final class KserveBinary {
    /** The header giving the length in bytes of the JSON part of a body, request or response. */
    public static final String HEADER_LENGTH = "Inference-Header-Content-Length";

    /** The name server metadata lists under {@code extensions}. */
    public static final String EXTENSION = "binary_tensor_data";

    static final String SIZE = "binary_data_size";
    static final String OUTPUT = "binary_data";
    static final String ALL_OUTPUTS = "binary_data_output";

    private KserveBinary() {}

    /**
     * A request body: the first {@code jsonLength} bytes are the JSON inference request, the rest binary tensor data.
     *
     * @param bytes the whole body; not copied, and not to be changed afterwards (binary inputs are sent from it)
     * @param framed whether the request had {@value #HEADER_LENGTH}
     */
    public record Body(byte[] bytes, int jsonLength, boolean framed) {
        public Body {
            if (jsonLength < 0 || jsonLength > bytes.length) {
                throw new IllegalArgumentException("json length " + jsonLength + " outside 0.." + bytes.length);
            }
        }

        /** A body that is JSON only (no {@value #HEADER_LENGTH}). */
        public static Body json(byte[] bytes) {
            return new Body(bytes, bytes.length, false);
        }

        /** Bytes after the JSON part. */
        public int binaryLength() {
            return bytes.length - jsonLength;
        }
    }

    /**
     * Splits a request body by its {@value #HEADER_LENGTH} value.
     *
     * @param headerLength the header's value; null when the request had none (the body is JSON only)
     * @throws ProblemException 400 {@code invalid_request} when the value is not a length within the body
     */
    public static Body split(byte[] body, String headerLength) {
        if (headerLength == null) {
            return Body.json(body);
        }
        long n;
        try {
            n = Long.parseLong(headerLength.strip());
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 0) {
            throw malformed(HEADER_LENGTH + " must be the length in bytes of the JSON part of the body, a"
                    + " non-negative integer; got '" + headerLength + "'");
        }
        if (n > body.length) {
            throw malformed(HEADER_LENGTH + " is " + n + " but the body has only " + body.length + " bytes; it gives"
                    + " the length of the JSON part, which the binary tensor data follows");
        }
        return new Body(body, (int) n, true);
    }

    /**
     * Which outputs of one request go back as binary data.
     *
     * @param all the request parameter {@code binary_data_output}: the default for every output
     * @param named the outputs whose request says {@code binary_data} themselves, by name
     */
    public record Outputs(boolean all, Map<String, Boolean> named) {
        /** Every output as JSON. */
        public static final Outputs NONE = new Outputs(false, Map.of());

        public Outputs {
            named = Map.copyOf(named);
        }

        /**
         * Reads the choice from a JSON inference request.
         *
         * @throws ProblemException 422 {@code invalid_request} when a flag is not a boolean
         */
        public static Outputs of(JsonNode request) {
            boolean all = flag(request.path("parameters"), ALL_OUTPUTS, "the request parameter");
            Map<String, Boolean> named = new HashMap<>();
            for (JsonNode output : request.path("outputs")) {
                JsonNode parameters = output.path("parameters");
                if (parameters.has(OUTPUT) && output.path("name").isTextual()) {
                    String name = output.path("name").textValue();
                    named.put(name, flag(parameters, OUTPUT, "output '" + name + "' parameter"));
                }
            }
            return all || !named.isEmpty() ? new Outputs(all, named) : NONE;
        }

        /** Whether some output may go back binary. */
        public boolean any() {
            return all || named.containsValue(true);
        }

        /** Whether output {@code name} goes back binary. */
        public boolean binary(String name) {
            return named.getOrDefault(name, all);
        }

        private static boolean flag(JsonNode parameters, String key, String what) {
            JsonNode v = parameters.path(key);
            if (v.isMissingNode() || v.isNull()) {
                return false;
            }
            if (!v.isBoolean()) {
                throw ProblemException.invalid(what + " '" + key + "' must be true or false; got " + v);
            }
            return v.booleanValue();
        }
    }

    /**
     * The binary inputs of one request, in input order: which inputs are binary, how many bytes each declares, and
     * where each one's bytes start. Built once the declared sizes are known to add up to the binary part exactly. Not
     * thread-safe.
     */
    static final class Inputs {
        private final byte[] body;
        private final long[] sizes;
        private final int[] offsets;

        private Inputs(byte[] body, long[] sizes, int[] offsets) {
            this.body = body;
            this.sizes = sizes;
            this.offsets = offsets;
        }

        /**
         * Reads each input's {@code binary_data_size} and checks their total is the body's binary part.
         *
         * @throws ProblemException 400 {@code invalid_request} when the total differs, 422 {@code invalid_tensor} for
         *     a size that is not a non-negative integer or an input with both {@code data} and a size
         */
        static Inputs of(Body body, JsonNode inputs) {
            long[] sizes = new long[inputs.size()];
            int[] offsets = new int[inputs.size()];
            long total = 0;
            for (int i = 0; i < sizes.length; i++) {
                JsonNode input = inputs.get(i);
                JsonNode size = input.path("parameters").path(SIZE);
                if (size.isMissingNode()) {
                    sizes[i] = -1;
                    continue;
                }
                String name = input.path("name").isTextual()
                        ? "input '" + input.path("name").textValue() + "'"
                        : "input #" + i;
                if (!size.isIntegralNumber() || !size.canConvertToLong() || size.longValue() < 0) {
                    throw ProblemException.invalidTensor(
                            name + " has " + SIZE + " " + size + "; it must be a non-negative integer (bytes)");
                }
                if (input.has("data")) {
                    throw ProblemException.invalidTensor(name + " has both \"data\" and " + SIZE + "; send its elements"
                            + " either as JSON \"data\" or as binary data after the JSON, not both");
                }
                sizes[i] = size.longValue();
                total = sizes[i] > Long.MAX_VALUE - total ? Long.MAX_VALUE : total + sizes[i];
            }
            if (total != body.binaryLength()) {
                String hint = body.framed()
                        ? ""
                        : "; without " + HEADER_LENGTH + " the whole body is JSON: send that header with the JSON's"
                                + " length in bytes and the tensor bytes after the JSON";
                throw malformed("the inputs' " + SIZE + " values add up to " + total + " bytes but "
                        + body.binaryLength() + " bytes follow the " + body.jsonLength() + "-byte JSON" + hint);
            }
            int offset = body.jsonLength(); // every size is now within the body, so the offsets fit an int
            for (int i = 0; i < sizes.length; i++) {
                offsets[i] = offset;
                offset += (int) Math.max(0, sizes[i]);
            }
            return new Inputs(body.bytes(), sizes, offsets);
        }

        /** Whether input {@code i} comes as binary data. */
        boolean binary(int i) {
            return sizes[i] >= 0;
        }

        /**
         * Input {@code i}'s bytes, shared with the body, once they are checked against its datatype and shape.
         *
         * @param count the element count of {@code shape}
         * @throws ProblemException 422 {@code invalid_tensor} when they do not fit
         */
        ByteString take(int i, String name, Datatype type, long[] shape, long count) {
            int size = (int) sizes[i];
            ByteBuffer raw = ByteBuffer.wrap(body, offsets[i], size).slice();
            if (type == Datatype.BYTES) {
                bytesFault(raw, count).ifPresent(fault -> {
                    throw ProblemException.invalidTensor("BYTES input '" + name + "' (" + SIZE + " " + size
                            + "): " + fault + "; each element is a 4-byte little-endian length and then"
                            + " that many bytes");
                });
            } else {
                if (size % type.size != 0) {
                    throw ProblemException.invalidTensor("input '" + name + "' has " + SIZE + " " + size + ", not a"
                            + " multiple of the " + type.size + "-byte " + type + " element");
                }
                long needed = count * type.size;
                if (size != needed) {
                    throw ProblemException.invalidTensor("input '" + name + "' has " + SIZE + " " + size + " but its "
                            + type + " shape " + Arrays.toString(shape) + " needs " + needed + " bytes (" + count
                            + " elements of " + type.size + ")");
                }
                if (type == Datatype.BOOL) {
                    for (int k = 0; k < size; k++) {
                        if ((raw.get(k) & 0xFE) != 0) {
                            throw ProblemException.invalidTensor("BOOL input '" + name + "' holds byte "
                                    + (raw.get(k) & 0xFF) + " at element " + k + "; BOOL elements are 0 or 1");
                        }
                    }
                }
            }
            return UnsafeByteOperations.unsafeWrap(body, offsets[i], size);
        }
    }

    /**
     * Checks a worker's raw output before it goes to the caller as binary data.
     *
     * @throws ProblemException 502 {@code worker_error} when the bytes do not fit the datatype and shape
     */
    static void checkOutput(String name, Datatype type, List<Long> shape, ByteString raw) {
        long count = 1;
        try {
            for (long d : shape) {
                count = Math.multiplyExact(count, d);
            }
        } catch (ArithmeticException e) {
            count = -1;
        }
        Optional<String> fault;
        if (count < 0) {
            fault = Optional.of("its shape " + shape + " is not a tensor's");
        } else if (type == Datatype.BYTES) {
            fault = bytesFault(raw.asReadOnlyByteBuffer(), count);
        } else if (count > Long.MAX_VALUE / type.size || raw.size() != count * type.size) {
            fault = Optional.of(raw.size() + " bytes do not hold " + type + " shape " + shape);
        } else {
            fault = Optional.empty();
        }
        fault.ifPresent(f -> {
            throw new ProblemException(502, "worker_error", "the worker's output '" + name + "' is malformed: " + f);
        });
    }

    /** Why {@code raw} does not hold exactly {@code expected} BYTES elements; empty when it does. */
    static Optional<String> bytesFault(ByteBuffer raw, long expected) {
        ByteBuffer b = raw.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long seen = 0;
        while (b.hasRemaining()) {
            if (b.remaining() < 4) {
                return Optional.of("element " + seen + " starts " + b.remaining()
                        + " byte(s) before the end, too few for its length");
            }
            long length = Integer.toUnsignedLong(b.getInt());
            if (length > b.remaining()) {
                return Optional.of(
                        "element " + seen + " says " + length + " bytes but only " + b.remaining() + " remain");
            }
            b.position(b.position() + (int) length);
            seen++;
        }
        return seen == expected
                ? Optional.empty()
                : Optional.of("it holds " + seen + " elements but its shape needs " + expected);
    }

    private static ProblemException malformed(String detail) {
        return new ProblemException(400, "invalid_request", detail);
    }
}
