package io.infermesh.functions.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.infermesh.functions.api.ProblemException;
import io.infermesh.openapi.inference.ModelInferRequest;
import io.infermesh.openapi.inference.ModelInferResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpenAiEmbeddingsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static OpenAiEmbeddings.Request parse(String s) throws Exception {
        return OpenAiEmbeddings.parse(JSON.readTree(s));
    }

    private static ModelInferResponse answer(float[][] vectors, long[] tokens) {
        ByteBuffer v =
                ByteBuffer.allocate(vectors.length * vectors[0].length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] row : vectors) {
            for (float f : row) {
                v.putFloat(f);
            }
        }
        ByteBuffer t = ByteBuffer.allocate(tokens.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long n : tokens) {
            t.putLong(n);
        }
        return ModelInferResponse.newBuilder()
                .addOutputs(ModelInferResponse.InferOutputTensor.newBuilder()
                        .setName("embedding")
                        .setDatatype("FP32")
                        .addShape(vectors.length)
                        .addShape(vectors[0].length))
                .addOutputs(ModelInferResponse.InferOutputTensor.newBuilder()
                        .setName("token_count")
                        .setDatatype("INT64")
                        .addShape(tokens.length))
                .addRawOutputContents(ByteString.copyFrom(v.flip()))
                .addRawOutputContents(ByteString.copyFrom(t.flip()))
                .build();
    }

    @Test
    void acceptsOneStringOrAnArrayOfStrings() throws Exception {
        assertEquals(
                List.of("hi"),
                parse("{\"model\": \"org/m\", \"input\": \"hi\"}").texts());
        OpenAiEmbeddings.Request r =
                parse("{\"model\": \"org/m:v1\", \"input\": [\"a\", \"b\"], \"encoding_format\": \"base64\"}");
        assertEquals(List.of("a", "b"), r.texts());
        assertEquals("org/m:v1", r.model());
        assertEquals(true, r.base64());
    }

    @Test
    void sendsTheStringsAsOneRawBytesTensor() throws Exception {
        ModelInferRequest grpc = OpenAiEmbeddings.toGrpc(
                parse("{\"model\": \"org/m\", \"input\": [\"ab\", \"c\"]}"),
                "org/m",
                "bafyv",
                "text",
                "embedding",
                "r1");
        assertEquals("BYTES", grpc.getInputs(0).getDatatype());
        assertEquals(List.of(2L), grpc.getInputs(0).getShapeList());
        assertEquals(
                ByteString.copyFrom(new byte[] {2, 0, 0, 0, 'a', 'b', 1, 0, 0, 0, 'c'}), grpc.getRawInputContents(0));
        assertEquals(
                List.of("embedding", "token_count"),
                grpc.getOutputsList().stream().map(o -> o.getName()).toList());
    }

    @Test
    void answersInOpenAisShapeWithUsageFromTheWorkersTokenCounts() throws Exception {
        OpenAiEmbeddings.Request r = parse("{\"model\": \"org/m\", \"input\": [\"a\", \"b\"]}");
        JsonNode body = JSON.readTree(OpenAiEmbeddings.toJson(
                r, answer(new float[][] {{0.6f, 0.8f}, {1f, 0f}}, new long[] {3, 4}), "embedding", "org/m:latest"));
        assertEquals("list", body.path("object").asText());
        assertEquals("org/m:latest", body.path("model").asText());
        assertEquals("embedding", body.path("data").get(1).path("object").asText());
        assertEquals(1, body.path("data").get(1).path("index").asInt());
        assertEquals("[0.6,0.8]", body.path("data").get(0).path("embedding").toString());
        assertEquals(7, body.path("usage").path("prompt_tokens").asInt());
        assertEquals(7, body.path("usage").path("total_tokens").asInt());
    }

    @Test
    void encodesBase64AsLittleEndianFloat32() throws Exception {
        OpenAiEmbeddings.Request r = parse("{\"model\": \"org/m\", \"input\": \"a\", \"encoding_format\": \"base64\"}");
        JsonNode body = JSON.readTree(OpenAiEmbeddings.toJson(
                r, answer(new float[][] {{0.25f, -1f}}, new long[] {2}), "embedding", "org/m:latest"));
        ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder()
                        .decode(body.path("data").get(0).path("embedding").asText()))
                .order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0.25f, b.getFloat());
        assertEquals(-1f, b.getFloat());
    }

    @Test
    void refusesWhatItCannotServeWithAnActionableMessage() {
        record Case(String body, String code) {}
        for (Case c : List.of(
                new Case("{\"input\": \"a\"}", "invalid_request"),
                new Case("{\"model\": \"org/m\"}", "invalid_request"),
                new Case("{\"model\": \"org/m\", \"input\": []}", "invalid_request"),
                new Case("{\"model\": \"org/m\", \"input\": [\"\"]}", "invalid_request"),
                new Case("{\"model\": \"org/m\", \"input\": [1, 2, 3]}", "unsupported_input"),
                new Case("{\"model\": \"org/m\", \"input\": [[1, 2]]}", "unsupported_input"),
                new Case("{\"model\": \"org/m\", \"input\": \"a\", \"encoding_format\": \"int8\"}", "invalid_request"),
                new Case("{\"model\": \"org/m\", \"input\": \"a\", \"dimensions\": 0}", "invalid_request"))) {
            ProblemException e = assertThrows(ProblemException.class, () -> parse(c.body()), c.body());
            assertEquals(c.code(), e.problemCode(), c.body());
            assertEquals(422, e.status());
        }
    }

    @Test
    void refusesDimensionsTheModelDoesNotHave() throws Exception {
        OpenAiEmbeddings.Request r = parse("{\"model\": \"org/m\", \"input\": \"a\", \"dimensions\": 256}");
        ProblemException e = assertThrows(
                ProblemException.class,
                () -> OpenAiEmbeddings.toJson(r, answer(new float[][] {{1f, 0f}}, new long[] {1}), "embedding", "m"));
        assertEquals(
                "this model's embeddings have 2 dimensions; \"dimensions\": 256 cannot be served (leave it out or set"
                        + " it to 2)",
                e.getMessage());
    }

    @Test
    void aDimensionsValueBeyondAnIntIsRefusedNotReadAsAnotherNumber() {
        // 2^32 + 384 would wrap to 384 in an int and be served as if the caller had asked for 384
        ProblemException e = assertThrows(
                ProblemException.class,
                () -> parse("{\"model\": \"org/m\", \"input\": \"a\", \"dimensions\": 4294967680}"));
        assertEquals(422, e.status());
        assertEquals("invalid_request", e.problemCode());
    }
}
