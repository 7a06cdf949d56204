package io.infermesh.store.cli.gateway;

/**
 * Root of the failures of talking to a gateway. Unchecked. The CLI maps each subtype to its own exit code in one
 * place, since a caller acts differently on each: fix the request ({@link GatewayProblemException}), log in
 * ({@link MissingApiKeyException}), check the URL or start the gateway ({@link GatewayUnreachableException}), or
 * report a gateway bug ({@link GatewayProtocolException}).
 */
public abstract sealed class GatewayException extends RuntimeException
        permits GatewayProblemException, GatewayUnreachableException, GatewayProtocolException, MissingApiKeyException {
    GatewayException(String message, Throwable cause) {
        super(message, cause);
    }
}
