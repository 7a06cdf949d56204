package io.infermesh.store.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Canonical JSON in the style of RFC 8785 (JCS), restricted to what manifests contain: object members sorted by key
 * (UTF-16 code-unit order), no insignificant whitespace, integers only (amounts travel as strings), and the minimal
 * string escaping of JCS (only {@code "}, {@code \}, and control characters; {@code \b \f \n \r \t} by name, others as
 * lower-case {@code &#92;u00xx}). The same document therefore always has the same bytes, and so the same CID.
 */
public final class CanonicalJson {
    private CanonicalJson() {}

    public static byte[] write(JsonNode node) {
        StringBuilder sb = new StringBuilder(1024);
        append(node, sb);
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void append(JsonNode node, StringBuilder sb) {
        switch (node.getNodeType()) {
            case OBJECT -> {
                List<Map.Entry<String, JsonNode>> fields = new ArrayList<>(node.properties());
                fields.sort(Map.Entry.comparingByKey());
                sb.append('{');
                for (int i = 0; i < fields.size(); i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    appendString(fields.get(i).getKey(), sb);
                    sb.append(':');
                    append(fields.get(i).getValue(), sb);
                }
                sb.append('}');
            }
            case ARRAY -> {
                sb.append('[');
                for (int i = 0; i < node.size(); i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    append(node.get(i), sb);
                }
                sb.append(']');
            }
            case STRING -> appendString(node.textValue(), sb);
            case NUMBER -> {
                if (!node.isIntegralNumber()) {
                    throw new InvalidManifestException(
                            "canonical JSON holds integers only; write fractional values as strings");
                }
                sb.append(node.bigIntegerValue());
            }
            case BOOLEAN -> sb.append(node.booleanValue());
            case NULL -> sb.append("null");
            default -> throw new InvalidManifestException("unsupported JSON node " + node.getNodeType());
        }
    }

    private static void appendString(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
