package io.infermesh.functions.redis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.infermesh.functions.FunctionsException;
import io.infermesh.functions.FunctionsException.ErrorCode;
import io.infermesh.functions.Idempotency;
import io.infermesh.functions.IdempotencyClaim;
import io.infermesh.functions.IdempotencyKey;
import io.infermesh.functions.ReceiptId;
import io.infermesh.functions.StoredResponse;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Wei;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * {@link Idempotency} on Redis: one hash per (account, SHA-256 of the key), claimed and finished by two Lua scripts.
 * The stored response is JSON {@code {status, headers, body (base64), charged, receipt}}; a claim can also be
 * completed by {@link RedisLedger}'s commit script, in the same step as the charge (it fills in charged and receipt).
 */
public final class RedisIdempotency implements Idempotency {
    private static final LuaScript CLAIM = LuaScript.load("idempotency_claim");
    private static final LuaScript FINISH = LuaScript.load("idempotency_finish");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RedisState redis;
    private final Duration replayWindow;
    private final Duration inProgressTtl;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param replayWindow how long a finished call's response is replayed (24 h)
     * @param inProgressTtl how long a claim blocks duplicates if its gateway never finishes it; longer than any call
     */
    public RedisIdempotency(RedisState redis, Duration replayWindow, Duration inProgressTtl) {
        this.redis = Objects.requireNonNull(redis, "redis");
        if (replayWindow.toMillis() < 1 || inProgressTtl.toMillis() < 1) {
            throw FunctionsException.invalid("idempotency windows must be positive");
        }
        this.replayWindow = replayWindow;
        this.inProgressTtl = inProgressTtl;
        redis.preload(CLAIM, FINISH);
    }

    @Override
    public IdempotencyClaim claim(EthAddress account, IdempotencyKey key, String bodyHash) {
        if (bodyHash == null || bodyHash.isEmpty() || bodyHash.length() > 128) {
            throw FunctionsException.invalid("a body hash is 1-128 characters");
        }
        byte[] t = new byte[16];
        random.nextBytes(t);
        String token = HexFormat.of().formatHex(t);
        List<String> r =
                redis.run(CLAIM, new String[] {recordKey(account, key)}, bodyHash, token, millis(inProgressTtl));
        return switch (r.get(0)) {
            case "claimed" -> new IdempotencyClaim.Claimed(token);
            case "conflict" -> new IdempotencyClaim.Conflict();
            case "in_progress" -> new IdempotencyClaim.InProgress();
            case "done" -> new IdempotencyClaim.Replay(decode(r.get(1)));
            default -> throw new FunctionsException(ErrorCode.STATE_UNAVAILABLE, "claim script answered " + r);
        };
    }

    @Override
    public boolean complete(EthAddress account, IdempotencyKey key, String token, StoredResponse response) {
        return "stored".equals(finish(account, key, token, encode(response), replayWindow));
    }

    @Override
    public boolean abandon(EthAddress account, IdempotencyKey key, String token) {
        return "abandoned".equals(finish(account, key, token, "", replayWindow));
    }

    @Override
    public Duration replayWindow() {
        return replayWindow;
    }

    /** The Redis key of {@code account}'s record for {@code key}, for scripts that complete it (commit). */
    static String recordKey(EthAddress account, IdempotencyKey key) {
        return RedisKeys.idempotency(account, Sha256.hex(key.value()));
    }

    private String finish(EthAddress account, IdempotencyKey key, String token, String response, Duration ttl) {
        Objects.requireNonNull(token, "token");
        return redis.run(FINISH, new String[] {recordKey(account, key)}, token, response, millis(ttl))
                .get(0);
    }

    private static String millis(Duration d) {
        return Long.toString(d.toMillis());
    }

    static String encode(StoredResponse r) {
        ObjectNode node = JSON.createObjectNode();
        node.put("status", r.status());
        ObjectNode headers = node.putObject("headers");
        r.headers().forEach(headers::put);
        node.put("body", Base64.getEncoder().encodeToString(r.body()));
        node.put("charged", r.charged().toString());
        r.receiptId().ifPresent(id -> node.put("receipt", id.value()));
        return node.toString();
    }

    static StoredResponse decode(String json) {
        try {
            JsonNode node = JSON.readTree(json);
            Map<String, String> headers = new LinkedHashMap<>();
            node.path("headers")
                    .properties()
                    .forEach(e -> headers.put(e.getKey(), e.getValue().asText()));
            JsonNode receipt = node.get("receipt");
            return new StoredResponse(
                    node.path("status").asInt(),
                    headers,
                    Base64.getDecoder().decode(node.path("body").asText()),
                    Wei.parse(node.path("charged").asText()),
                    receipt == null ? Optional.empty() : Optional.of(new ReceiptId(receipt.asText())));
        } catch (IOException | RuntimeException e) {
            throw new FunctionsException(ErrorCode.STATE_UNAVAILABLE, "stored response does not parse", e);
        }
    }
}
