package io.infermesh.functions.inference;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.infermesh.functions.api.ProblemException;
import io.infermesh.openapi.inference.ModelInferRequest;
import io.infermesh.openapi.inference.ModelInferResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * OpenAI's {@code POST /v1/embeddings} on a {@code text-embedding} model: the JSON request to a worker's BYTES input,
 * the worker's FP32 {@code [n, dim]} output (plus its per-row {@code token_count}) back to OpenAI's response.
 *
 * <p>Accepted: {@code input} as one string or an array of 1 to {@value #MAX_INPUTS} non-empty strings;
 * {@code encoding_format} {@code float} (default) or {@code base64} (little-endian float32, what the official clients
 * decode); {@code dimensions} only when it equals the model's dimension (the model cannot shorten its vectors);
 * {@code user} is ignored. Token arrays are refused: the gateway does not know the model's vocabulary.
 */
public final class OpenAiEmbeddings {
    public static final int MAX_INPUTS = 2048;
    /** The worker's per-row token counts, summed into {@code usage}. */
    public static final String TOKEN_COUNT_OUTPUT = "token_count";

    private static final JsonFactory JSON = new JsonFactory();

    /**
     * A parsed request.
     *
     * @param model the model reference as the caller wrote it
     * @param texts the strings to embed, in order
     * @param base64 whether vectors go back as base64 float32
     * @param dimensions the dimension the caller insists on, 0 when absent
     */
    public record Request(String model, List<String> texts, boolean base64, int dimensions) {}

    private OpenAiEmbeddings() {}

    public static Request parse(JsonNode body) {
        if (!body.isObject()) {
            throw ProblemException.invalid("the request body must be a JSON object with \"model\" and \"input\"");
        }
        JsonNode model = body.path("model");
        if (!model.isTextual() || model.textValue().isBlank()) {
            throw ProblemException.invalid("\"model\" must name a published model, e.g. \"demo/all-minilm-l6-v2\"");
        }
        List<String> texts = new ArrayList<>();
        JsonNode input = body.path("input");
        if (input.isTextual()) {
            texts.add(input.textValue());
        } else if (input.isArray() && !input.isEmpty()) {
            if (input.size() > MAX_INPUTS) {
                throw ProblemException.invalid("\"input\" has " + input.size() + " items; at most " + MAX_INPUTS);
            }
            for (JsonNode item : input) {
                if (item.isNumber() || item.isArray()) {
                    throw new ProblemException(
                            422,
                            "unsupported_input",
                            "token-id inputs are not supported: send the text itself; the model tokenizes it");
                }
                if (!item.isTextual()) {
                    throw ProblemException.invalid("every item of \"input\" must be a string, found " + item);
                }
                texts.add(item.textValue());
            }
        } else {
            throw ProblemException.invalid("\"input\" must be a string or a non-empty array of strings");
        }
        for (int i = 0; i < texts.size(); i++) {
            if (texts.get(i).isEmpty()) {
                throw ProblemException.invalid("\"input\"[" + i + "] is empty; every input needs some text");
            }
        }
        String format = body.path("encoding_format").asText("float");
        if (!format.equals("float") && !format.equals("base64")) {
            throw ProblemException.invalid(
                    "\"encoding_format\" must be \"float\" or \"base64\", not \"" + format + "\"");
        }
        JsonNode dims = body.path("dimensions");
        int dimensions = 0;
        if (!dims.isMissingNode() && !dims.isNull()) {
            if (!dims.isIntegralNumber() || !dims.canConvertToInt() || dims.intValue() < 1) {
                throw ProblemException.invalid("\"dimensions\" must be a positive integer");
            }
            dimensions = dims.intValue();
        }
        return new Request(model.textValue(), List.copyOf(texts), format.equals("base64"), dimensions);
    }

    /** The worker call: the strings as one raw BYTES tensor {@code [n]} named {@code inputName}. */
    public static ModelInferRequest toGrpc(
            Request request, String model, String version, String inputName, String outputName, String requestId) {
        int size = 0;
        List<byte[]> encoded = new ArrayList<>(request.texts().size());
        for (String t : request.texts()) {
            byte[] b = t.getBytes(StandardCharsets.UTF_8);
            encoded.add(b);
            size += 4 + b.length;
        }
        ByteBuffer raw = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        for (byte[] b : encoded) {
            raw.putInt(b.length).put(b);
        }
        return ModelInferRequest.newBuilder()
                .setModelName(model)
                .setModelVersion(version)
                .setId(requestId)
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder()
                        .setName(inputName)
                        .setDatatype("BYTES")
                        .addShape(request.texts().size()))
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder()
                        .setName(outputName))
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder()
                        .setName(TOKEN_COUNT_OUTPUT))
                .addRawInputContents(ByteString.copyFrom(raw.flip()))
                .build();
    }

    /** OpenAI's response body; {@code servedModel} is the {@code org/name:tag} that answered. */
    public static byte[] toJson(Request request, ModelInferResponse response, String outputName, String servedModel) {
        int out = indexOf(response, outputName);
        ModelInferResponse.InferOutputTensor tensor = response.getOutputs(out);
        if (!tensor.getDatatype().equals("FP32")
                || tensor.getShapeCount() != 2
                || tensor.getShape(0) != request.texts().size()) {
            throw new ProblemException(
                    502,
                    "worker_error",
                    "the worker answered '" + outputName + "' as "
                            + tensor.getDatatype() + " " + tensor.getShapeList() + ", expected FP32 ["
                            + request.texts().size() + ", dim]");
        }
        int n = request.texts().size();
        int dim = Math.toIntExact(tensor.getShape(1));
        if (request.dimensions() != 0 && request.dimensions() != dim) {
            throw ProblemException.invalid("this model's embeddings have " + dim + " dimensions; \"dimensions\": "
                    + request.dimensions() + " cannot be served (leave it out or set it to " + dim + ")");
        }
        ByteBuffer vectors =
                response.getRawOutputContents(out).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        if (vectors.remaining() != (long) n * dim * 4) {
            throw new ProblemException(502, "worker_error", "the worker's embedding bytes do not match its shape");
        }
        long tokens = tokenCount(response, n);
        ByteArrayOutputStream body = new ByteArrayOutputStream(64 + n * dim * (request.base64() ? 6 : 12));
        try (JsonGenerator g = JSON.createGenerator(body)) {
            g.writeStartObject();
            g.writeStringField("object", "list");
            g.writeArrayFieldStart("data");
            byte[] row = new byte[dim * 4];
            for (int i = 0; i < n; i++) {
                g.writeStartObject();
                g.writeStringField("object", "embedding");
                g.writeNumberField("index", i);
                g.writeFieldName("embedding");
                if (request.base64()) {
                    vectors.get(row);
                    g.writeString(Base64.getEncoder().encodeToString(row));
                } else {
                    g.writeStartArray();
                    for (int d = 0; d < dim; d++) {
                        g.writeNumber(vectors.getFloat());
                    }
                    g.writeEndArray();
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeStringField("model", servedModel);
            g.writeObjectFieldStart("usage");
            g.writeNumberField("prompt_tokens", tokens);
            g.writeNumberField("total_tokens", tokens);
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return body.toByteArray();
    }

    private static long tokenCount(ModelInferResponse response, int n) {
        for (int i = 0; i < response.getOutputsCount(); i++) {
            ModelInferResponse.InferOutputTensor t = response.getOutputs(i);
            if (t.getName().equals(TOKEN_COUNT_OUTPUT) && t.getDatatype().equals("INT64")) {
                ByteBuffer counts =
                        response.getRawOutputContents(i).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                long sum = 0;
                for (int r = 0; r < n && counts.remaining() >= 8; r++) {
                    sum += counts.getLong();
                }
                return sum;
            }
        }
        throw new ProblemException(502, "worker_error", "the worker did not report '" + TOKEN_COUNT_OUTPUT + "'");
    }

    private static int indexOf(ModelInferResponse response, String name) {
        for (int i = 0; i < response.getOutputsCount(); i++) {
            if (response.getOutputs(i).getName().equals(name)) {
                if (i >= response.getRawOutputContentsCount()) {
                    break;
                }
                return i;
            }
        }
        throw new ProblemException(502, "worker_error", "the worker's answer has no raw output '" + name + "'");
    }
}
