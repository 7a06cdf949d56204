package io.infermesh.functions.quarkus;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.infermesh.functions.api.ProblemException;
import io.infermesh.store.ModelStoreException;
import io.infermesh.store.manifest.EthAddress;
import java.io.IOException;

/** Request bodies parsed by hand, so every malformed body gets a problem naming the field at fault. */
final class Json {
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    static {
        MAPPER.getFactory()
                .setStreamReadConstraints(
                        StreamReadConstraints.builder().maxNestingDepth(64).build());
    }

    private Json() {}

    static JsonNode read(byte[] body) {
        return read(body, body == null ? 0 : body.length);
    }

    /** Reads the JSON object in the first {@code length} bytes of {@code body}. */
    static JsonNode read(byte[] body, int length) {
        if (body == null || length == 0) {
            throw new ProblemException(400, "invalid_request", "the request needs a JSON body");
        }
        try {
            JsonNode node = MAPPER.readTree(body, 0, length);
            if (node == null || !node.isObject()) {
                throw new ProblemException(400, "invalid_request", "the body must be a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new ProblemException(400, "invalid_request", "the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ProblemException(400, "invalid_request", "the body could not be read: " + e.getMessage());
        }
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    static String text(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || !v.isTextual() || v.textValue().isEmpty()) {
            throw ProblemException.invalid("\"" + field + "\" is required and must be a non-empty string");
        }
        return v.textValue();
    }

    static String optionalText(JsonNode body, String field, String fallback) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isTextual()) {
            throw ProblemException.invalid("\"" + field + "\" must be a string");
        }
        return v.textValue();
    }

    static EthAddress address(String what, String text) {
        try {
            return EthAddress.of(text);
        } catch (ModelStoreException | IllegalArgumentException e) {
            throw ProblemException.invalid(what + ": " + e.getMessage());
        }
    }
}
