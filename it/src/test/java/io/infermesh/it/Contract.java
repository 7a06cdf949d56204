package io.infermesh.it;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.restassured.filter.Filter;
import io.restassured.filter.FilterContext;
import io.restassured.response.Response;
import io.restassured.specification.FilterableRequestSpecification;
import io.restassured.specification.FilterableResponseSpecification;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks every response RestAssured sees against {@code openapi/infermesh.yaml} (OpenAPI 3.1, JSON Schema 2020-12):
 * the endpoint is documented for the method, the status is one the operation declares, the declared headers are
 * there, the media type is declared, and the body validates against the declared schema. A body in the binary tensor
 * data extension ({@value #JSON_LENGTH} bytes of JSON, then tensor bytes) has its JSON part validated against the
 * schema the response declares for {@code application/json}. A deviation fails the test that made the call.
 */
final class Contract implements Filter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNode SPEC = load();
    private static final List<Template> TEMPLATES = templates();
    private static final JsonSchemaFactory SCHEMAS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    /** The binary tensor data extension's header: the length of the JSON at the start of a binary body. */
    static final String JSON_LENGTH = "Inference-Header-Content-Length";

    /** Declared but conditional headers: sent only on a replay, or only with a binary body. */
    private static final Set<String> CONDITIONAL = Set.of("Idempotent-Replayed", JSON_LENGTH);

    static final Contract INSTANCE = new Contract();

    private Contract() {}

    @Override
    public Response filter(
            FilterableRequestSpecification request, FilterableResponseSpecification response, FilterContext ctx) {
        Response r = ctx.next(request, response);
        check(request.getMethod(), URI.create(request.getURI()).getRawPath(), r);
        return r;
    }

    static void check(String method, String path, Response r) {
        JsonNode operation = operation(method, path);
        String where = method + " " + path + " -> " + r.statusCode();
        JsonNode declared = operation.path("responses").get(Integer.toString(r.statusCode()));
        if (declared == null) {
            declared = operation.path("responses").get("default");
        }
        if (declared == null) {
            fail(where + ": status not declared in infermesh.yaml; body " + r.asString());
        }
        declared = resolve(declared);
        if (r.header("X-Request-Id") == null) {
            fail(where + ": no X-Request-Id header");
        }
        for (Iterator<String> it = declared.path("headers").fieldNames(); it.hasNext(); ) {
            String h = it.next();
            if (!CONDITIONAL.contains(h) && r.header(h) == null) {
                fail(where + ": declared header " + h + " is missing");
            }
        }
        JsonNode content = declared.path("content");
        if (content.isMissingNode() || content.isEmpty()) {
            return;
        }
        String type = r.contentType() == null
                ? ""
                : r.contentType().split(";")[0].strip().toLowerCase(Locale.ROOT);
        JsonNode media = content.get(type);
        if (media == null) {
            fail(where + ": Content-Type '" + type + "' not declared (declared: "
                    + content.fieldNames().next() + ")");
        }
        JsonNode schema = media.path("schema");
        byte[] bytes = r.asByteArray();
        String jsonLength = r.header(JSON_LENGTH);
        if (jsonLength != null) {
            int n = Integer.parseInt(jsonLength);
            if (n < 0 || n > bytes.length) {
                fail(where + ": " + JSON_LENGTH + " " + n + " is not within the " + bytes.length + "-byte body");
            }
            schema = content.path("application/json").path("schema");
            bytes = Arrays.copyOf(bytes, n);
        } else if (!type.endsWith("json")) {
            return;
        }
        if (schema.isMissingNode()) {
            return;
        }
        JsonNode body;
        try {
            body = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new AssertionError(where + ": body is not JSON: " + r.asString(), e);
        }
        ObjectNode root = schema.deepCopy() instanceof ObjectNode o ? o : JSON.createObjectNode();
        root.set("components", SPEC.path("components"));
        JsonSchema validator = SCHEMAS.getSchema(root);
        Set<ValidationMessage> errors = validator.validate(body);
        if (!errors.isEmpty()) {
            fail(where + ": body does not match infermesh.yaml: " + errors + "\nbody: " + r.asString());
        }
    }

    private static JsonNode operation(String method, String path) {
        for (Template t : TEMPLATES) {
            if (t.regex.matcher(path).matches()) {
                JsonNode op = SPEC.path("paths").path(t.template).get(method.toLowerCase(Locale.ROOT));
                if (op != null) {
                    return op;
                }
            }
        }
        throw new AssertionError(method + " " + path + " is not an operation of infermesh.yaml");
    }

    private static JsonNode resolve(JsonNode node) {
        JsonNode ref = node.get("$ref");
        if (ref == null) {
            return node;
        }
        return resolve(SPEC.at(ref.asText().substring(1)));
    }

    private static JsonNode load() {
        try (InputStream in = Contract.class.getResourceAsStream("/META-INF/infermesh/infermesh.yaml")) {
            if (in == null) {
                throw new IllegalStateException("infermesh.yaml is not on the class path (infermesh-openapi jar)");
            }
            return new ObjectMapper(new YAMLFactory()).readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Template> templates() {
        List<Template> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = SPEC.path("paths").fields(); it.hasNext(); ) {
            String template = it.next().getKey();
            String regex = Pattern.quote(template).replaceAll("\\{[^}]+}", "\\\\E[^/]+\\\\Q");
            int params = template.split("\\{", -1).length - 1;
            out.add(new Template(template, Pattern.compile(regex), params));
        }
        out.sort(Comparator.comparingInt(Template::params));
        return out;
    }

    private record Template(String template, Pattern regex, int params) {}
}
