package io.infermesh.store.cli.gateway;

/**
 * An answer the contract does not allow: an unexpected status, a body that is not the promised JSON, a redirect
 * without a location. A bug in the gateway (or a wrong URL that reaches something else), not in the request.
 */
public final class GatewayProtocolException extends GatewayException {
    public GatewayProtocolException(String message) {
        super(message, null);
    }
}
