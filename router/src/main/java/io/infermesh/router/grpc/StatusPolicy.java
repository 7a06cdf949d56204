package io.infermesh.router.grpc;

import com.google.rpc.ErrorInfo;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.infermesh.router.balance.Feedback;

/**
 * The one place a worker's gRPC status is judged: what it says about the worker ({@link Feedback}) and what the
 * router does next ({@link Action}).
 *
 * <table>
 *   <caption>status → feedback, action</caption>
 *   <tr><th>status</th><th>feedback</th><th>action</th><th>why</th></tr>
 *   <tr><td>OK</td><td>SUCCESS</td><td>SERVED</td><td></td></tr>
 *   <tr><td>UNAVAILABLE (also connection refused/reset)</td><td>FAILURE</td><td>RETRY</td>
 *       <td>the worker or its link is down; another worker may answer</td></tr>
 *   <tr><td>UNAUTHENTICATED, PERMISSION_DENIED</td><td>FAILURE</td><td>RETRY</td>
 *       <td>that worker does not trust this gateway; nothing ran; another may</td></tr>
 *   <tr><td>RESOURCE_EXHAUSTED with an {@code infermesh.io} ErrorInfo</td><td>BUSY</td><td>RETRY</td>
 *       <td>the worker's queue or memory is full; nothing ran</td></tr>
 *   <tr><td>RESOURCE_EXHAUSTED without it</td><td>REQUEST_REJECTED</td><td>RETURN</td>
 *       <td>raised by gRPC itself (message too large): the request's fault</td></tr>
 *   <tr><td>NOT_FOUND</td><td>NO_SIGNAL</td><td>STALE_ROUTE</td>
 *       <td>the worker does not hold the model although its lease says so; nothing ran</td></tr>
 *   <tr><td>DEADLINE_EXCEEDED</td><td>ABANDONED</td><td>DEADLINE</td>
 *       <td>every attempt runs under the request's deadline, so it is spent</td></tr>
 *   <tr><td>CANCELLED (not by us)</td><td>FAILURE</td><td>RETRY</td><td>the worker dropped the call (shutting down)</td></tr>
 *   <tr><td>INTERNAL, UNKNOWN, DATA_LOSS</td><td>FAILURE</td><td>RETURN</td>
 *       <td>counts against the worker, but is not replayed: a poison request must not take down the fleet</td></tr>
 *   <tr><td>INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE, UNIMPLEMENTED, ALREADY_EXISTS, ABORTED</td>
 *       <td>REQUEST_REJECTED</td><td>RETURN</td><td>any worker would answer the same</td></tr>
 * </table>
 *
 * RETRY applies to idempotent requests only; STALE_ROUTE is retried for every request because the worker refused it
 * before running it.
 */
public final class StatusPolicy {
    /** The ErrorInfo domain of infermesh workers (see gpu-pool's GrpcStatusMapper). */
    public static final String WORKER_DOMAIN = "infermesh.io";

    /** What to do after an attempt ended. */
    public enum Action {
        SERVED,
        RETRY,
        STALE_ROUTE,
        DEADLINE,
        RETURN
    }

    public record Verdict(Feedback feedback, Action action) {}

    private StatusPolicy() {}

    public static Verdict judge(Status status, Metadata trailers) {
        return switch (status.getCode()) {
            case OK -> new Verdict(Feedback.SUCCESS, Action.SERVED);
            case UNAVAILABLE, UNAUTHENTICATED, PERMISSION_DENIED, CANCELLED ->
                new Verdict(Feedback.FAILURE, Action.RETRY);
            case RESOURCE_EXHAUSTED ->
                fromWorker(status, trailers)
                        ? new Verdict(Feedback.BUSY, Action.RETRY)
                        : new Verdict(Feedback.REQUEST_REJECTED, Action.RETURN);
            case NOT_FOUND -> new Verdict(Feedback.NO_SIGNAL, Action.STALE_ROUTE);
            case DEADLINE_EXCEEDED -> new Verdict(Feedback.ABANDONED, Action.DEADLINE);
            case INTERNAL, UNKNOWN, DATA_LOSS -> new Verdict(Feedback.FAILURE, Action.RETURN);
            case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE, UNIMPLEMENTED, ALREADY_EXISTS, ABORTED ->
                new Verdict(Feedback.REQUEST_REJECTED, Action.RETURN);
        };
    }

    /** Whether the status carries an {@code ErrorInfo} from an infermesh worker. */
    static boolean fromWorker(Status status, Metadata trailers) {
        com.google.rpc.Status detail = StatusProto.fromStatusAndTrailers(status, trailers);
        return detail.getDetailsList().stream()
                .filter(any -> any.is(ErrorInfo.class))
                .anyMatch(any -> {
                    try {
                        return WORKER_DOMAIN.equals(any.unpack(ErrorInfo.class).getDomain());
                    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                        return false;
                    }
                });
    }
}
