package io.infermesh.router.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.infermesh.router.WorkerId;
import io.infermesh.router.auth.TokenSigner;
import io.infermesh.router.auth.WorkerAuth;
import java.util.Objects;

/** Adds {@code authorization: Bearer <token for this worker>} to every call on one worker's channel. */
final class BearerTokenInterceptor implements ClientInterceptor {
    private final WorkerId worker;
    private final TokenSigner signer;

    BearerTokenInterceptor(WorkerId worker, TokenSigner signer) {
        this.worker = Objects.requireNonNull(worker, "worker");
        this.signer = Objects.requireNonNull(signer, "signer");
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                headers.put(WorkerAuth.AUTHORIZATION, WorkerAuth.BEARER + signer.tokenFor(worker));
                super.start(listener, headers);
            }
        };
    }
}
