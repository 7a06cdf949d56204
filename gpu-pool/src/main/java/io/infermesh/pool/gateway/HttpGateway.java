package io.infermesh.pool.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.infermesh.router.RouterException;
import io.infermesh.router.auth.WorkerAuth;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.security.PublicKey;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link Gateway} over HTTP/1.1 JSON ({@code openapi/infermesh.yaml}, {@code /v1/workers} and {@code SignedEnvelope}). Each call has
 * {@code timeout} end to end; redirects are not followed (a registration is never re-posted elsewhere). Thread-safe.
 *
 * <p>How answers map: 200 → {@link GatewayReply.Leased} (an unreadable 200 is {@link GatewayReply.Unavailable}); a
 * heartbeat's 401 or 404 → {@link GatewayReply.LeaseLost}; 408, 425, 429 and 5xx → {@link GatewayReply.Unavailable}
 * (transient); any other 4xx → {@link GatewayReply.Refused} with the problem's {@code code} and {@code detail}.
 */
public final class HttpGateway implements Gateway {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_DETAIL_CHARS = 300;

    private final HttpClient http;
    private final URI base;
    private final Duration timeout;

    /**
     * @param base the gateway's root URL ({@code https://gw.example/}; a path prefix is kept)
     * @param timeout the deadline of one call, connection included
     */
    public HttpGateway(HttpClient http, URI base, Duration timeout) {
        this.http = Objects.requireNonNull(http, "http");
        String scheme = base.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme) || base.getRawAuthority() == null) {
            throw new IllegalArgumentException("a gateway URL is http(s)://host[:port][/path], not '" + base + "'");
        }
        if (base.getRawQuery() != null || base.getRawFragment() != null) {
            throw new IllegalArgumentException("a gateway URL has no query or fragment: '" + base + "'");
        }
        String text = base.toString();
        this.base = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** A client suited to these calls: HTTP/1.1, no redirects, a connect timeout. */
    public static HttpClient defaultClient(Duration connectTimeout) {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(connectTimeout)
                .build();
    }

    @Override
    public GatewayReply register(SignedEnvelope registration) {
        return post(workersUri(), registration.toJson(), Optional.empty());
    }

    @Override
    public GatewayReply heartbeat(String workerId, String leaseToken, Heartbeat heartbeat) {
        return post(heartbeatUri(workerId), heartbeat.toJson(), Optional.of(leaseToken));
    }

    @Override
    public String describe() {
        return base.toString();
    }

    URI workersUri() {
        return URI.create(base + "/v1/workers");
    }

    /** The worker id is one path segment: a {@code /} in it (ids allow one) travels as {@code %2F}. */
    URI heartbeatUri(String workerId) {
        return URI.create(base + "/v1/workers/" + workerId.replace("%", "%25").replace("/", "%2F") + "/heartbeat");
    }

    /** {@code bearer}: the lease token a heartbeat carries (empty for a registration). */
    private GatewayReply post(URI uri, ObjectNode body, Optional<String> bearer) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, application/problem+json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes(body)));
        bearer.ifPresent(token -> request.header("Authorization", "Bearer " + token));
        HttpResponse<String> response;
        // The request's own timeout ends with the headers; waiting on the whole exchange bounds the body too, so a
        // gateway that stalls mid-answer cannot hold the keeper's one thread.
        CompletableFuture<HttpResponse<String>> exchange =
                http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
        try {
            response = exchange.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            IOException io = cause instanceof IOException i ? i : new IOException(cause.getMessage(), cause);
            return new GatewayReply.Unavailable("POST " + uri.getRawPath() + " failed: " + describe(io));
        } catch (TimeoutException e) {
            exchange.cancel(true);
            return new GatewayReply.Unavailable(
                    "POST " + uri.getRawPath() + " failed: " + describe(new HttpTimeoutException("timed out")));
        } catch (InterruptedException e) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            return new GatewayReply.Unavailable("interrupted");
        }
        return answer(response.statusCode(), response.body(), bearer);
    }

    /**
     * Maps a status and body to a reply (see the class comment).
     *
     * @param heldToken the lease token of a heartbeat (its answer need not repeat it); empty for a registration
     */
    static GatewayReply answer(int status, String body, Optional<String> heldToken) {
        boolean heartbeat = heldToken.isPresent();
        if (status == 200) {
            try {
                return new GatewayReply.Leased(lease(JSON.readTree(body), heldToken));
            } catch (JsonProcessingException | IllegalArgumentException | RouterException e) {
                return new GatewayReply.Unavailable(
                        "the gateway answered 200 with a body that is not a lease: " + e.getMessage());
            }
        }
        JsonNode problem = problem(body);
        String code = problem.path("code").asText("");
        String detail = problem.path("detail").asText(problem.path("title").asText(""));
        if (detail.isEmpty() && !problem.isObject()) {
            detail = body == null ? "" : body.strip();
        }
        detail = detail.length() > MAX_DETAIL_CHARS ? detail.substring(0, MAX_DETAIL_CHARS) + "…" : detail;
        if (heartbeat && (status == 401 || status == 404)) {
            return new GatewayReply.LeaseLost(status, detail);
        }
        if (status == 408 || status == 425 || status == 429 || status >= 500 || status < 400) {
            String what = "HTTP " + status + (code.isEmpty() ? "" : " " + code);
            return new GatewayReply.Unavailable(detail.isEmpty() ? what : what + ": " + detail);
        }
        return new GatewayReply.Refused(status, code, detail);
    }

    /**
     * Reads {@code {"leaseSeconds","leaseToken"?,"heartbeatSeconds"?,"gatewayKeys":{kid: base64}}}. A registration's
     * answer carries the new {@code leaseToken}; a heartbeat's answer may leave it out, and the held one stays.
     */
    static Lease lease(JsonNode node, Optional<String> heldToken) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        JsonNode given = node.get("leaseToken");
        if (given != null && !given.isTextual()) {
            throw new IllegalArgumentException("leaseToken must be a string");
        }
        String token = given != null
                ? given.textValue()
                : heldToken.orElseThrow(() -> new IllegalArgumentException("leaseToken is missing"));
        Duration lease = seconds(node, "leaseSeconds")
                .orElseThrow(() -> new IllegalArgumentException("leaseSeconds is missing"));
        JsonNode keys = node.get("gatewayKeys");
        if (keys == null || !keys.isObject()) {
            throw new IllegalArgumentException("gatewayKeys is missing");
        }
        Map<String, PublicKey> gatewayKeys = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> key : keys.properties()) {
            if (!key.getValue().isTextual()) {
                throw new IllegalArgumentException("gateway key " + key.getKey() + " is not a base64 string");
            }
            gatewayKeys.put(key.getKey(), WorkerAuth.publicKey(key.getValue().textValue()));
        }
        return new Lease(token, lease, seconds(node, "heartbeatSeconds"), gatewayKeys);
    }

    private static Optional<Duration> seconds(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isNumber() || v.asDouble() <= 0) {
            throw new IllegalArgumentException(field + " must be a positive number of seconds");
        }
        return Optional.of(Duration.ofMillis(Math.round(v.asDouble() * 1000)));
    }

    private static JsonNode problem(String body) {
        try {
            JsonNode node = body == null || body.isBlank() ? null : JSON.readTree(body);
            return node == null ? JSON.missingNode() : node;
        } catch (JsonProcessingException e) {
            return JSON.missingNode();
        }
    }

    private static byte[] bytes(ObjectNode body) {
        try {
            return JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }

    /** A short reason for a log line, without class names. */
    static String describe(IOException e) {
        if (e instanceof HttpConnectTimeoutException) {
            return "connecting timed out";
        }
        if (e instanceof HttpTimeoutException) {
            return "no answer within the call timeout";
        }
        String message = e.getMessage();
        for (Throwable cause = e.getCause();
                (message == null || message.isBlank()) && cause != null;
                cause = cause.getCause()) {
            message = cause.getMessage();
        }
        if (e instanceof ConnectException) {
            return message == null || message.isBlank() ? "connection refused" : "cannot connect: " + message;
        }
        return message == null || message.isBlank() ? "I/O error" : message;
    }
}
