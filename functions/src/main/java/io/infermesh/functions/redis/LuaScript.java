package io.infermesh.functions.redis;

import io.infermesh.functions.FunctionsException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One Lua script from {@code src/main/resources/redis/}, prefixed with {@code bigint.lua} (exact decimal-string
 * arithmetic and Redis time helpers). Run by SHA-1 with {@code EVALSHA}; {@link RedisState} falls back to
 * {@code EVAL} (which also caches it) when the server answers {@code NOSCRIPT}, e.g. after a restart.
 */
final class LuaScript {
    private static final String PRELUDE = "bigint";

    private final String name;
    private final String source;
    private final String sha;

    private LuaScript(String name, String source) {
        this.name = name;
        this.source = source;
        this.sha = sha1(source);
    }

    static LuaScript load(String name) {
        return new LuaScript(name, resource(PRELUDE) + "\n" + resource(name));
    }

    /** {@link #load(String)} with more shared code before the script: {@code libraries}, in order. */
    static LuaScript load(String name, String... libraries) {
        StringBuilder source = new StringBuilder(resource(PRELUDE)).append('\n');
        for (String library : libraries) {
            source.append(resource(library)).append('\n');
        }
        return new LuaScript(name, source.append(resource(name)).toString());
    }

    String name() {
        return name;
    }

    String source() {
        return source;
    }

    String sha() {
        return sha;
    }

    private static String resource(String name) {
        String path = "/redis/" + name + ".lua";
        try (InputStream in = LuaScript.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new FunctionsException(FunctionsException.ErrorCode.STATE_UNAVAILABLE, "cannot read " + path, e);
        }
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
