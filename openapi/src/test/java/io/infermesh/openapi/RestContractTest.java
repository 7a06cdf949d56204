package io.infermesh.openapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Checks the REST contract is whole: it parses, every reference resolves, and every operation is documented. */
class RestContractTest {
    private static JsonNode spec;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = RestContractTest.class.getResourceAsStream("/META-INF/infermesh/infermesh.yaml")) {
            assertNotNull(in, "infermesh.yaml is packaged in the jar");
            spec = new ObjectMapper(new YAMLFactory()).readTree(in);
        }
    }

    @Test
    void isOpenApi31() {
        assertTrue(
                spec.path("openapi").asText().startsWith("3.1."),
                spec.path("openapi").asText());
    }

    @Test
    void resolvesEveryReference() {
        List<String> dangling = new ArrayList<>();
        walk(spec, node -> {
            JsonNode ref = node.get("$ref");
            if (ref != null && spec.at(ref.asText().substring(1)).isMissingNode()) {
                dangling.add(ref.asText());
            }
        });
        assertEquals(List.of(), dangling);
    }

    @Test
    void givesEveryOperationAUniqueIdAndASuccessAnswer() {
        Set<String> ids = new HashSet<>();
        spec.path("paths")
                .properties()
                .forEach(path -> path.getValue().properties().forEach(op -> {
                    if (op.getKey().equals("parameters")) {
                        return;
                    }
                    String where = op.getKey().toUpperCase() + " " + path.getKey();
                    String id = op.getValue().path("operationId").asText();
                    assertTrue(!id.isEmpty() && ids.add(id), where + " needs a unique operationId");
                    boolean success = false;
                    for (var status : (Iterable<String>)
                            () -> op.getValue().path("responses").fieldNames()) {
                        success |= status.startsWith("2") || status.startsWith("3");
                    }
                    assertTrue(success, where + " documents no success response");
                }));
        assertTrue(ids.contains("createEmbeddings") && ids.contains("modelInfer"), ids.toString());
    }

    @Test
    void answersErrorsAsProblemDetailsWithAStableCode() {
        JsonNode problem = spec.at("/components/schemas/Problem");
        assertTrue(problem.path("required").toString().contains("\"code\""));
        for (String response : List.of("Problem", "Throttled", "Unavailable")) {
            assertEquals(
                    "#/components/schemas/Problem",
                    spec.at("/components/responses/" + response + "/content/application~1problem+json/schema/$ref")
                            .asText(),
                    response);
        }
        assertTrue(
                spec.at("/components/responses/Throttled/headers/Retry-After").isObject());
        assertTrue(
                spec.at("/components/responses/Unavailable/headers/Retry-After").isObject());
    }

    private static void walk(JsonNode node, java.util.function.Consumer<JsonNode> visit) {
        if (node.isObject()) {
            visit.accept(node);
            node.forEach(child -> walk(child, visit));
        } else if (node.isArray()) {
            node.forEach(child -> walk(child, visit));
        }
    }
}
