package io.infermesh.store.cli.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.infermesh.store.ContentMismatchException;
import io.infermesh.store.ModelStoreException;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Reads fields of the gateway's JSON answers into values. A field that is missing, has the wrong JSON type, or breaks
 * a value's rules means the answer is outside the contract ({@link GatewayProtocolException}); a manifest that does
 * not hash to its CID stays a {@link ContentMismatchException}.
 */
final class AnswerFields {
    private AnswerFields() {}

    @FunctionalInterface
    interface Reader<T> {
        T read(JsonNode node) throws IOException;
    }

    /** Maps the answer {@code node} (to describe as {@code what} in messages) with {@code reader}. */
    static <T> T parse(String what, JsonNode node, Reader<T> reader) {
        try {
            return reader.read(node);
        } catch (ContentMismatchException e) {
            throw e;
        } catch (IllegalArgumentException | ModelStoreException | NullPointerException | IOException e) {
            throw new GatewayProtocolException(
                    "the gateway's " + what + " answer does not follow the contract: " + e.getMessage());
        }
    }

    static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException("field '" + field + "' is missing or not a string");
        }
        return value.textValue();
    }

    static Optional<String> optionalText(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? Optional.empty() : Optional.of(text(node, field));
    }

    static long integer(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new IllegalArgumentException("field '" + field + "' is missing or not an integer");
        }
        return value.longValue();
    }

    static Instant time(JsonNode node, String field) {
        try {
            return Instant.parse(text(node, field));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("field '" + field + "' is not an ISO-8601 UTC time");
        }
    }

    static JsonNode array(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isArray()) {
            throw new IllegalArgumentException("field '" + field + "' is missing or not an array");
        }
        return value;
    }

    static JsonNode object(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isObject()) {
            throw new IllegalArgumentException("field '" + field + "' is missing or not an object");
        }
        return value;
    }
}
