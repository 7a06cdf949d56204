package io.infermesh.functions.quarkus;

import io.infermesh.functions.api.ProblemException;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import java.util.Locale;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Compressed request bodies: {@code Content-Encoding: gzip} (or {@code x-gzip}) and {@code deflate} are decoded as
 * the body is read ({@link DecodedBody}), on every endpoint, so every limit and check (the inference body cap, a
 * blob's CID) applies to the decompressed bytes. The header and the compressed {@code Content-Length} are removed
 * from the request the resources see. Any other encoding is 415 {@code unsupported_content_encoding}. Runs after
 * {@link RequestIds}, so a refusal carries the request id.
 */
public final class RequestEncodings {
    @ServerRequestFilter(preMatching = true, priority = Priorities.USER + 10)
    public void decode(ContainerRequestContext request) {
        String header = request.getHeaderString(HttpHeaders.CONTENT_ENCODING);
        if (header == null) {
            return;
        }
        String encoding = header.strip().toLowerCase(Locale.ROOT);
        switch (encoding) {
            case "identity" -> {}
            case "gzip", "x-gzip", "deflate" -> {
                request.setEntityStream(new DecodedBody(request.getEntityStream(), encoding));
                request.getHeaders().remove(HttpHeaders.CONTENT_ENCODING);
                request.getHeaders().remove(HttpHeaders.CONTENT_LENGTH);
            }
            default ->
                throw new ProblemException(
                        415,
                        "unsupported_content_encoding",
                        "Content-Encoding \"" + header + "\" is not supported; send the body uncompressed, or with"
                                + " gzip or deflate");
        }
    }
}
