package io.infermesh.store.cli.gateway;

/** A call needs an API key and none is available for this gateway; the message says how to get one. */
public final class MissingApiKeyException extends GatewayException {
    public MissingApiKeyException(String message) {
        super(message, null);
    }
}
