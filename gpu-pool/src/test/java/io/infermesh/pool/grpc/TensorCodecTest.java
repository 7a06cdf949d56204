package io.infermesh.pool.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.infermesh.openapi.inference.ModelInferRequest;
import io.infermesh.pool.WorkerException;
import org.junit.jupiter.api.Test;

class TensorCodecTest {
    private static ModelInferRequest raw(String datatype, long[] shape, byte[] data) {
        ModelInferRequest.InferInputTensor.Builder in =
                ModelInferRequest.InferInputTensor.newBuilder().setName("x").setDatatype(datatype);
        for (long d : shape) {
            in.addShape(d);
        }
        return ModelInferRequest.newBuilder()
                .setModelName("m")
                .addInputs(in)
                .addRawInputContents(ByteString.copyFrom(data))
                .build();
    }

    @Test
    void refusesARawTensorWhoseByteSizeOverflowsWithInvalidArgument() {
        // 2^62 FP32 elements fit in a long, but their 2^64 bytes do not.
        ModelInferRequest request = raw("FP32", new long[] {1L << 62}, new byte[8]);
        RuntimeException e =
                assertThrows(RuntimeException.class, () -> TensorCodec.decode(request, 1 << 20, Long.MAX_VALUE));
        assertEquals(
                Status.Code.INVALID_ARGUMENT,
                GrpcStatusMapper.toStatus(e, "r1").getStatus().getCode(),
                "caller sees " + e);
        WorkerException w = (WorkerException) e;
        assertTrue(w.getMessage().contains("'x'"), w.getMessage());
    }

    @Test
    void refusesARawTensorWhoseShapeProductOverflowsALongWithInvalidArgument() {
        ModelInferRequest request = raw("INT8", new long[] {1L << 32, 1L << 32}, new byte[8]);
        WorkerException e =
                assertThrows(WorkerException.class, () -> TensorCodec.decode(request, 1 << 20, Long.MAX_VALUE));
        assertEquals(WorkerException.Code.INVALID_ARGUMENT, e.code());
    }

    @Test
    void refusesBytesWhoseLastLengthPrefixIsTruncated() {
        // One complete element "ab", then 2 bytes of a 4-byte prefix.
        byte[] data = {2, 0, 0, 0, 'a', 'b', 1, 0};
        WorkerException e = assertThrows(
                WorkerException.class,
                () -> TensorCodec.decode(raw("BYTES", new long[] {2}, data), 1 << 20, Long.MAX_VALUE));
        assertEquals(WorkerException.Code.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("length prefix"), e.getMessage());
    }
}
