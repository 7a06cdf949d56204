package io.infermesh.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tail latency with one of three workers slowed (not a test; {@code deploy/bench.sh it}). Real processes on loopback:
 * Redis, S3Proxy, three workers serving MiniLM, one of them started with {@code infermesh.pool.fault.slowdown} (every
 * execution takes that many times its compute time, like a slower device), and two gateways on the same Redis: the
 * default one (peak-EWMA, power of two choices) and one with {@code infermesh.gateway.inference.balancer=round-robin}.
 * The same open-loop load goes through each gateway in turn, alternating, twice each; hedging is off in both, so the
 * difference is the choice of worker alone. Each worker's Prometheus counter says how many calls it served.
 *
 * <p>Settings: {@code -Dbench.rate} requests/s (default 30), {@code -Dbench.seconds} per phase (default 15), {@code
 * -Dbench.slowdown} (default 10), {@code -Dbench.warmup-seconds} of closed-loop warm-up per gateway (default 20),
 * {@code -Dbench.worker-cpus} to give the workers CPUs of their own ({@link CpuPinning}).
 */
class RoutingBenchmark {
    private static final Pattern SUCCESS =
            Pattern.compile("^infermesh_pool_requests_success_total\\{[^}]*} ([0-9.eE+]+)$", Pattern.MULTILINE);
    private static final Map<String, String> NO_RATE_LIMIT = Map.of(
            "INFERMESH_GATEWAY_RATE_LIMIT_BURST", "100000",
            "INFERMESH_GATEWAY_RATE_LIMIT_PER_SECOND", "100000");

    @RegisterExtension
    static final Platform platform = Platform.with("routing", NO_RATE_LIMIT);

