package io.infermesh.functions.quarkus;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.infermesh.functions.FunctionsException;
import io.infermesh.functions.api.ProblemException;
import io.infermesh.router.RouterException;
import io.infermesh.store.ModelStoreException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The one place errors become RFC 9457 {@code application/problem+json}. Every problem has the contract's stable
 * {@code code}, a {@code detail} a person can act on, the request path as {@code instance} and the {@code requestId}.
 * The paths OpenAI and KServe clients call also carry their clients' error shapes: an OpenAI {@code error} object on
 * {@code /v1/embeddings} and {@code /v1/models...}, a KServe {@code error} string on {@code /v2/...}. Expected
 * refusals are logged at debug; anything unexpected once at error with the request id, and the caller gets {@code
 * internal} without internals.
 */
public final class Problems {
    private static final Logger LOG = Logger.getLogger(Problems.class);
    static final String MEDIA_TYPE = "application/problem+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    @ServerExceptionMapper
    public Response problem(ProblemException e, ContainerRequestContext request) {
        LOG.debugf(
                "%s %s -> %d %s: %s", request.getMethod(), path(request), e.status(), e.problemCode(), e.getMessage());
        Response.ResponseBuilder r = build(request, e.status(), e.problemCode(), e.getMessage(), e.extensions());
        e.retryAfter().ifPresent(d -> r.header("Retry-After", Math.max(1, (d.toMillis() + 999) / 1000)));
        return r.build();
    }

    @ServerExceptionMapper
    public Response functions(FunctionsException e, ContainerRequestContext request) {
        return switch (e.code()) {
            case INVALID_INPUT ->
                build(request, 422, "invalid_request", e.getMessage(), Map.of()).build();
            case CONFLICT ->
                build(request, 409, "invalid_request", e.getMessage(), Map.of()).build();
            case STATE_UNAVAILABLE -> {
                LOG.errorf("request %s: shared state unavailable: %s", id(request), e.getMessage());
                yield build(
                                request,
                                503,
                                "no_capacity",
                                "the gateway's state store is unavailable; retry shortly",
                                Map.of())
                        .header("Retry-After", 1)
                        .build();
            }
            case REQUEST_REFUSED ->
                build(request, 400, "invalid_request", e.getMessage(), Map.of()).build();
        };
    }

    @ServerExceptionMapper
    public Response store(ModelStoreException e, ContainerRequestContext request) {
        return switch (e.code()) {
            case INVALID_CID ->
                build(request, 422, "invalid_request", e.getMessage(), Map.of()).build();
            case CONTENT_MISMATCH ->
                build(request, 422, "cid_mismatch", e.getMessage(), Map.of()).build();
            case NOT_FOUND ->
                build(request, 404, "not_found", e.getMessage(), Map.of()).build();
            case INVALID_MANIFEST ->
                build(request, 422, "invalid_manifest", e.getMessage(), Map.of())
                        .build();
            case INVALID_REFERENCE ->
                build(request, 404, "model_not_found", e.getMessage(), Map.of()).build();
            case INVALID_SIGNATURE ->
                build(request, 422, "invalid_signature", e.getMessage(), Map.of())
                        .build();
            case STORE_UNAVAILABLE -> {
                LOG.errorf("request %s: model store unavailable: %s", id(request), e.getMessage());
                yield build(request, 503, "no_capacity", "the model store is unavailable; retry shortly", Map.of())
                        .header("Retry-After", 1)
                        .build();
            }
        };
    }

    @ServerExceptionMapper
    public Response router(RouterException e, ContainerRequestContext request) {
        return build(request, 422, "invalid_request", e.getMessage(), Map.of()).build();
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e, ContainerRequestContext request) {
        return build(request, 400, "invalid_request", "the body is not valid JSON: " + e.getOriginalMessage(), Map.of())
                .build();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, ContainerRequestContext request) {
        int status = e.getResponse().getStatus();
        String detail =
                switch (e) {
                    case NotFoundException n ->
                        "no such endpoint: " + request.getMethod() + " " + path(request)
                                + " (see openapi/infermesh.yaml)";
                    case NotAllowedException n -> request.getMethod() + " is not allowed on " + path(request);
                    case NotSupportedException n ->
                        "unsupported Content-Type " + request.getHeaderString("Content-Type")
                                + "; send application/json";
                    default -> e.getMessage();
                };
        String code = status == 404 ? "not_found" : status == 413 ? "payload_too_large" : "invalid_request";
        return build(request, status, code, detail, Map.of()).build();
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e, ContainerRequestContext request) {
        if (e.getCause() instanceof ProblemException p) {
            return problem(p, request);
        }
        LOG.errorf(e, "request %s: %s %s failed", id(request), request.getMethod(), path(request));
        return build(
                        request,
                        500,
                        "internal",
                        "the gateway failed on this request; quote request id " + id(request) + " when reporting it",
                        Map.of())
                .build();
    }

    static Response.ResponseBuilder build(
            ContainerRequestContext request, int status, String code, String detail, Map<String, Object> extensions) {
        String path = path(request);
        ObjectNode body = JSON.createObjectNode();
        body.put("type", "https://infermesh.io/problems/" + code);
        body.put("title", title(status));
        body.put("status", status);
        body.put("code", code);
        body.put("detail", detail);
        body.put("instance", path);
        String id = id(request);
        if (id != null) {
            body.put("requestId", id);
        }
        extensions.forEach((k, v) -> body.set(k, JSON.valueToTree(v)));
        if (path.equals("/v1/embeddings") || path.equals("/v1/models") || path.startsWith("/v1/models/")) {
            ObjectNode error = body.putObject("error");
            error.put("message", detail);
            error.put("type", status >= 500 ? "server_error" : "invalid_request_error");
            error.put("code", code);
            error.putNull("param");
        } else if (path.startsWith("/v2/") || path.equals("/v2")) {
            body.put("error", detail);
        }
        Response.ResponseBuilder r = Response.status(status).type(MEDIA_TYPE).entity(body.toString());
        if (path.equals("/v1/embeddings") || path.endsWith("/infer")) {
            r.header(InferenceResource.COST_HEADER, "0");
        }
        return r;
    }

    private static String title(int status) {
        Response.Status s = Response.Status.fromStatusCode(status);
        if (s != null) {
            return s.getReasonPhrase();
        }
        return switch (status) {
            case 422 -> "Unprocessable Content";
            case 429 -> "Too Many Requests";
            default -> "Error " + status;
        };
    }

    private static String path(ContainerRequestContext request) {
        return request.getUriInfo().getRequestUri().getRawPath();
    }

    private static String id(ContainerRequestContext request) {
        return request.getHeaderString(RequestIds.HEADER);
    }
}
