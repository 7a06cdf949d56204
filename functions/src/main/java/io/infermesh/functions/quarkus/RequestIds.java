package io.infermesh.functions.quarkus;

import io.infermesh.functions.RequestId;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import java.util.Locale;
import java.util.regex.Pattern;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Gives every request an id before anything else runs: the caller's {@code X-Request-Id} when it is well formed
 * (1-128 of {@code [A-Za-z0-9._:-]}), a fresh {@code req_<uuid>} otherwise. The id is written back into the request
 * headers, so resources, the problem mapper and the receipt all read the same value, and echoed on every response.
 * A response that carries {@code Server-Timing} phases also gets {@code total}: from this filter to the response.
 */
public final class RequestIds {
    public static final String HEADER = "X-Request-Id";
    private static final Pattern FORMAT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

    private static final String ARRIVAL = "infermesh.arrivalNanos";

    @ServerRequestFilter(preMatching = true)
    public void assign(ContainerRequestContext request) {
        request.setProperty(ARRIVAL, System.nanoTime());
        String given = request.getHeaderString(HEADER);
        if (given == null || !FORMAT.matcher(given).matches()) {
            request.getHeaders().putSingle(HEADER, RequestId.random().value());
        }
    }

    @ServerResponseFilter
    public void echo(ContainerRequestContext request, ContainerResponseContext response) {
        String id = request.getHeaderString(HEADER);
        if (id != null) {
            response.getHeaders().putSingle(HEADER, id);
        }
        Object timing = response.getHeaders().getFirst(InferenceResource.SERVER_TIMING);
        if (timing != null && request.getProperty(ARRIVAL) instanceof Long arrival) {
            response.getHeaders()
                    .putSingle(
                            InferenceResource.SERVER_TIMING,
                            timing + (timing.toString().isEmpty() ? "" : ", ") + "total;dur="
                                    + String.format(Locale.ROOT, "%.2f", (System.nanoTime() - arrival) / 1e6));
        }
    }
}
