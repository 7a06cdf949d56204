package io.infermesh.functions.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.infermesh.functions.api.ProblemException;
import io.infermesh.openapi.inference.ModelInferRequest;
import io.infermesh.openapi.inference.ModelInferResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class KserveJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s);
    }

    /** Sends a request through the codec, echoes its raw inputs as outputs, and reads the JSON answer back. */
    private static JsonNode roundTrip(String request) throws Exception {
        ModelInferRequest grpc = KserveJson.toGrpc(json(request), "org/m", "", "req-1");
        ModelInferResponse.Builder echo =
                ModelInferResponse.newBuilder().setModelVersion("bafyv").setId("req-1");
        for (int i = 0; i < grpc.getInputsCount(); i++) {
            var in = grpc.getInputs(i);
            echo.addOutputs(ModelInferResponse.InferOutputTensor.newBuilder()
                    .setName(in.getName())
                    .setDatatype(in.getDatatype())
                    .addAllShape(in.getShapeList()));
            echo.addRawOutputContents(grpc.getRawInputContents(i));
        }
        return JSON.readTree(KserveJson.toJson(echo.build(), "org/m"));
    }

    @Test
    void carriesEveryDatatypeThroughRawContentsAndBack() throws Exception {
        JsonNode out = roundTrip("""
                {"inputs": [
                  {"name": "b", "datatype": "BOOL", "shape": [2], "data": [true, false]},
                  {"name": "u8", "datatype": "UINT8", "shape": [2], "data": [0, 255]},
                  {"name": "i16", "datatype": "INT16", "shape": [2], "data": [-32768, 32767]},
                  {"name": "u32", "datatype": "UINT32", "shape": [1], "data": [4294967295]},
                  {"name": "u64", "datatype": "UINT64", "shape": [1], "data": [18446744073709551615]},
                  {"name": "i64", "datatype": "INT64", "shape": [2], "data": [-9223372036854775808, 7]},
                  {"name": "f16", "datatype": "FP16", "shape": [2], "data": [0.5, -2.0]},
                  {"name": "bf16", "datatype": "BF16", "shape": [1], "data": [1.5]},
                  {"name": "f32", "datatype": "FP32", "shape": [2, 2], "data": [[1.25, -0.5], [3.0, 1e-7]]},
                  {"name": "f64", "datatype": "FP64", "shape": [1], "data": [0.1]},
                  {"name": "s", "datatype": "BYTES", "shape": [2], "data": ["héllo", ""]}
                ]}""");
        assertEquals("org/m", out.path("model_name").asText());
        assertEquals("bafyv", out.path("model_version").asText());
        JsonNode o = out.path("outputs");
        assertEquals("[true,false]", o.get(0).path("data").toString());
        assertEquals("[0,255]", o.get(1).path("data").toString());
        assertEquals("[-32768,32767]", o.get(2).path("data").toString());
        assertEquals("[4294967295]", o.get(3).path("data").toString());
        assertEquals("[18446744073709551615]", o.get(4).path("data").toString());
        assertEquals("[-9223372036854775808,7]", o.get(5).path("data").toString());
        assertEquals("[0.5,-2.0]", o.get(6).path("data").toString());
        assertEquals("[1.5]", o.get(7).path("data").toString());
        assertEquals("[2,2]", o.get(8).path("shape").toString());
        assertEquals(1e-7f, (float) o.get(8).path("data").get(3).doubleValue());
        assertEquals(4, o.get(8).path("data").size(), "nested data comes back flat, row-major");
        assertEquals(0.1, o.get(9).path("data").get(0).doubleValue());
        assertEquals("[\"héllo\",\"\"]", o.get(10).path("data").toString());
    }

    @Test
    void sendsRawLittleEndianContentsAndTheRequestedOutputs() throws Exception {
        ModelInferRequest grpc = KserveJson.toGrpc(json("""
                        {"inputs": [{"name": "x", "datatype": "INT32", "shape": [2], "data": [1, 258]}],
                         "outputs": [{"name": "y"}], "parameters": {"priority": 2, "tag": "a"}}"""), "org/m", "bafyv", "id-9");
        assertEquals("org/m", grpc.getModelName());
        assertEquals("bafyv", grpc.getModelVersion());
        assertEquals("id-9", grpc.getId());
        assertEquals(ByteString.copyFrom(new byte[] {1, 0, 0, 0, 2, 1, 0, 0}), grpc.getRawInputContents(0));
        assertEquals("y", grpc.getOutputs(0).getName());
        assertEquals(2, grpc.getParametersOrThrow("priority").getInt64Param());
        assertEquals("a", grpc.getParametersOrThrow("tag").getStringParam());
    }

    @Test
    void roundsBfloat16ToNearestEven() {
        assertEquals((short) 0x3F80, KserveJson.toBfloat16(1.0f));
        // 1 + 2^-8 lies exactly between two bfloat16 values: ties go to the even one (1.0).
        assertEquals((short) 0x3F80, KserveJson.toBfloat16(1.00390625f));
        assertEquals((short) 0x3F82, KserveJson.toBfloat16(1.01171875f));
        assertTrue(Float.isNaN(Float.intBitsToFloat(KserveJson.toBfloat16(Float.NaN) << 16)));
    }

    @Test
    void refusesTensorsThatDoNotMatchTheirShapeOrType() {
        for (String bad : List.of(
                "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [3], \"data\": [1, 2]}]}",
                "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"INT8\", \"shape\": [1], \"data\": [128]}]}",
                "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"INT32\", \"shape\": [1], \"data\": [1.5]}]}",
                "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"UINT64\", \"shape\": [1], \"data\": [-1]}]}",
                "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"BOOL\", \"shape\": [1], \"data\": [1]}]}",
                "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"BYTES\", \"shape\": [1], \"data\": [1]}]}",
                "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP8\", \"shape\": [1], \"data\": [1]}]}",
                "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [-1], \"data\": []}]}",
                "{\"inputs\": [{\"datatype\": \"FP32\", \"shape\": [1], \"data\": [1]}]}",
                "{\"inputs\": []}",
                "[1, 2]")) {
            ProblemException e =
                    assertThrows(ProblemException.class, () -> KserveJson.toGrpc(json(bad), "m", "", ""), bad);
            assertEquals(422, e.status(), bad);
            assertTrue(
                    e.problemCode().equals("invalid_tensor") || e.problemCode().equals("invalid_request"),
                    e.problemCode());
        }
    }

    @Test
    void refusesAShapeTooLargeToHoldAsPayloadTooLarge() {
        ProblemException e = assertThrows(
                ProblemException.class,
                () -> KserveJson.toGrpc(
                        json("{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\","
                                + " \"shape\": [2, 4611686018427387904], \"data\": []}]}"),
                        "m",
                        "",
                        ""));
        assertEquals(413, e.status());
        assertEquals("payload_too_large", e.problemCode());
    }

    @Test
    void namesTheProblemInTheMessage() throws Exception {
        ProblemException e = assertThrows(
                ProblemException.class,
                () -> KserveJson.toGrpc(
                        json("{\"inputs\": [{\"name\": \"ids\", \"datatype\": \"INT64\", \"shape\": [2, 2],"
                                + " \"data\": [1, 2, 3]}]}"),
                        "m",
                        "",
                        ""));
        assertEquals("input 'ids' has 3 elements in \"data\" but its shape needs 4", e.getMessage());
    }

    @Test
    void reportsAWorkerAnswerItCannotWriteAsJson() {
        ByteBuffer bad = ByteBuffer.allocate(6)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(2)
                .put((byte) 0xC3)
                .put((byte) 0x28);
        ModelInferResponse response = ModelInferResponse.newBuilder()
                .addOutputs(ModelInferResponse.InferOutputTensor.newBuilder()
                        .setName("s")
                        .setDatatype("BYTES")
                        .addShape(1))
                .addRawOutputContents(ByteString.copyFrom(bad.flip()))
                .build();
        ProblemException e = assertThrows(ProblemException.class, () -> KserveJson.toJson(response, "m"));
        assertEquals(502, e.status());
        assertEquals("worker_error", e.problemCode());
    }

    @Test
    void aShapeClaimingGigabytesWithOneElementOfDataIsRefusedWithoutAllocatingThem() {
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        ProblemException e = assertThrows(
                ProblemException.class,
                () -> KserveJson.toGrpc(
                        json("{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [500000000],"
                                + " \"data\": [1.0]}]}"),
                        "org/m",
                        "",
                        "req-1"));
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals("invalid_tensor", e.problemCode());
        assertTrue(e.getMessage().contains("shape needs 500000000"), e.getMessage());
        assertTrue(allocated < 64L << 20, "allocated " + allocated + " bytes for a 100-byte request");
    }
}
