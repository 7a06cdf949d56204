package io.infermesh.it;

import io.restassured.RestAssured;
import io.restassured.builder.RequestSpecBuilder;
import io.restassured.config.HttpClientConfig;
import io.restassured.config.RedirectConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The platform for one test class: Redis, the S3 server and a gateway, each started by its {@code deploy/} script on
 * free loopback ports and stopped by PID after the class (workers are started by the tests that need them, through
 * {@link #startWorker}). Register with {@code @RegisterExtension static final Platform platform = Platform.with(...)}.
 */
final class Platform implements BeforeAllCallback, AfterAllCallback {
    private final String name;
    private final Map<String, String> gatewayEnv;
    private final Deque<Service> started = new ArrayDeque<>();
    private Path root;
    private Service redis;
    private Service s3;
    private Service gateway;

    private Platform(String name, Map<String, String> gatewayEnv) {
        this.name = name;
        this.gatewayEnv = gatewayEnv;
    }

    /** A platform whose gateway has the faucet on, plus {@code gatewaySettings} ({@code INFERMESH_GATEWAY_*}). */
    static Platform with(String name, Map<String, String> gatewaySettings) {
        Map<String, String> env = new HashMap<>(gatewaySettings);
        env.putIfAbsent("INFERMESH_GATEWAY_FAUCET_ENABLED", "true");
        return new Platform(name, env);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        Path base = Files.createDirectories(Path.of("target", "it-platform"));
        root = Files.createTempDirectory(base, name + "-").toAbsolutePath();
        redis = track(Service.start("redis.sh", root.resolve("redis"), Map.of()));
        s3 = track(Service.start("s3.sh", root.resolve("s3"), Map.of()));
        Map<String, String> env = new HashMap<>(gatewayEnv);
        env.putAll(storeEnv());
        env.put("INFERMESH_GATEWAY_REDIS_URL", redis.get("REDIS_URL"));
        gateway = track(Service.start("gateway.sh", root.resolve("gateway"), env));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        while (!started.isEmpty()) {
            started.pop().close();
        }
    }

    /** The gateway's base URL. */
    String url() {
        return gateway.get("GATEWAY_URL");
    }

    Service gateway() {
        return gateway;
    }

    Path root() {
        return root;
    }

    /** The S3 settings the gateway uses, as {@code INFERMESH_GATEWAY_STORE_*} variables. */
    Map<String, String> storeEnv() {
        return Map.of(
                "INFERMESH_GATEWAY_STORE_S3_ENDPOINT", s3.get("S3_ENDPOINT"),
                "INFERMESH_GATEWAY_STORE_S3_ACCESS_KEY", s3.get("S3_ACCESS_KEY"),
                "INFERMESH_GATEWAY_STORE_S3_SECRET_KEY", s3.get("S3_SECRET_KEY"));
    }

    /**
     * Starts a second gateway on the same Redis and S3 (gateways share all state, so a key, a balance or a worker
     * registered through one works through the other), with the faucet on plus {@code settings}.
     */
    Service startGateway(String workdir, Map<String, String> settings) {
        Map<String, String> env = new HashMap<>(settings);
        env.putIfAbsent("INFERMESH_GATEWAY_FAUCET_ENABLED", "true");
        env.putAll(storeEnv());
        env.put("INFERMESH_GATEWAY_REDIS_URL", redis.get("REDIS_URL"));
        return start("gateway.sh", workdir, env);
    }

    /** Every process this platform started and still tracks: Redis, S3, gateways, workers. */
    List<Service> services() {
        return List.copyOf(started);
    }

    /** Starts another process with a {@code deploy/} script; it is stopped after the class. */
    Service start(String script, String workdir, Map<String, String> env) {
        return track(Service.start(script, root.resolve(workdir), env));
    }

    /** Requests to the gateway, every response checked against infermesh.yaml; redirects are not followed. */
    RequestSpecification api() {
        return RestAssured.given(new RequestSpecBuilder()
                .setBaseUri(url())
                .setConfig(RestAssuredConfig.config()
                        .redirect(RedirectConfig.redirectConfig().followRedirects(false))
                        .httpClient(HttpClientConfig.httpClientConfig().reuseHttpClientInstance()))
                .addFilter(Contract.INSTANCE)
                .build());
    }

    /** {@link #api()} as the holder of {@code apiKey}. */
    RequestSpecification as(String apiKey) {
        return api().header("Authorization", "Bearer " + apiKey);
    }

    private Service track(Service s) {
        started.push(s);
        return s;
    }
}
