package io.infermesh.pool.gateway;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The body of {@code POST /v1/workers}: {@code {"payload":"<canonical JSON text>","signature":"0x…"}}, where the
 * signature is EIP-191 {@code personal_sign} over the exact UTF-8 bytes of {@code payload}.
 *
 * @param payload the signed text
 * @param signature 65 bytes {@code r || s || v} as {@code 0x}-prefixed hex
 */
public record SignedEnvelope(String payload, String signature) {
    private static final Pattern SIGNATURE = Pattern.compile("0x[0-9a-f]{130}");

    public SignedEnvelope {
        Objects.requireNonNull(payload, "payload");
        if (signature == null || !SIGNATURE.matcher(signature).matches()) {
            throw new IllegalArgumentException("a signature is 0x followed by 130 lower-case hex digits");
        }
    }

    /** Signs {@code registration}'s canonical JSON with the pool's key. */
    public static SignedEnvelope sign(WorkerRegistration registration, PoolKey key) {
        byte[] payload = registration.canonicalJson();
        return new SignedEnvelope(
                new String(payload, StandardCharsets.UTF_8), key.sign(payload).toHex());
    }

    /** The request body. */
    public ObjectNode toJson() {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("payload", payload);
        node.put("signature", signature);
        return node;
    }
}
