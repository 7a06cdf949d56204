package io.infermesh.functions.quarkus;

import io.infermesh.functions.RequestId;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import java.util.Locale;
import java.util.regex.Pattern;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Gives every request two ids before anything else runs, writes both back into the request headers (so resources and
 * the problem mapper read the same values) and echoes both on every response:
 *
 * <ul>
 *   <li>{@code X-Request-Id}: the caller's when it is well formed (1-128 of {@code [A-Za-z0-9._:-]}), a fresh {@code
 *       req_<uuid>} otherwise. A caller's trace id: it may repeat (a client retrying with the same id, two clients
 *       that chose the same one), so nothing is keyed by it.
 *   <li>{@code Infermesh-Call-Id}: always the gateway's own, a fresh {@code req_<uuid>} (the same as {@code
 *       X-Request-Id} when the caller sent none); a value the caller sent is overwritten. It names a paid call's hold
 *       and receipt, so two calls never share one, whatever ids their callers chose.
 * </ul>
 *
 * A response that carries {@code Server-Timing} phases also gets {@code total}: from this filter to the response.
 */
public final class RequestIds {
    public static final String HEADER = "X-Request-Id";
    public static final String CALL_HEADER = "Infermesh-Call-Id";
    private static final Pattern FORMAT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

    private static final String ARRIVAL = "infermesh.arrivalNanos";

    @ServerRequestFilter(preMatching = true)
    public void assign(ContainerRequestContext request) {
        request.setProperty(ARRIVAL, System.nanoTime());
        String call = RequestId.random().value();
        String given = request.getHeaderString(HEADER);
        if (given == null || !FORMAT.matcher(given).matches()) {
            request.getHeaders().putSingle(HEADER, call);
        }
        request.getHeaders().putSingle(CALL_HEADER, call);
    }

    @ServerResponseFilter
    public void echo(ContainerRequestContext request, ContainerResponseContext response) {
        String id = request.getHeaderString(HEADER);
        if (id != null) {
            response.getHeaders().putSingle(HEADER, id);
        }
        String call = request.getHeaderString(CALL_HEADER);
        if (call != null) {
            response.getHeaders().putSingle(CALL_HEADER, call);
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
