package io.infermesh.store.cli.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.infermesh.store.manifest.Wei;
import java.util.Objects;
import java.util.Optional;

/**
 * An inference answer: the JSON body as the gateway sent it (OpenAI embeddings or KServe v2) and what it cost.
 *
 * @param body the response document
 * @param cost {@code Infermesh-Cost-Wei}, when present
 * @param requestId {@code X-Request-Id}, when present
 */
public record InferenceResult(JsonNode body, Optional<Wei> cost, Optional<String> requestId) {
    public InferenceResult {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(cost, "cost");
        Objects.requireNonNull(requestId, "requestId");
    }
}
