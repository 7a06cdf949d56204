package io.infermesh.functions.redis;

import io.infermesh.store.testing.DeployedService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real {@code redis-server} started by {@code deploy/redis.sh} in its own WORKDIR under {@code target/}, and a
 * {@link RedisState} connected to it. {@link #kill()} sends SIGKILL to the PID the script printed.
 */
public final class RedisServer implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
    private final String owner;
    private Path workdir;
    private DeployedService service;
    private RedisState state;

    private RedisServer(String owner) {
        this.owner = owner;
    }

    /** Starts a server on a fresh WORKDIR named after {@code owner}. */
    public static RedisServer start(String owner) {
        RedisServer server = new RedisServer(owner);
        server.begin();
        return server;
    }

    /**
     * A server for one test class, as a JUnit extension: {@code @RegisterExtension static final RedisServer server =
     * RedisServer.forClass("ledger");} starts it before the class's first test and stops it after its last.
     */
    public static RedisServer forClass(String owner) {
        return new RedisServer(owner);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        begin();
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        close();
    }

    private void begin() {
        try {
            Path dir = Files.createDirectories(Path.of("target", "it-redis"));
            workdir = Files.createTempDirectory(dir, owner + "-").toAbsolutePath();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        restart();
    }

    /** (Re)starts on the same WORKDIR (a new port) and reconnects. */
    public void restart() {
        try {
            service = DeployedService.start("redis.sh", workdir);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        state = RedisState.connect(service.value("REDIS_URL"), Duration.ofSeconds(10));
    }

    public RedisState state() {
        return state;
    }

    /** Empties the database between tests. */
    public void flush() {
        state.call(c -> c.flushall());
    }

    /**
     * Deletes the holds in flight (their records and the accounts' held hashes), which is what a restart does to them
     * ({@link RedisLedger}: soft state), without changing the server's port under a running gateway.
     */
    public void loseHoldsInFlight() {
        state.call(c -> {
            for (String hold : c.keys("im:hold:*")) {
                if ("held".equals(c.hget(hold, "state"))) {
                    c.del(hold);
                }
            }
            for (String held : c.keys("im:{acct:*}:held")) {
                c.del(held);
            }
            return null;
        });
    }

    /** Everything in the server's append-only files (base and increments), as text. */
    public String appendOnlyText() {
        try (Stream<Path> files = Files.list(workdir.resolve("appendonlydir"))) {
            StringBuilder text = new StringBuilder();
            for (Path f : files.sorted().toList()) {
                text.append(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
            }
            return text.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGKILL, as a crash: nothing is flushed beyond what Redis already fsynced. Waits until the process is gone. */
    public void kill() throws InterruptedException {
        state.close();
        long pid = Long.parseLong(service.value("PID"));
        ProcessHandle handle = ProcessHandle.of(pid).orElseThrow();
        handle.destroyForcibly();
        handle.onExit().orTimeout(30, TimeUnit.SECONDS).join();
    }

    @Override
    public void close() throws IOException {
        try {
            state.close();
        } finally {
            service.close();
        }
    }
}
