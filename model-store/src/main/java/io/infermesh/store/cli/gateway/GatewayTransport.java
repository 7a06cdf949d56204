package io.infermesh.store.cli.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * HTTP/1.1 exchanges with one gateway: builds requests (API key, user agent), sends them, and turns what comes back
 * into a response of an expected status or the matching {@link GatewayException}. Never follows a redirect by itself;
 * {@link #followWithoutCredentials} does, without the API key.
 */
final class GatewayTransport implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);
    static final int MAX_JSON_BYTES = 64 * 1024 * 1024;

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_REDIRECTS = 5;

    private final GatewayEndpoint endpoint;
    private final Optional<ApiKey> apiKey;
    private final HttpClient http;
    private final String userAgent;

    GatewayTransport(GatewayEndpoint endpoint, Optional<ApiKey> apiKey) {
        this.endpoint = endpoint;
        this.apiKey = apiKey;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(CONNECT_TIMEOUT)
                .build();
        String version = GatewayTransport.class.getPackage().getImplementationVersion();
        this.userAgent = "infermesh-cli/" + (version == null ? "dev" : version);
    }

    GatewayEndpoint endpoint() {
        return endpoint;
    }

    /** A request to this gateway, with the API key if there is one. */
    HttpRequest.Builder request(String pathAndQuery, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(endpoint.resolve(pathAndQuery))
                .timeout(timeout)
                .header("Accept", "application/json, " + Problem.MEDIA_TYPE)
                .header("User-Agent", userAgent);
        apiKey.ifPresent(k -> b.header("Authorization", "Bearer " + k.secret()));
        return b;
    }

    HttpRequest get(String pathAndQuery) {
        return request(pathAndQuery, CALL_TIMEOUT).GET().build();
    }

    HttpRequest post(String path, JsonNode body, Duration timeout) {
        return request(path, timeout)
                .header("Content-Type", "application/json")
                .POST(jsonBody(body))
                .build();
    }

    static BodyPublisher jsonBody(JsonNode body) {
        try {
            return BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }

    /** Sends {@code request} and reads the JSON object it answers with one of {@code expected}. */
    JsonNode json(HttpRequest request, int... expected) {
        return readJson(exchange(request, expected));
    }

    /**
     * Sends {@code request} to the gateway and returns the response if its status is one of {@code expected}; an error
     * status becomes the gateway's {@link Problem}, anything else a protocol error.
     */
    HttpResponse<InputStream> exchange(HttpRequest request, int... expected) {
        HttpResponse<InputStream> response = send(request, "the gateway");
        int status = response.statusCode();
        for (int e : expected) {
            if (status == e) {
                return response;
            }
        }
        if (status >= 400 && status <= 599) {
            byte[] body = readAtMost(response, MAX_JSON_BYTES);
            throw new GatewayProblemException(Problem.parse(
                    status,
                    response.headers().firstValue("Content-Type"),
                    body,
                    response.headers().firstValue("X-Request-Id")));
        }
        throw new GatewayProtocolException("the gateway answered " + request.method() + " "
                + request.uri().getRawPath() + " with HTTP " + status + snippet(response));
    }

    /**
     * Follows the redirects of {@code response} (of a download of {@code what}) with fresh requests that carry no
     * credentials, and returns the body of the final 200 answer.
     */
    InputStream followWithoutCredentials(HttpResponse<InputStream> response, String what) {
        for (int hops = 0; isRedirect(response.statusCode()); hops++) {
            discard(response);
            if (hops == MAX_REDIRECTS) {
                throw new GatewayProtocolException(
                        "the download of " + what + " redirects more than " + MAX_REDIRECTS + " times");
            }
            URI location = location(response, what);
            HttpRequest follow = HttpRequest.newBuilder(location)
                    .timeout(CALL_TIMEOUT)
                    .header("User-Agent", userAgent)
                    .GET()
                    .build();
            String peer = "the blob store at " + location.getScheme() + "://" + location.getRawAuthority();
            response = send(follow, peer);
            int status = response.statusCode();
            if (status != 200 && !isRedirect(status)) {
                throw new GatewayProtocolException(
                        peer + " answered HTTP " + status + " to the download of " + what + snippet(response));
            }
        }
        if (response.statusCode() != 200) {
            throw new GatewayProtocolException(
                    "the download of " + what + " ended with HTTP " + response.statusCode() + snippet(response));
        }
        return response.body();
    }

    static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private HttpResponse<InputStream> send(HttpRequest request, String peer) {
        String where = peer + " (" + withoutQuery(request.uri()) + ")";
        try {
            return http.send(request, BodyHandlers.ofInputStream());
        } catch (HttpConnectTimeoutException e) {
            throw new GatewayUnreachableException(
                    "cannot connect to " + where + " within " + CONNECT_TIMEOUT.toSeconds() + " s; is the URL right?",
                    e);
        } catch (HttpTimeoutException e) {
            throw new GatewayUnreachableException(
                    where + " did not answer within "
                            + request.timeout().orElse(CALL_TIMEOUT).toSeconds() + " s",
                    e);
        } catch (ConnectException e) {
            throw new GatewayUnreachableException(
                    "cannot connect to " + where + ": " + describe(e)
                            + "; is it running? Point --gateway or INFERMESH_GATEWAY at it",
                    e);
        } catch (IOException e) {
            throw new GatewayUnreachableException("talking to " + where + " failed: " + describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GatewayUnreachableException(
                    "interrupted while waiting for " + where, new InterruptedIOException(e.getMessage()));
        }
    }

    static JsonNode readJson(HttpResponse<InputStream> response) {
        String path = response.uri().getRawPath();
        byte[] body = readAtMost(response, MAX_JSON_BYTES);
        if (body.length > MAX_JSON_BYTES) {
            throw new GatewayProtocolException(
                    "the gateway's answer to " + path + " is larger than " + MAX_JSON_BYTES + " bytes");
        }
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (IOException e) {
            throw new GatewayProtocolException("the gateway's answer to " + path + " is not valid JSON");
        }
        if (node == null || !node.isObject()) {
            throw new GatewayProtocolException("the gateway's answer to " + path + " is not a JSON object");
        }
        return node;
    }

    /** Up to {@code limit + 1} bytes of the body (one more than allowed shows it was too long); closes it. */
    private static byte[] readAtMost(HttpResponse<InputStream> response, int limit) {
        try (InputStream in = response.body()) {
            return in.readNBytes(limit + 1);
        } catch (IOException e) {
            throw new GatewayUnreachableException(
                    "reading the answer from " + withoutQuery(response.uri()) + " failed: " + describe(e), e);
        }
    }

    /** The start of the body, printable, as ": text" (or nothing when empty), for messages. */
    private static String snippet(HttpResponse<InputStream> response) {
        byte[] body = readAtMost(response, 200);
        String text = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8)
                .replaceAll("\\p{Cntrl}", " ")
                .strip();
        return text.isEmpty() ? "" : ": " + text;
    }

    static void discard(HttpResponse<InputStream> response) {
        readAtMost(response, 64 * 1024);
    }

    private static URI location(HttpResponse<InputStream> response, String what) {
        String header = response.headers()
                .firstValue("Location")
                .orElseThrow(() -> new GatewayProtocolException(
                        "the download of " + what + " redirects without a Location header"));
        URI location;
        try {
            location = response.uri().resolve(header);
        } catch (IllegalArgumentException e) {
            throw new GatewayProtocolException("the download of " + what + " redirects to an invalid URL");
        }
        if (!"http".equalsIgnoreCase(location.getScheme()) && !"https".equalsIgnoreCase(location.getScheme())) {
            throw new GatewayProtocolException("the download of " + what + " redirects to a non-HTTP URL");
        }
        return location;
    }

    /** {@code uri} without its query (a presigned URL's query holds a signature), fit for a message. */
    static String withoutQuery(URI uri) {
        return uri.getScheme() + "://" + uri.getRawAuthority() + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }

    private static String describe(IOException e) {
        String message = e.getMessage();
        if (message == null && e.getCause() != null) {
            message = e.getCause().getMessage();
        }
        return message == null ? e.getClass().getSimpleName() : message;
    }

    @Override
    public void close() {
        http.close();
    }
}
