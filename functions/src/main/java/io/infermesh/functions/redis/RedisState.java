package io.infermesh.functions.redis;

import io.infermesh.functions.FunctionsException;
import io.infermesh.functions.FunctionsException.ErrorCode;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * One Lettuce connection to Redis shared by the state layer (Lettuce connections are thread-safe and pipeline the
 * commands of concurrent callers), plus the two things every component needs: Redis {@code TIME} and running a
 * {@link LuaScript}. Every Redis failure leaves here as a {@link FunctionsException}: {@code STATE_UNAVAILABLE} for
 * transport errors, {@code INVALID_INPUT} / {@code CONFLICT} for scripts that refused with an {@code IM_INVALID} /
 * {@code IM_CONFLICT} error reply (scripts check everything before their first write, so a refusal changed nothing).
 */
public final class RedisState implements AutoCloseable {
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final Duration timeout;

    private RedisState(RedisClient client, StatefulRedisConnection<String, String> connection, Duration timeout) {
        this.client = client;
        this.connection = connection;
        this.timeout = timeout;
    }

    /**
     * Connects to {@code redisUrl} ({@code redis://host:port[/db]}).
     *
     * @param timeout per-command timeout
     */
    public static RedisState connect(String redisUrl, Duration timeout) {
        RedisURI uri = RedisURI.create(redisUrl);
        uri.setTimeout(timeout);
        RedisClient client = RedisClient.create(uri);
        try {
            return new RedisState(client, client.connect(), timeout);
        } catch (RedisException e) {
            client.shutdown();
            throw unavailable(e);
        }
    }

    /** Runs {@code call} on the synchronous command API, mapping Redis failures. */
    <T> T call(Function<RedisCommands<String, String>, T> call) {
        try {
            return call.apply(connection.sync());
        } catch (RedisCommandExecutionException e) {
            throw mapReply(e);
        } catch (RedisException e) {
            throw unavailable(e);
        }
    }

    /** Redis server time, the one clock all gateways share. */
    Instant time() {
        List<String> t = call(RedisCommands::time);
        return Instant.ofEpochSecond(Long.parseLong(t.get(0)), Long.parseLong(t.get(1)) * 1000);
    }

    /** Runs {@code script} (EVALSHA, EVAL on NOSCRIPT); its reply is a flat list of bulk strings. */
    List<String> run(LuaScript script, String[] keys, String... args) {
        return await(runAsync(script, keys, args));
    }

    /** The value of {@code f}, waiting for it; a failure leaves as the {@link FunctionsException} it carries. */
    static <T> T await(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /**
     * {@link #run} without blocking: the script is on the connection when this returns, so commands sent after it by
     * any thread run after it in Redis (one connection keeps its order). The future fails with the same {@link
     * FunctionsException}s {@link #run} throws.
     */
    CompletableFuture<List<String>> runAsync(LuaScript script, String[] keys, String... args) {
        RedisAsyncCommands<String, String> c = connection.async();
        return c.<List<Object>>evalsha(script.sha(), ScriptOutputType.MULTI, keys, args)
                .toCompletableFuture()
                .orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS)
                .exceptionallyCompose(e -> unwrap(e) instanceof RedisNoScriptException
                        ? c.<List<Object>>eval(script.source(), ScriptOutputType.MULTI, keys, args)
                                .toCompletableFuture()
                                .orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS)
                        : CompletableFuture.failedFuture(e))
                .handle((reply, e) -> {
                    if (e != null) {
                        throw switch (unwrap(e)) {
                            case RedisCommandExecutionException r -> mapReply(r);
                            case RedisException r -> unavailable(r);
                            case FunctionsException f -> f;
                            case TimeoutException t ->
                                new FunctionsException(
                                        ErrorCode.STATE_UNAVAILABLE, "Redis did not answer within " + timeout, t);
                            case Throwable t ->
                                new FunctionsException(ErrorCode.STATE_UNAVAILABLE, "Redis failed: " + t, t);
                        };
                    }
                    return reply.stream()
                            .map(o -> o == null ? null : o.toString())
                            .toList();
                });
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException || e instanceof ExecutionException ? e.getCause() : e;
    }

    /** Loads scripts into the server's script cache up front (they are also loaded on first NOSCRIPT). */
    void preload(LuaScript... scripts) {
        for (LuaScript s : scripts) {
            call(c -> c.scriptLoad(s.source()));
        }
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    private static FunctionsException mapReply(RedisCommandExecutionException e) {
        String msg = String.valueOf(e.getMessage());
        // The error code is the reply's first word (the Redis protocol's convention), set by our scripts.
        int at = msg.indexOf("IM_");
        String[] parts = at < 0 ? new String[] {""} : msg.substring(at).split(" ", 2);
        String detail = parts.length > 1 ? parts[1] : parts[0];
        return switch (parts[0]) {
            case "IM_INVALID" -> new FunctionsException(ErrorCode.INVALID_INPUT, detail, e);
            case "IM_CONFLICT" -> new FunctionsException(ErrorCode.CONFLICT, detail, e);
            default -> unavailable(e);
        };
    }

    private static FunctionsException unavailable(RedisException e) {
        return new FunctionsException(ErrorCode.STATE_UNAVAILABLE, "Redis failed: " + e.getMessage(), e);
    }
}
