/**
 * The router's API: who the workers are ({@link io.infermesh.router.WorkerInfo}, kept current in a {@link
 * io.infermesh.router.WorkerSet}), how a call may run ({@link io.infermesh.router.CallPolicy}), and how routing and
 * calls end ({@link io.infermesh.router.RouteDecision}, {@link io.infermesh.router.InferOutcome}) — expected outcomes
 * are values; {@link io.infermesh.router.RouterException} is for bugs and bad configuration.
 *
 * <p>Invariants: time is read only through an injected {@link io.infermesh.router.Ticker} (or {@code InstantSource}
 * for token expiry); money is wei in a {@code BigInteger}; a request only goes to a worker the view lists as holding
 * its model warm, except the one worker a cold load has just readied. The gateway wires the pieces with {@link
 * io.infermesh.router.grpc.GrpcRouter}.
 */
package io.infermesh.router;
