package io.infermesh.openapi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.infermesh.openapi.inference.GRPCInferenceServiceGrpc;
import io.infermesh.openapi.inference.GrpcServiceProto;
import io.infermesh.openapi.inference.InferTensorContents;
import io.infermesh.openapi.inference.ModelInferRequest;
import io.infermesh.openapi.inference.ModelInferResponse;
import io.infermesh.openapi.inference.ModelStatistics;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Pins the wire contract a Triton client relies on: the full gRPC method names and the field numbers of the
 * messages, so that an accidental edit of {@code grpc_service.proto} fails the build instead of breaking callers.
 */
class InferenceProtocolContractTest {

    @Test
    void servesTheRpcsOfTritonsInferenceServiceUnderTheSameFullNames() {
        List<String> methods = GrpcServiceProto.getDescriptor().getServices().getFirst().getMethods().stream()
                .map(MethodDescriptor::getFullName)
                .toList();
        assertEquals(
                List.of(
                        "inference.GRPCInferenceService.ServerLive",
                        "inference.GRPCInferenceService.ServerReady",
                        "inference.GRPCInferenceService.ModelReady",
                        "inference.GRPCInferenceService.ServerMetadata",
                        "inference.GRPCInferenceService.ModelMetadata",
                        "inference.GRPCInferenceService.ModelInfer",
                        "inference.GRPCInferenceService.ModelStatistics",
                        "inference.GRPCInferenceService.RepositoryIndex",
                        "inference.GRPCInferenceService.RepositoryModelLoad",
                        "inference.GRPCInferenceService.RepositoryModelUnload"),
                methods);
        assertEquals(
                "inference.GRPCInferenceService/ModelInfer",
                GRPCInferenceServiceGrpc.getModelInferMethod().getFullMethodName());
    }

    @Test
    void keepsTheFieldNumbersOfThePublicProtocol() {
        assertFields(
                ModelInferRequest.getDescriptor(),
                Map.of(
                        "model_name", 1,
                        "model_version", 2,
                        "id", 3,
                        "parameters", 4,
                        "inputs", 5,
                        "outputs", 6,
                        "raw_input_contents", 7));
        assertFields(
                ModelInferResponse.getDescriptor(),
                Map.of(
                        "model_name",
                        1,
                        "model_version",
                        2,
                        "id",
                        3,
                        "parameters",
                        4,
                        "outputs",
                        5,
                        "raw_output_contents",
                        6));
        assertFields(
                ModelInferRequest.InferInputTensor.getDescriptor(),
                Map.of("name", 1, "datatype", 2, "shape", 3, "parameters", 4, "contents", 5));
        assertFields(
                InferTensorContents.getDescriptor(),
                Map.of(
                        "bool_contents", 1,
                        "int_contents", 2,
                        "int64_contents", 3,
                        "uint_contents", 4,
                        "uint64_contents", 5,
                        "fp32_contents", 6,
                        "fp64_contents", 7,
                        "bytes_contents", 8));
        assertFields(
                ModelStatistics.getDescriptor(),
                Map.of(
                        "name", 1,
                        "version", 2,
                        "last_inference", 3,
                        "inference_count", 4,
                        "execution_count", 5,
                        "inference_stats", 6,
                        "batch_stats", 7,
                        "memory_usage", 8,
                        "response_stats", 9));
    }

    @Test
    void encodesARawInputRequestByteForByteAsTheProtocolDefines() throws Exception {
        ModelInferRequest request = ModelInferRequest.newBuilder()
                .setModelName("m")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("x")
                        .setDatatype("FP32")
                        .addShape(1))
                .addRawInputContents(ByteString.copyFrom(new byte[] {0, 0, (byte) 0x80, 0x3f}))
                .build();
        // 0a 01 'm' | 2a len { 0a 01 'x' 12 04 "FP32" 1a 01 01 } | 3a 04 <1.0f little-endian>
        byte[] expected = HexFormat.of().parseHex("0a016d2a0c0a01781204465033321a0101" + "3a040000803f");
        assertArrayEquals(expected, request.toByteArray());
        assertEquals(request, ModelInferRequest.parseFrom(expected));
    }

    @Test
    void generatedStubsCarryACallEndToEnd() throws Exception {
        String name = InProcessServerBuilder.generateName();
        Server server = InProcessServerBuilder.forName(name)
                .directExecutor()
                .addService(new GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase() {
                    @Override
                    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
                        out.onNext(ModelInferResponse.newBuilder()
                                .setModelName(request.getModelName())
                                .setId(request.getId())
                                .addRawOutputContents(request.getRawInputContents(0))
                                .build());
                        out.onCompleted();
                    }
                })
                .build()
                .start();
        ManagedChannel channel =
                InProcessChannelBuilder.forName(name).directExecutor().build();
        try {
            ModelInferResponse response = GRPCInferenceServiceGrpc.newBlockingStub(channel)
                    .modelInfer(ModelInferRequest.newBuilder()
                            .setModelName("echo")
                            .setId("req-1")
                            .addRawInputContents(ByteString.copyFromUtf8("abc"))
                            .build());
            assertEquals("req-1", response.getId());
            assertEquals("abc", response.getRawOutputContents(0).toStringUtf8());
        } finally {
            channel.shutdownNow();
            server.shutdownNow();
        }
    }

    private static void assertFields(Descriptor message, Map<String, Integer> numbers) {
        numbers.forEach((field, number) -> assertEquals(
                number.intValue(), message.findFieldByName(field).getNumber(), message.getFullName() + "." + field));
        assertEquals(
                numbers.size(), message.getFields().size(), message.getFullName() + " has extra or missing fields");
    }
}
