package io.infermesh.router.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.infermesh.router.auth.TokenVerifier;
import io.infermesh.router.auth.Verification;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The worker's side: a server interceptor that refuses every call without a valid gateway token with {@code
 * UNAUTHENTICATED} before any handler runs. The reason goes to {@code onRejected} (for a log line), never to the
 * caller.
 */
public final class WorkerTokenCheck implements ServerInterceptor {
    private final TokenVerifier verifier;
    private final Consumer<Verification.Rejected> onRejected;

    public WorkerTokenCheck(TokenVerifier verifier, Consumer<Verification.Rejected> onRejected) {
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        this.onRejected = Objects.requireNonNull(onRejected, "onRejected");
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        Verification v = verifier.verifyHeader(headers.get(io.infermesh.router.auth.WorkerAuth.AUTHORIZATION));
        if (v instanceof Verification.Rejected rejected) {
            onRejected.accept(rejected);
            call.close(Status.UNAUTHENTICATED.withDescription("missing or invalid gateway token"), new Metadata());
            return new ServerCall.Listener<>() {};
        }
        return next.startCall(call, headers);
    }
}
