/**
 * The gRPC edge: channels per worker with the token interceptor, the call with retries and hedging, the one place
 * statuses are judged ({@link io.infermesh.router.grpc.StatusPolicy}), load/unload over the model-repository RPCs,
 * and the worker-side token check.
 */
package io.infermesh.router.grpc;
