package io.infermesh.store.cli.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An error answer of the gateway: an RFC 9457 {@code application/problem+json} body with the contract's stable
 * {@code code}. An error answer without such a body (a proxy's HTML page, an empty 502) becomes a problem with code
 * {@code http_<status>}, so callers always have a code to switch on.
 *
 * @param status HTTP status, 400-599
 * @param code stable machine-readable code, e.g. {@code insufficient_balance}; switch on this, never on the detail
 * @param detail what went wrong and what to do about it, for a person
 * @param requestId the gateway's request id ({@code X-Request-Id}), when it sent one
 * @param missing the CIDs a {@code missing_blobs} problem lists (empty otherwise)
 */
public record Problem(int status, String code, String detail, Optional<String> requestId, List<String> missing) {
    public static final String MEDIA_TYPE = "application/problem+json";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern CODE = Pattern.compile("[a-z0-9_]{1,64}");
    private static final int MAX_DETAIL_CHARS = 2000;

    public Problem {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("a problem has an HTTP error status (400-599), not " + status);
        }
        if (code == null || !CODE.matcher(code).matches()) {
            throw new IllegalArgumentException("a problem code is 1-64 of [a-z0-9_], not '" + code + "'");
        }
        detail = printable(detail == null ? "" : detail);
        requestId = Objects.requireNonNull(requestId, "requestId").map(Problem::printable);
        missing = List.copyOf(missing);
    }

    /**
     * Reads an error answer. {@code contentType} is the response's header; {@code headerRequestId} its
     * {@code X-Request-Id}. Never fails: whatever the body is, the result names the status.
     */
    public static Problem parse(
            int status, Optional<String> contentType, byte[] body, Optional<String> headerRequestId) {
        Optional<JsonNode> json = contentType
                .map(t -> t.toLowerCase(Locale.ROOT))
                .filter(t -> t.startsWith(MEDIA_TYPE) || t.startsWith("application/json"))
                .flatMap(t -> readTree(body));
        if (json.isPresent() && json.get().path("code").isTextual()) {
            JsonNode node = json.get();
            String code = node.get("code").textValue();
            if (CODE.matcher(code).matches()) {
                List<String> missing = new ArrayList<>();
                node.path("missing").forEach(m -> missing.add(m.asText()));
                Optional<String> requestId = node.path("requestId").isTextual()
                        ? Optional.of(node.get("requestId").textValue())
                        : headerRequestId;
                String detail = node.path("detail").isTextual()
                        ? node.get("detail").textValue()
                        : node.path("title").asText("HTTP " + status);
                return new Problem(status, code, detail, requestId, missing);
            }
        }
        String snippet = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8).strip();
        return new Problem(
                status,
                "http_" + status,
                "HTTP " + status + " without a problem body" + (snippet.isEmpty() ? "" : ": " + snippet),
                headerRequestId,
                List.of());
    }

    private static Optional<JsonNode> readTree(byte[] body) {
        try {
            JsonNode node = JSON.readTree(body);
            return node != null && node.isObject() ? Optional.of(node) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Control characters from a remote peer never reach the terminal; long texts are cut. */
    private static String printable(String s) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), MAX_DETAIL_CHARS));
        for (int i = 0; i < s.length() && sb.length() < MAX_DETAIL_CHARS; i++) {
            char c = s.charAt(i);
            sb.append(Character.isISOControl(c) ? ' ' : c);
        }
        return sb.length() < s.length() ? sb.append('…').toString() : sb.toString();
    }
}
