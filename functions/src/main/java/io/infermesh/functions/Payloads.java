package io.infermesh.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.infermesh.store.ModelStoreException;
import io.infermesh.store.manifest.CanonicalJson;
import io.infermesh.store.manifest.EthAddress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.regex.Pattern;

/** Shared rules of the signed payloads: field reads, time and nonce formats, canonical round trip. */
final class Payloads {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NONCE = Pattern.compile("[0-9a-f]{32}");

    private Payloads() {}

    static String requireNonce(String nonce) {
        if (nonce == null || !NONCE.matcher(nonce).matches()) {
            throw FunctionsException.invalid("a nonce is 32 lower-case hex digits (16 random bytes)");
        }
        return nonce;
    }

    static Instant requireWholeSeconds(Instant t) {
        if (t == null || t.getNano() != 0) {
            throw FunctionsException.invalid("issuedAt is a time in whole seconds");
        }
        return t;
    }

    /** Parses JSON that must already be in canonical form, and checks its type. */
    static JsonNode readCanonical(String json, String type) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (IOException e) {
            throw FunctionsException.invalid("not JSON: " + e.getMessage());
        }
        if (node == null || !node.isObject() || !type.equals(node.path("type").asText())) {
            throw FunctionsException.invalid("expected a JSON object of type " + type);
        }
        if (!Arrays.equals(CanonicalJson.write(node), json.getBytes(StandardCharsets.UTF_8))) {
            throw FunctionsException.invalid("the payload is not canonical JSON (sorted keys, no whitespace)");
        }
        return node;
    }

    static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual()) {
            throw FunctionsException.invalid("field '" + field + "' must be a string");
        }
        return v.textValue();
    }

    static EthAddress address(JsonNode node, String field) {
        try {
            return EthAddress.of(text(node, field));
        } catch (ModelStoreException e) {
            throw FunctionsException.invalid("field '" + field + "': " + e.getMessage());
        }
    }

    static Instant time(JsonNode node, String field) {
        try {
            return Instant.parse(text(node, field));
        } catch (java.time.format.DateTimeParseException e) {
            throw FunctionsException.invalid("field '" + field + "' must be an ISO-8601 UTC time");
        }
    }
}
