/**
 * Gateway → worker authentication shared by both sides: the gateway signs with {@link
 * io.infermesh.router.auth.TokenSigner}, a worker checks with {@link io.infermesh.router.auth.TokenVerifier} (or the
 * ready-made {@link io.infermesh.router.grpc.WorkerTokenCheck} interceptor). Format and rationale: {@link
 * io.infermesh.router.auth.WorkerAuth}.
 */
package io.infermesh.router.auth;
