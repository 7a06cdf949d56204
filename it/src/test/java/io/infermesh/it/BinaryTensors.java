package io.infermesh.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.response.Response;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Bodies of the KServe binary tensor data extension, built and read the way Triton's HTTP client does: the JSON part,
 * then the tensors' bytes; an answer's binary outputs are found by adding up their {@code binary_data_size} in output
 * order.
 */
final class BinaryTensors {
    static final String JSON_LENGTH = "Inference-Header-Content-Length";

    /** Keeps JSON numbers as written, so a float reads back exactly. */
    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private BinaryTensors() {}

    /** BYTES elements in the binary layout: each a 4-byte little-endian length, then its UTF-8 bytes. */
    static byte[] strings(String... values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String v : values) {
            byte[] b = v.getBytes(StandardCharsets.UTF_8);
            out.writeBytes(ByteBuffer.allocate(4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(b.length)
                    .array());
            out.writeBytes(b);
        }
        return out.toByteArray();
    }

    /** {@code json} then {@code tensors}; the JSON's length goes in {@value #JSON_LENGTH}. */
    static byte[] body(String json, byte[]... tensors) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(json.getBytes(StandardCharsets.UTF_8));
        for (byte[] t : tensors) {
            out.writeBytes(t);
        }
        return out.toByteArray();
    }

    static int jsonLength(String json) {
        return json.getBytes(StandardCharsets.UTF_8).length;
    }

    /**
     * An answer's JSON part and its binary outputs by name.
     *
     * @param json the JSON response at the start of the body
     * @param outputs each binary output's bytes, little-endian
     */
    record Answer(JsonNode json, Map<String, ByteBuffer> outputs) {
        /** The output {@code name}: its bytes when it came binary, else its JSON {@code data} as FP32. */
        float[] fp32(String name) {
            ByteBuffer raw = outputs.get(name);
            if (raw != null) {
                float[] out = new float[raw.remaining() / 4];
                raw.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
                return out;
            }
            JsonNode data = output(name).path("data");
            float[] out = new float[data.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = Float.parseFloat(data.get(i).asText());
            }
            return out;
        }

        JsonNode output(String name) {
            for (JsonNode o : json.path("outputs")) {
                if (o.path("name").asText().equals(name)) {
                    return o;
                }
            }
            throw new AssertionError("no output '" + name + "' in " + json);
        }
    }

    /** Reads a 200 answer, JSON or binary. */
    static Answer read(Response r) {
        byte[] body = r.asByteArray();
        String header = r.header(JSON_LENGTH);
        int jsonLength = header == null ? body.length : Integer.parseInt(header);
        JsonNode json;
        try {
            json = JSON.readTree(body, 0, jsonLength);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, ByteBuffer> outputs = new LinkedHashMap<>();
        int offset = jsonLength;
        for (JsonNode o : json.path("outputs")) {
            JsonNode size = o.path("parameters").path("binary_data_size");
            if (!size.isMissingNode()) {
                assertFalse(o.has("data"), "a binary output has no JSON data: " + o);
                outputs.put(
                        o.path("name").asText(),
                        ByteBuffer.wrap(body, offset, size.intValue()).slice());
                offset += size.intValue();
            }
        }
        assertEquals(body.length, offset, "the binary outputs fill the body after the JSON exactly");
        return new Answer(json, outputs);
    }
}