    private final LoopbackHttp loop = new LoopbackHttp();
    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void oneSlowWorkerOfThree() throws Exception {
        int rate = Integer.getInteger("bench.rate", 30);
        int seconds = Integer.getInteger("bench.seconds", 15);
        String slowdown = System.getProperty("bench.slowdown", "10");
        int warmUp = Integer.getInteger("bench.warmup-seconds", 20);

        Map<String, String> roundRobinSettings = new LinkedHashMap<>(NO_RATE_LIMIT);
        roundRobinSettings.put("INFERMESH_GATEWAY_INFERENCE_BALANCER", "round-robin");
        Service roundRobin = platform.startGateway("gateway-round-robin", roundRobinSettings);

        EthKey owner = EthKey.random();
        Path keys = platform.root().resolve("keys");
        String apiKey = Accounts.signIn(platform, owner);
        Accounts.fund(platform, apiKey, "1000000000000000000");
        String cid = Published.publish(
                platform,
                apiKey,
                Published.miniLmFolder(platform.root().resolve("model"), "1"),
                Cli.keyFile(keys, owner),
                "bench/minilm:latest");
        EthKey pool = EthKey.random();
        Pools.register(platform, pool, pool, "0");
        Path poolKey = Cli.keyFile(keys, pool);
        Map<String, Service> workers = new LinkedHashMap<>();
        workers.put("fast-1", Pools.startWorker(platform, poolKey, "fast-1", cid));
        workers.put("fast-2", Pools.startWorker(platform, poolKey, "fast-2", cid));
        workers.put(
                "slow",
                Pools.startWorker(platform, poolKey, "slow", cid, Map.of("INFERMESH_POOL_FAULT_SLOWDOWN", slowdown)));
        Pools.awaitWarm(platform, 3, cid);
        Optional<CpuPinning> pinning = CpuPinning.fromProperties();
        pinning.ifPresent(p -> p.apply(platform, List.copyOf(workers.values())));

        byte[] body = "{\"model\":\"bench/minilm\",\"input\":\"A man is playing a guitar.\"}"
                .getBytes(StandardCharsets.UTF_8);
        Supplier<CompletableFuture<?>> viaOurs = () -> OpenLoop.embeddings(loop, platform.url(), apiKey, body);
        Supplier<CompletableFuture<?>> viaRoundRobin =
                () -> OpenLoop.embeddings(loop, roundRobin.get("GATEWAY_URL"), apiKey, body);

        // Warm both gateways (JIT, connections, the balancer's estimates) before measuring: closed loops, then a few
        // seconds at the measured rate.
        long warmOurs = OpenLoop.closedLoop(viaOurs, 4, warmUp);
        long warmRoundRobin = OpenLoop.closedLoop(viaRoundRobin, 4, warmUp);
        OpenLoop.run(viaOurs, rate, 5);
        OpenLoop.run(viaRoundRobin, rate, 5);
        List<Long> ours = new ArrayList<>();
        List<Long> roundRobinNanos = new ArrayList<>();
        Map<String, Double> oursServed = new LinkedHashMap<>();
        Map<String, Double> roundRobinServed = new LinkedHashMap<>();
        for (int round = 0; round < 2; round++) {
            Map<String, Double> before = served(workers);
            roundRobinNanos.addAll(OpenLoop.run(viaRoundRobin, rate, seconds));
            Map<String, Double> middle = served(workers);
            ours.addAll(OpenLoop.run(viaOurs, rate, seconds));
            Map<String, Double> after = served(workers);
            workers.keySet().forEach(w -> {
                roundRobinServed.merge(w, middle.get(w) - before.get(w), Double::sum);
                oursServed.merge(w, after.get(w) - middle.get(w), Double::sum);
            });
        }

        long[] rr = OpenLoop.sorted(roundRobinNanos);
        long[] pe = OpenLoop.sorted(ours);
        StringBuilder md = new StringBuilder();
        md.append("### Tail latency with one of three workers slowed ")
                .append(slowdown)
                .append("× (RoutingBenchmark)\n\n");
        md.append("`deploy/bench.sh it -Dit.test=RoutingBenchmark -Dbench.rate=")
                .append(rate)
                .append(" -Dbench.seconds=")
                .append(seconds)
                .append(" -Dbench.slowdown=")
                .append(slowdown)
                .append(pinning.map(p -> " " + p.property()).orElse(""))
                .append("`, ")
                .append(Instant.now())
                .append(", ")
                .append(Runtime.getRuntime().availableProcessors())
                .append(" CPUs; three MiniLM workers (batching on, one with infermesh.pool.fault.slowdown=")
                .append(slowdown)
                .append("), two gateways on one Redis, one sentence per call via `/v1/embeddings`, ")
                .append(rate)
                .append(" requests/s open loop, 2 × ")
                .append(seconds)
                .append(" s per balancer, alternating; hedging off. Warmed first by closed loops of 4 callers for ")
                .append(warmUp)
                .append(" s per gateway (")
                .append(warmOurs)
                .append(" calls through ours, ")
                .append(warmRoundRobin)
                .append(" through round robin), then 5 s each at the rate.")
                .append(pinning.map(p -> " " + p.describe() + ".").orElse(""))
                .append("\n\n");
        md.append("| balancer | calls | p50 ms | p90 ms | p99 ms | max ms | calls served by the slow worker |\n");
        md.append("| --- | --- | --- | --- | --- | --- | --- |\n");
        row(md, "round robin (baseline)", rr, roundRobinServed);
        row(md, "peak-EWMA, power of two choices", pe, oursServed);
        md.append(String.format(
                "%n**p99 round robin / p99 peak-EWMA = %.2f×** (p50 %.2f×).%n",
                OpenLoop.q(rr, 0.99) / OpenLoop.q(pe, 0.99), OpenLoop.q(rr, 0.5) / OpenLoop.q(pe, 0.5)));
        loop.close();
        Path out = Files.createDirectories(Path.of("target", "benchmarks")).resolve("routing.md");
        Files.writeString(out, md.toString());
        System.out.println(md);
    }

    /** Calls each worker has served so far (its {@code infermesh_pool_requests_success_total}). */
    private Map<String, Double> served(Map<String, Service> workers) throws IOException, InterruptedException {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, Service> w : workers.entrySet()) {
            String metrics = http.send(
                            HttpRequest.newBuilder(URI.create(w.getValue().get("WORKER_HTTP") + "/q/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            double total = 0;
            for (Matcher m = SUCCESS.matcher(metrics); m.find(); ) {
                total += Double.parseDouble(m.group(1));
            }
            out.put(w.getKey(), total);
        }
        return out;
    }

    private static void row(StringBuilder md, String name, long[] a, Map<String, Double> served) {
        double all = served.values().stream().mapToDouble(Double::doubleValue).sum();
        md.append(String.format(
                "| %s | %d | %.2f | %.2f | %.2f | %.2f | %.0f of %.0f (%.1f %%) |%n",
                name,
                a.length,
                OpenLoop.q(a, 0.5) / 1e6,
                OpenLoop.q(a, 0.9) / 1e6,
                OpenLoop.q(a, 0.99) / 1e6,
                a[a.length - 1] / 1e6,
                served.get("slow"),
                all,
                100 * served.get("slow") / all));
    }
}
