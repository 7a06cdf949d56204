package io.infermesh.pool.grpc;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.infermesh.pool.WorkerException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.jboss.logging.Logger;

/**
 * The one place errors become gRPC statuses. A {@link WorkerException}'s code picks the status code and its message
 * is the description; a {@code google.rpc.ErrorInfo} detail carries the same code as {@code reason} (domain {@code
 * infermesh.io}) for clients that branch on it. Anything else is a bug: logged here once with the request id, and
 * answered INTERNAL without internals.
 */
public final class GrpcStatusMapper {
    static final String DOMAIN = "infermesh.io";
    private static final Logger LOG = Logger.getLogger(GrpcStatusMapper.class);

    private GrpcStatusMapper() {}

    public static StatusRuntimeException toStatus(Throwable error, String requestId) {
        Throwable e = unwrap(error);
        if (e instanceof StatusRuntimeException s) {
            return s;
        }
        if (e instanceof CancellationException) {
            return Status.CANCELLED.withDescription("the call was cancelled").asRuntimeException();
        }
        if (!(e instanceof WorkerException w)) {
            LOG.errorf(e, "request %s failed unexpectedly", requestId);
            return withInfo(
                    Status.Code.INTERNAL,
                    "INTERNAL",
                    "internal error" + (requestId.isEmpty() ? "" : " (request " + requestId + ")"));
        }
        if (w.code() == WorkerException.Code.INTERNAL) {
            LOG.errorf(w, "request %s: %s", requestId, w.getMessage());
        }
        return withInfo(code(w.code()), w.code().name(), w.getMessage());
    }

    static Status.Code code(WorkerException.Code code) {
        return switch (code) {
            case INVALID_ARGUMENT -> Status.Code.INVALID_ARGUMENT;
            case NOT_FOUND -> Status.Code.NOT_FOUND;
            case RESOURCE_EXHAUSTED -> Status.Code.RESOURCE_EXHAUSTED;
            case DEADLINE_EXCEEDED -> Status.Code.DEADLINE_EXCEEDED;
            case UNAVAILABLE -> Status.Code.UNAVAILABLE;
            case DATA_LOSS -> Status.Code.DATA_LOSS;
            case FAILED_PRECONDITION -> Status.Code.FAILED_PRECONDITION;
            case ABORTED -> Status.Code.ABORTED;
            case INTERNAL -> Status.Code.INTERNAL;
        };
    }

    private static StatusRuntimeException withInfo(Status.Code code, String reason, String message) {
        com.google.rpc.Status status = com.google.rpc.Status.newBuilder()
                .setCode(code.value())
                .setMessage(message)
                .addDetails(Any.pack(ErrorInfo.newBuilder()
                        .setReason(reason)
                        .setDomain(DOMAIN)
                        .build()))
                .build();
        return StatusProto.toStatusRuntimeException(status);
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
