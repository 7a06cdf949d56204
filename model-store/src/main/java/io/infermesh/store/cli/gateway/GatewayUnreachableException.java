package io.infermesh.store.cli.gateway;

import java.io.IOException;

/**
 * No answer came back: the connection was refused or reset, the name did not resolve, or the call timed out. The
 * message names the URL tried (never a presigned URL's query, which holds a signature).
 */
public final class GatewayUnreachableException extends GatewayException {
    public GatewayUnreachableException(String message, IOException cause) {
        super(message, cause);
    }
}
