package io.infermesh.functions.testing;

import io.infermesh.functions.IssuedKey;
import io.infermesh.functions.RegistryPolicy;
import io.infermesh.functions.TestKeys;
import io.infermesh.functions.redis.RedisApiKeys;
import io.infermesh.functions.redis.RedisLedger;
import io.infermesh.functions.redis.RedisRegistry;
import io.infermesh.functions.redis.RedisState;
import io.infermesh.store.ModelRef;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Wei;
import io.infermesh.store.s3.S3BlobStore;
import io.infermesh.store.s3.S3Config;
import io.infermesh.store.s3.S3TagStore;
import io.infermesh.store.testing.DeployedService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The packaged gateway ({@code functions/target/quarkus-app}) as a real process, with its Redis and S3 server, each
 * started by its {@code deploy/} script on free loopback ports and stopped by PID after the class: {@code
 * @RegisterExtension static final GatewayProcess gateway = GatewayProcess.forClass("name");}. The test reaches the
 * same Redis and bucket to set up accounts, keys, models and pools the way the gateway's own code writes them, and
 * calls the gateway over HTTP.
 */
public final class GatewayProcess implements BeforeAllCallback, AfterAllCallback {
    private static final String BUCKET = "infermesh";

    private final String owner;
    private final Map<String, String> settings;
    private final Deque<DeployedService> started = new ArrayDeque<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private DeployedService s3;
    private DeployedService gateway;
    private RedisState redis;

    private GatewayProcess(String owner, Map<String, String> settings) {
        this.owner = owner;
        this.settings = Map.copyOf(settings);
    }

    public static GatewayProcess forClass(String owner) {
        return new GatewayProcess(owner, Map.of());
    }

    /** A gateway with {@code settings} added to its environment ({@code INFERMESH_GATEWAY_...} variables). */
    public static GatewayProcess forClass(String owner, Map<String, String> settings) {
        return new GatewayProcess(owner, settings);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException, InterruptedException {
        Path root = Files.createTempDirectory(Files.createDirectories(Path.of("target", "it-gateway")), owner + "-")
                .toAbsolutePath();
        DeployedService r = track(DeployedService.start("redis.sh", root.resolve("redis")));
        s3 = track(DeployedService.start("s3.sh", root.resolve("s3")));
        Map<String, String> env = new HashMap<>();
        env.put("INFERMESH_GATEWAY_REDIS_URL", r.value("REDIS_URL"));
        env.put("INFERMESH_GATEWAY_STORE_S3_ENDPOINT", s3.value("S3_ENDPOINT"));
        env.put("INFERMESH_GATEWAY_STORE_S3_ACCESS_KEY", s3.value("S3_ACCESS_KEY"));
        env.put("INFERMESH_GATEWAY_STORE_S3_SECRET_KEY", s3.value("S3_SECRET_KEY"));
        env.put("INFERMESH_GATEWAY_STORE_S3_BUCKET", BUCKET);
        env.put("INFERMESH_GATEWAY_FAUCET_ENABLED", "true");
        env.putAll(settings);
        gateway = track(DeployedService.start("gateway.sh", root.resolve("gateway"), env));
        redis = RedisState.connect(r.value("REDIS_URL"), Duration.ofSeconds(10));
    }

    private DeployedService track(DeployedService s) {
        started.push(s);
        return s;
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        if (redis != null) {
            redis.close();
        }
        while (!started.isEmpty()) {
            started.pop().close();
        }
    }

    /** The gateway's base URL. */
    public URI url(String path) {
        return URI.create(gateway.value("GATEWAY_URL") + path);
    }

    /** Whether the gateway process is still running. */
    public boolean alive() {
        return ProcessHandle.of(Long.parseLong(gateway.value("PID")))
                .map(ProcessHandle::isAlive)
                .orElse(false);
    }

    public RedisState redis() {
        return redis;
    }

    public S3Config store() {
        return s3.s3Config(BUCKET);
    }

    public RedisLedger ledger() {
        return new RedisLedger(redis, Duration.ofDays(7));
    }

    public RedisRegistry registry() {
        return new RedisRegistry(
                redis, new RegistryPolicy(Duration.ofMinutes(5), Duration.ofMinutes(5)), Clock.systemUTC());
    }

    /** A new account with an API key and {@code creditWei} to spend. */
    public Account account(String creditWei) {
        EthAddress address = TestKeys.address(TestKeys.random());
        IssuedKey key = new RedisApiKeys(redis, Clock.systemUTC()).issue(address, "test");
        if (!creditWei.equals("0")) {
            ledger().credit(address, Wei.parse(creditWei), "test", "grant-" + UUID.randomUUID());
        }
        return new Account(address, key.secret());
    }

    public record Account(EthAddress address, String apiKey) {}

    /** Publishes a text-embedding model as {@code ref} (its weights are {@code weights}) at {@code priceWei}. */
    public StoredModels.Model publish(String ref, String weights, String priceWei) {
        StoredModels.Model m = StoredModels.store(
                S3BlobStore.connect(store()),
                StoredModels.model(weights, TestKeys.address(TestKeys.random()), priceWei));
        S3TagStore.connect(store()).setTag(ModelRef.parse(ref), m.cid());
        return m;
    }

    /** A POST with {@code headers} (name, value, name, value, ...). */
    public HttpResponse<byte[]> post(String path, byte[] body, String... headers) {
        return send(
                HttpRequest.newBuilder(url(path))
                        .timeout(Duration.ofSeconds(60))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)),
                headers);
    }

    public HttpResponse<byte[]> get(String path, String... headers) {
        return send(
                HttpRequest.newBuilder(url(path))
                        .timeout(Duration.ofSeconds(30))
                        .GET(),
                headers);
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder b, String... headers) {
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
