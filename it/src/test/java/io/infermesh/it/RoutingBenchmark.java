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
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tail latency with one of three workers slowed (not a test; {@code deploy/bench.sh it}). Real processes on loopback:
 * Redis, S3Proxy, three workers serving MiniLM, one of them started with {@code infermesh.pool.fault.slowdown} (every
 * execution takes that many times its compute time, like a slower device), and two gateways on the same Redis: the
 * default one (peak-EWMA, power of two choices) and one with {@code infermesh.gateway.inference.balancer=round-robin}.
 * The same open-loop load goes through each gateway in turn, twice each; hedging is off in both, so the difference is
 * the choice of worker alone. A third gateway, peak-EWMA with hedging after the model's observed latency quantile
 * ({@code -Dbench.hedge-quantile}, default 0.95; 0 leaves it out), shows what the router's optional hedging adds on
 * top. Each worker's Prometheus counter says how many calls it served, so hedged copies and the router's measuring
 * copies show as executions per call. The report also says where each gateway's slowest 1 % of calls spent their time:
 * the client's round trip against the gateway's own {@code Server-Timing} ({@code total}, {@code infer}).
 *
 * <p>Settings: {@code -Dbench.rate} requests/s (default 30), {@code -Dbench.seconds} per phase (default 15), {@code
 * -Dbench.slowdown} (default 10), {@code -Dbench.warmup-seconds} of closed-loop warm-up per gateway (default 60),
 * {@code -Dbench.worker-cpus} to give the workers CPUs of their own ({@link CpuPinning}). With {@code cyclictest}
 * installed the report also gives the host's wake-up latency during the measured phases ({@link WakeUpProbe}).
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
        int warmUp = Integer.getInteger("bench.warmup-seconds", 60);
        double hedgeQuantile = Double.parseDouble(System.getProperty("bench.hedge-quantile", "0.95"));
        long hedgePercent = Math.round(hedgeQuantile * 100);
        int cpus = Runtime.getRuntime().availableProcessors(); // before any pinning narrows this JVM

        Map<String, String> roundRobinSettings = new LinkedHashMap<>(NO_RATE_LIMIT);
        roundRobinSettings.put("INFERMESH_GATEWAY_INFERENCE_BALANCER", "round-robin");
        Service roundRobin = platform.startGateway("gateway-round-robin", roundRobinSettings);
        Service hedged = null;
        if (hedgeQuantile > 0) {
            Map<String, String> hedgedSettings = new LinkedHashMap<>(NO_RATE_LIMIT);
            hedgedSettings.put("INFERMESH_GATEWAY_INFERENCE_HEDGE_QUANTILE", Double.toString(hedgeQuantile));
            hedged = platform.startGateway("gateway-hedged", hedgedSettings);
        }

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
        List<Arm> arms = new ArrayList<>();
        arms.add(new Arm("round robin (baseline)", loop, roundRobin.get("GATEWAY_URL"), apiKey, body));
        arms.add(new Arm("peak-EWMA, power of two choices", loop, platform.url(), apiKey, body));
        if (hedged != null) {
            arms.add(new Arm(
                    "peak-EWMA + hedging after the p" + hedgePercent, loop, hedged.get("GATEWAY_URL"), apiKey, body));
        }

        // Warm every gateway (JIT, connections, the balancer's estimates) before measuring: closed loops, then a few
        // seconds at the measured rate.
        for (Arm arm : arms) {
            arm.warmCalls = OpenLoop.closedLoop(arm.call, 4, warmUp);
        }
        for (Arm arm : arms) {
            OpenLoop.run(arm.call, rate, 5);
        }
        Optional<WakeUpProbe> probe = WakeUpProbe.start(Path.of("target", "bench-routing-wakeups.txt"));
        for (int round = 0; round < 2; round++) {
            for (Arm arm : arms) {
                Map<String, Double> before = served(workers);
                arm.tracing = true;
                Instant from = Instant.now();
                arm.nanos.addAll(OpenLoop.run(arm.call, rate, seconds));
                arm.tracing = false;
                // for lining up other logs (GC, JFR) with the measured phases
                System.out.println("RoutingBenchmark phase: " + arm.name + ", round " + (round + 1) + ", " + from
                        + " to " + Instant.now());
                Map<String, Double> after = served(workers);
                workers.keySet().forEach(w -> arm.served.merge(w, after.get(w) - before.get(w), Double::sum));
            }
        }

        Optional<WakeUpProbe.Latencies> wakeUps = WakeUpProbe.stop(probe);

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
                .append(" -Dbench.warmup-seconds=")
                .append(warmUp)
                .append(" -Dbench.hedge-quantile=")
                .append(hedgeQuantile)
                .append(pinning.map(p -> " " + p.property()).orElse(""))
                .append("`, ")
                .append(Instant.now())
                .append(", ")
                .append(cpus)
                .append(" CPUs; three MiniLM workers (batching on, one with infermesh.pool.fault.slowdown=")
                .append(slowdown)
                .append("), ")
                .append(arms.size())
                .append(" gateways on one Redis, one sentence per call via `/v1/embeddings`, ")
                .append(rate)
                .append(" requests/s open loop, 2 × ")
                .append(seconds)
                .append(" s per gateway, in turn; hedging off except where the row says. Warmed first by closed loops"
                        + " of 4 callers for ")
                .append(warmUp)
                .append(" s per gateway (");
        for (Arm arm : arms) {
            md.append(arm.warmCalls).append(arm == arms.getLast() ? " calls" : ", ");
        }
        md.append(" in the rows' order), then 5 s each at the rate.")
                .append(pinning.map(p -> " " + p.describe() + ".").orElse(""))
                .append("\n\n");
        md.append("| balancer | calls | p50 ms | p90 ms | p99 ms | max ms | worker executions per call"
                + " | executions on the slow worker |\n");
        md.append("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (Arm arm : arms) {
            row(md, arm.name, OpenLoop.sorted(arm.nanos), arm.served);
        }
        md.append('\n');
        md.append("Where the slowest calls' time went: medians over each gateway's calls at or above its p99 (all its"
                + " calls' medians in brackets), in ms. Latency counts from the call's scheduled send; the round trip"
                + " from the send to the answer, as the client saw it; the gateway's part is its `Server-Timing`"
                + " `total` (from its first request filter to its response filter), `infer` the worker call in"
                + " it; outside is the round trip minus the gateway's part (the client, the sockets, the"
                + " gateway's HTTP layer reading and writing).\n\n");
        md.append("| balancer | calls | latency | round trip | gateway | of which `infer` | outside the gateway |\n");
        md.append("| --- | --- | --- | --- | --- | --- | --- |\n");
        for (Arm arm : arms) {
            tailRow(md, arm);
        }
        md.append('\n');
        wakeUps.ifPresent(w -> md.append(w.duringMeasuredPhases()).append(".\n\n"));
        long[] baseline = OpenLoop.sorted(arms.getFirst().nanos);
        for (Arm arm : arms.subList(1, arms.size())) {
            long[] a = OpenLoop.sorted(arm.nanos);
            md.append(String.format(
                    "**p99 round robin / p99 %s = %.2f×** (p50 %.2f×).%n",
                    arm.name,
                    OpenLoop.q(baseline, 0.99) / OpenLoop.q(a, 0.99),
                    OpenLoop.q(baseline, 0.5) / OpenLoop.q(a, 0.5)));
        }
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
                "| %s | %d | %.2f | %.2f | %.2f | %.2f | %.3f | %.0f of %.0f (%.1f %%) |%n",
                name,
                a.length,
                OpenLoop.q(a, 0.5) / 1e6,
                OpenLoop.q(a, 0.9) / 1e6,
                OpenLoop.q(a, 0.99) / 1e6,
                a[a.length - 1] / 1e6,
                all / a.length,
                served.get("slow"),
                all,
                100 * served.get("slow") / all));
    }

    private static void tailRow(StringBuilder md, Arm arm) {
        double p99 = OpenLoop.q(OpenLoop.sorted(arm.nanos), 0.99);
        List<Call> all = new ArrayList<>();
        for (int i = 0; i < arm.nanos.size(); i++) {
            all.add(new Call(arm.nanos.get(i) / 1e6, arm.traces.get(i)));
        }
        List<Call> tail = all.stream().filter(c -> c.latencyMs() >= p99 / 1e6).toList();
        md.append(String.format(
                "| %s | %d | %s | %s | %s | %s | %s |%n",
                arm.name,
                tail.size(),
                medians(tail, all, Call::latencyMs),
                medians(tail, all, c -> c.trace().roundTripMs()),
                medians(tail, all, c -> c.trace().gatewayMs),
                medians(tail, all, c -> c.trace().inferMs),
                medians(tail, all, c -> c.trace().roundTripMs() - c.trace().gatewayMs)));
    }

    /** A measured call: its latency from the scheduled send, and its trace. */
    private record Call(double latencyMs, Trace trace) {}

    private static String medians(List<Call> tail, List<Call> all, ToDoubleFunction<Call> f) {
        return String.format("%.2f (%.2f)", median(tail, f), median(all, f));
    }

    private static double median(List<Call> calls, ToDoubleFunction<Call> f) {
        double[] a = calls.stream().mapToDouble(f).sorted().toArray();
        return a.length == 0 ? Double.NaN : a[(a.length - 1) / 2];
    }

    /** One gateway under test and what it measured. */
    private static final class Arm {
        final String name;
        final Supplier<CompletableFuture<?>> call;
        final List<Long> nanos = new ArrayList<>();
        /** One per measured call, in the order they were sent (so {@code traces[i]} is the call of {@code nanos[i]}). */
        final List<Trace> traces = new ArrayList<>();

        final Map<String, Double> served = new LinkedHashMap<>();
        long warmCalls;
        /** Set only while the open loop's single sender thread calls {@link #call}. */
        volatile boolean tracing;

        Arm(String name, LoopbackHttp http, String gateway, String apiKey, byte[] body) {
            this.name = name;
            this.call = () -> {
                Trace t = tracing ? new Trace() : null;
                if (t != null) {
                    traces.add(t);
                }
                return OpenLoop.embeddings(http, gateway, apiKey, body).thenApply(r -> {
                    if (t != null) {
                        t.answered(r.headers().get("Server-Timing"));
                    }
                    return r;
                });
            };
        }
    }

    /** When one measured call left and came back, and the gateway's own account of it ({@code Server-Timing}). */
    private static final class Trace {
        final long sent = System.nanoTime();
        long answered;
        double gatewayMs = Double.NaN;
        double inferMs = Double.NaN;

        void answered(String serverTiming) {
            answered = System.nanoTime();
            if (serverTiming == null) {
                return;
            }
            for (String metric : serverTiming.split(",")) {
                String[] parts = metric.strip().split(";dur=");
                switch (parts[0]) {
                    case "total" -> gatewayMs = Double.parseDouble(parts[1]);
                    case "infer" -> inferMs = Double.parseDouble(parts[1]);
                    default -> {}
                }
            }
        }

        double roundTripMs() {
            return (answered - sent) / 1e6;
        }
    }
}
