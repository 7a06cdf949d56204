package io.infermesh.pool.gateway;

/**
 * The two calls a worker makes to its gateway. Implementations never throw for anything the gateway or the network
 * does: every outcome is a {@link GatewayReply}. Blocking; an interrupted caller gets {@link
 * GatewayReply.Unavailable} with its interrupt flag set again.
 */
public interface Gateway {
    /** {@code POST /v1/workers} with the signed registration. */
    GatewayReply register(SignedEnvelope registration);

    /** {@code POST /v1/workers/{workerId}/heartbeat} with {@code Authorization: Bearer <leaseToken>}. */
    GatewayReply heartbeat(String workerId, String leaseToken, Heartbeat heartbeat);

    /** Where the gateway is, for log lines. */
    String describe();
}
