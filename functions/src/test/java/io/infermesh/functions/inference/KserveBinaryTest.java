package io.infermesh.functions.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.infermesh.functions.api.ProblemException;
import io.infermesh.functions.testing.Refusals;
import io.infermesh.openapi.inference.ModelInferRequest;
import io.infermesh.openapi.inference.ModelInferResponse;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KserveBinaryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The JSON header, then the tensors' bytes, split the way the gateway splits a request with the header. */
    private static KserveBinary.Body framed(String json, byte[]... tensors) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        out.writeBytes(header);
        for (byte[] t : tensors) {
            out.writeBytes(t);
        }
        return KserveBinary.split(out.toByteArray(), Integer.toString(header.length));
    }

    private static ModelInferRequest toGrpc(KserveBinary.Body body) throws Exception {
        JsonNode json = JSON.readTree(body.bytes(), 0, body.jsonLength());
        return KserveJson.toGrpc(json, body, "org/m", "bafyv", "req-1");
    }

    private static ProblemException refused(int status, String code, KserveBinary.Body body) {
        return Refusals.refused(status, code, () -> toGrpc(body));
    }

    private static ByteBuffer le(int capacity) {
        return ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static byte[] strings(String... values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String v : values) {
            byte[] b = v.getBytes(StandardCharsets.UTF_8);
            out.writeBytes(le(4).putInt(b.length).array());
            out.writeBytes(b);
        }
        return out.toByteArray();
    }

    private static byte[] floats(float... values) {
        ByteBuffer b = le(values.length * 4);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    /** The worker's answer to {@code request}: every input echoed back as an output of the same name. */
    private static ModelInferResponse echo(ModelInferRequest request) {
        ModelInferResponse.Builder echo =
                ModelInferResponse.newBuilder().setModelVersion("bafyv").setId("req-1");
        for (int i = 0; i < request.getInputsCount(); i++) {
            var in = request.getInputs(i);
            echo.addOutputs(ModelInferResponse.InferOutputTensor.newBuilder()
                    .setName(in.getName())
                    .setDatatype(in.getDatatype())
                    .addAllShape(in.getShapeList()));
            echo.addRawOutputContents(request.getRawInputContents(i));
        }
        return echo.build();
    }

    @Test
    void splitsABodyAtItsHeaderLengthAndTakesABodyWithoutTheHeaderAsAllJson() {
        byte[] bytes = "{\"inputs\":[]}abc".getBytes(StandardCharsets.UTF_8);
        KserveBinary.Body body = KserveBinary.split(bytes, " 13 ");
        assertEquals(13, body.jsonLength());
        assertEquals(3, body.binaryLength());
        assertTrue(body.framed());
        KserveBinary.Body plain = KserveBinary.split(bytes, null);
        assertEquals(bytes.length, plain.jsonLength());
        assertEquals(0, plain.binaryLength());
        assertFalse(plain.framed());
    }

    @Test
    void refusesAHeaderLengthThatIsNotALengthWithinTheBody() {
        byte[] bytes = "{\"inputs\":[]}".getBytes(StandardCharsets.UTF_8);
        for (String bad : List.of("abc", "-1", "", "1.5", "0x10", "99999999999999999999", "14")) {
            ProblemException e = assertThrows(ProblemException.class, () -> KserveBinary.split(bytes, bad), bad);
            assertEquals(400, e.status(), bad);
            assertEquals("invalid_request", e.problemCode(), bad);
            assertTrue(e.getMessage().startsWith("Inference-Header-Content-Length"), e.getMessage());
        }
        assertEquals(
                "Inference-Header-Content-Length is 14 but the body has only 13 bytes; it gives the length of the JSON"
                        + " part, which the binary tensor data follows",
                assertThrows(ProblemException.class, () -> KserveBinary.split(bytes, "14"))
                        .getMessage());
    }

    @Test
    void sendsBinaryInputsToTheWorkerAsTheyCameAndJsonInputsInTheSameRawLayout() throws Exception {
        byte[] text = strings("héllo", "");
        byte[] fp32 = floats(1.5f, -2f);
        byte[] bool = {1, 0, 1};
        ModelInferRequest grpc = toGrpc(framed("""
                {"inputs": [
                  {"name": "s", "datatype": "BYTES", "shape": [2], "parameters": {"binary_data_size": %d}},
                  {"name": "ids", "datatype": "INT32", "shape": [2], "data": [1, 258]},
                  {"name": "f", "datatype": "FP32", "shape": [1, 2], "parameters": {"binary_data_size": 8}},
                  {"name": "b", "datatype": "BOOL", "shape": [3], "parameters": {"binary_data_size": 3}}
                ], "parameters": {"binary_data_output": true, "priority": 1}}""".formatted(text.length), text, fp32, bool));
        assertEquals(4, grpc.getRawInputContentsCount(), "every input travels raw, the JSON one too");
        assertEquals(ByteString.copyFrom(text), grpc.getRawInputContents(0));
        assertEquals(ByteString.copyFrom(new byte[] {1, 0, 0, 0, 2, 1, 0, 0}), grpc.getRawInputContents(1));
        assertEquals(ByteString.copyFrom(fp32), grpc.getRawInputContents(2));
        assertEquals(ByteString.copyFrom(bool), grpc.getRawInputContents(3));
        assertEquals(List.of(1L, 2L), grpc.getInputs(2).getShapeList());
        assertFalse(
                grpc.containsParameters("binary_data_output"),
                "the response encoding is the gateway's, not the worker's");
        assertEquals(1, grpc.getParametersOrThrow("priority").getInt64Param());
    }

    @Test
    void answersBinaryOutputsAfterTheJsonHeaderInOutputOrder() throws Exception {
        byte[] text = strings("a", "bc");
        byte[] fp32 = floats(0.25f, 3f);
        ModelInferRequest grpc = toGrpc(framed("""
                {"inputs": [
                  {"name": "s", "datatype": "BYTES", "shape": [2], "parameters": {"binary_data_size": %d}},
                  {"name": "ids", "datatype": "INT64", "shape": [1], "data": [7]},
                  {"name": "f", "datatype": "FP32", "shape": [2], "parameters": {"binary_data_size": 8}}
                ]}""".formatted(text.length), text, fp32));
        JsonNode request = JSON.readTree("""
                {"parameters": {"binary_data_output": true},
                 "outputs": [{"name": "ids", "parameters": {"binary_data": false}}, {"name": "f"}]}""");
        PaidInference.Rendered r = KserveJson.render(echo(grpc), "org/m", KserveBinary.Outputs.of(request));

        assertEquals("application/octet-stream", r.contentType());
        int jsonLength = Integer.parseInt(r.headers().get("Inference-Header-Content-Length"));
        JsonNode header = JSON.readTree(r.body(), 0, jsonLength);
        JsonNode outputs = header.path("outputs");
        assertEquals("org/m", header.path("model_name").asText());
        assertEquals(
                text.length,
                outputs.get(0).path("parameters").path("binary_data_size").asInt());
        assertFalse(outputs.get(0).has("data"));
        assertEquals("[7]", outputs.get(1).path("data").toString(), "binary_data false overrides the request");
        assertFalse(outputs.get(1).has("parameters"));
        assertEquals(
                8, outputs.get(2).path("parameters").path("binary_data_size").asInt());
        assertEquals("[2]", outputs.get(2).path("shape").toString());
        byte[] tail = Arrays.copyOfRange(r.body(), jsonLength, r.body().length);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(text);
        expected.writeBytes(fp32);
        assertArrayEquals(expected.toByteArray(), tail);
    }

    @Test
    void answersJsonExactlyAsBeforeWhenNoOutputIsBinary() throws Exception {
        ModelInferRequest grpc = toGrpc(framed(
                "{\"inputs\": [{\"name\": \"f\", \"datatype\": \"FP32\", \"shape\": [2],"
                        + " \"parameters\": {\"binary_data_size\": 8}}],"
                        + " \"outputs\": [{\"name\": \"f\", \"parameters\": {\"binary_data\": false}}]}",
                floats(1f, 2f)));
        KserveBinary.Outputs outputs = KserveBinary.Outputs.of(
                JSON.readTree("{\"outputs\": [{\"name\": \"f\", \"parameters\": {\"binary_data\": false}}]}"));
        PaidInference.Rendered r = KserveJson.render(echo(grpc), "org/m", outputs);
        assertEquals(Map.of("Content-Type", "application/json"), r.headers());
        assertArrayEquals(KserveJson.toJson(echo(grpc), "org/m"), r.body());
        assertEquals(
                "[1.0,2.0]",
                JSON.readTree(r.body()).path("outputs").get(0).path("data").toString());
    }

    @Test
    void refusesSizesThatDoNotAddUpToTheBinaryPart() {
        String oneInput = "{\"inputs\": [{\"name\": \"f\", \"datatype\": \"FP32\", \"shape\": [2],"
                + " \"parameters\": {\"binary_data_size\": 8}}]}";
        ProblemException shortBody = refused(400, "invalid_request", framed(oneInput, floats(1f)));
        assertEquals(
                "the inputs' binary_data_size values add up to 8 bytes but 4 bytes follow the " + oneInput.length()
                        + "-byte JSON",
                shortBody.getMessage());
        refused(400, "invalid_request", framed(oneInput, floats(1f, 2f, 3f)));
        ProblemException unframed = assertThrows(
                ProblemException.class, () -> KserveJson.toGrpc(JSON.readTree(oneInput), "org/m", "bafyv", "req-1"));
        assertEquals(400, unframed.status());
        assertTrue(unframed.getMessage().contains("without Inference-Header-Content-Length"), unframed.getMessage());
        String jsonOnly = "{\"inputs\": [{\"name\": \"f\", \"datatype\": \"FP32\", \"shape\": [1], \"data\": [1]}]}";
        refused(400, "invalid_request", framed(jsonOnly, new byte[] {0}));
    }

    @Test
    void refusesATensorWhoseBytesDoNotFitItsDatatypeAndShape() {
        String fp32 = "{\"inputs\": [{\"name\": \"f\", \"datatype\": \"FP32\", \"shape\": [2, 2],"
                + " \"parameters\": {\"binary_data_size\": %d}}]}";
        assertEquals(
                "input 'f' has binary_data_size 6, not a multiple of the 4-byte FP32 element",
                refused(422, "invalid_tensor", framed(fp32.formatted(6), new byte[6]))
                        .getMessage());
        assertEquals(
                "input 'f' has binary_data_size 8 but its FP32 shape [2, 2] needs 16 bytes (4 elements of 4)",
                refused(422, "invalid_tensor", framed(fp32.formatted(8), new byte[8]))
                        .getMessage());
        String bool = "{\"inputs\": [{\"name\": \"b\", \"datatype\": \"BOOL\", \"shape\": [2],"
                + " \"parameters\": {\"binary_data_size\": 2}}]}";
        assertEquals(
                "BOOL input 'b' holds byte 2 at element 1; BOOL elements are 0 or 1",
                refused(422, "invalid_tensor", framed(bool, new byte[] {1, 2})).getMessage());
    }

    @Test
    void refusesBytesElementsThatRunPastTheirTensorOrMissItsShape() {
        String bytes = "{\"inputs\": [{\"name\": \"s\", \"datatype\": \"BYTES\", \"shape\": [%d],"
                + " \"parameters\": {\"binary_data_size\": %d}}]}";
        byte[] pastTheEnd = le(6).putInt(10).put((byte) 'a').put((byte) 'b').array();
        assertEquals(
                "BYTES input 's' (binary_data_size 6): element 0 says 10 bytes but only 2 remain; each element is a"
                        + " 4-byte little-endian length and then that many bytes",
                refused(422, "invalid_tensor", framed(bytes.formatted(1, 6), pastTheEnd))
                        .getMessage());
        byte[] shortLength = {1, 0, 0, 0, 'a', 2, 0};
        assertTrue(refused(422, "invalid_tensor", framed(bytes.formatted(2, 7), shortLength))
                .getMessage()
                .contains("element 1 starts 2 byte(s) before the end"));
        byte[] two = strings("a", "b");
        assertTrue(refused(422, "invalid_tensor", framed(bytes.formatted(3, two.length), two))
                .getMessage()
                .contains("it holds 2 elements but its shape needs 3"));
    }

    @Test
    void refusesAnInputWithBothDataAndABinarySizeOrASizeThatIsNoSize() {
        assertEquals(
                "input 'f' has both \"data\" and binary_data_size; send its elements either as JSON \"data\" or as"
                        + " binary data after the JSON, not both",
                refused(
                                422,
                                "invalid_tensor",
                                framed(
                                        "{\"inputs\": [{\"name\": \"f\", \"datatype\": \"FP32\", \"shape\": [1],"
                                                + " \"data\": [1], \"parameters\": {\"binary_data_size\": 4}}]}",
                                        floats(1f)))
                        .getMessage());
        for (String size : List.of("-4", "4.5", "\"4\"", "null")) {
            refused(
                    422,
                    "invalid_tensor",
                    framed(
                            "{\"inputs\": [{\"name\": \"f\", \"datatype\": \"FP32\", \"shape\": [1],"
                                    + " \"parameters\": {\"binary_data_size\": " + size + "}}]}",
                            floats(1f)));
        }
    }

    @Test
    void readsWhichOutputsGoBackBinaryAndRefusesFlagsThatAreNotBooleans() throws Exception {
        KserveBinary.Outputs none = KserveBinary.Outputs.of(JSON.readTree("{\"outputs\": [{\"name\": \"y\"}]}"));
        assertFalse(none.binary("y"));
        assertFalse(none.any());
        KserveBinary.Outputs one = KserveBinary.Outputs.of(
                JSON.readTree("{\"outputs\": [{\"name\": \"y\", \"parameters\": {\"binary_data\": true}}]}"));
        assertTrue(one.binary("y"));
        assertTrue(one.any());
        assertFalse(one.binary("z"));
        KserveBinary.Outputs all =
                KserveBinary.Outputs.of(JSON.readTree("{\"parameters\": {\"binary_data_output\": true}}"));
        assertTrue(all.binary("anything"));
        for (String bad : List.of(
                "{\"parameters\": {\"binary_data_output\": 1}}",
                "{\"outputs\": [{\"name\": \"y\", \"parameters\": {\"binary_data\": \"true\"}}]}")) {
            ProblemException e =
                    assertThrows(ProblemException.class, () -> KserveBinary.Outputs.of(JSON.readTree(bad)), bad);
            assertEquals(422, e.status());
            assertEquals("invalid_request", e.problemCode());
        }
    }

    @Test
    void reportsAWorkerOutputThatDoesNotFitItsShapeAsAWorkerError() {
        for (ModelInferResponse.InferOutputTensor.Builder t : List.of(
                ModelInferResponse.InferOutputTensor.newBuilder()
                        .setName("f")
                        .setDatatype("FP32")
                        .addShape(3),
                ModelInferResponse.InferOutputTensor.newBuilder()
                        .setName("s")
                        .setDatatype("BYTES")
                        .addShape(1))) {
            ModelInferResponse response = ModelInferResponse.newBuilder()
                    .addOutputs(t)
                    .addRawOutputContents(ByteString.copyFrom(new byte[] {9, 0, 0, 0, 1, 2, 3, 4}))
                    .build();
            ProblemException e = assertThrows(
                    ProblemException.class,
                    () -> KserveJson.render(response, "org/m", new KserveBinary.Outputs(true, Map.of())));
            assertEquals(502, e.status());
            assertEquals("worker_error", e.problemCode());
        }
    }
}
