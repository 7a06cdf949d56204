/**
 * Self-registration with a gateway ({@code openapi/infermesh.yaml}, {@code /v1/workers} and {@code SignedEnvelope}): the worker signs a
 * {@link io.infermesh.pool.gateway.WorkerRegistration} with its pool's Ethereum key, posts it as a
 * {@link io.infermesh.pool.gateway.SignedEnvelope}, and then renews the lease it gets with
 * {@link io.infermesh.pool.gateway.Heartbeat}s. {@link io.infermesh.pool.gateway.LeaseKeeper} is the state machine;
 * {@link io.infermesh.pool.gateway.HttpGateway} is the wire.
 *
 * <p>Invariants:
 *
 * <ul>
 *   <li>The signed bytes are exactly the {@code payload} string that is sent: canonical JSON (model-store's
 *       {@code CanonicalJson}), EIP-191 {@code personal_sign} over its UTF-8 bytes. Every registration carries a fresh
 *       {@code issuedAt} (whole seconds, UTC) and a fresh random nonce, so a retry is never a replay.
 *   <li>The gateway being down, slow or refusing never stops the worker from serving: every outcome of a call is a
 *       {@link io.infermesh.pool.gateway.GatewayReply} value, and the keeper only chooses when to call next.
 *   <li>The lease token is a secret: it goes only into the {@code Authorization} header and is never logged.
 *   <li>Nothing here imports Quarkus or CDI; the worker wires it up in {@code io.infermesh.pool.quarkus}.
 * </ul>
 */
package io.infermesh.pool.gateway;
