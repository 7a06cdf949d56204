package io.infermesh.it;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.infermesh.openapi.inference.GRPCInferenceServiceGrpc;
import io.infermesh.openapi.inference.ModelInferRequest;
import io.infermesh.openapi.inference.ModelInferResponse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Benchmarks of the gateway (not a test; {@code deploy/bench.sh it}). All in one run, on loopback, real processes:
 *
 * <ul>
 *   <li><b>Overhead.</b> The same one-sentence MiniLM embedding, at a fixed request rate (open loop: latency counts
 *       from each request's scheduled send time), once straight to the worker over gRPC (the baseline, with a gateway
 *       token like the gateway's own calls) and once through {@code POST /v1/embeddings} (auth, rate limit, reserve,
 *       route, commit, JSON), the two interleaved on one schedule (a direct call, then half an interval later a gateway
 *       call, and so on), so both see the machine in the same state. Twice, with the other rows' phases between.
 *       Overhead = gateway − direct at p50, p90 and p99.
 *   <li><b>Cold start.</b> Time to the first 200 for a model no worker holds (the same 87 MiB weights under another
 *       manifest): the gateway has one worker load it from presigned URLs, verify every byte, and serve.
 * </ul>
 *
 * Settings: {@code -Dbench.rate} requests/s (default 20), {@code -Dbench.seconds} per phase (default 15),
 * {@code -Dbench.warmup-seconds} of closed-loop warm-up per path before measuring (default 20), {@code
 * -Dbench.gateway-java-opts} added to the gateway's JVM options (e.g. {@code -Xlog:gc:file=/tmp/gc.log}), {@code
 * -Dbench.worker-cpus} to give the worker CPUs of its own ({@link CpuPinning}). With {@code cyclictest} installed the
 * report also gives the host's wake-up latency during the measured phases and idle ({@link WakeUpProbe}).
 */
class GatewayBenchmark {
    private static final Path KEY_FILE = Path.of("target", "bench-gateway.key").toAbsolutePath();
    private static final KeyPair GATEWAY_KEY = gatewayKey();

    @RegisterExtension
    static final Platform platform = Platform.with(
            "bench",
            Map.of(
                    "INFERMESH_GATEWAY_WORKERS_GATEWAY_KEY_FILE",
                    KEY_FILE.toString(),
                    "INFERMESH_GATEWAY_RATE_LIMIT_BURST",
                    "100000",
                    "INFERMESH_GATEWAY_RATE_LIMIT_PER_SECOND",
                    "100000",
                    "GATEWAY_JAVA_OPTS",
                    ("-Xmx512m " + System.getProperty("bench.gateway-java-opts", "")).strip()));

    @Test
    void gatewayOverheadAndColdStart() throws Exception {
        int rate = Integer.getInteger("bench.rate", 20);
        int seconds = Integer.getInteger("bench.seconds", 15);
        int warmUp = Integer.getInteger("bench.warmup-seconds", 20);
        int cpus = Runtime.getRuntime().availableProcessors(); // before any pinning narrows this JVM
        EthKey owner = EthKey.random();
        Path keys = platform.root().resolve("keys");
        Path ownerKey = Cli.keyFile(keys, owner);
        String apiKey = Accounts.signIn(platform, owner);
        Accounts.fund(platform, apiKey, "1000000000000000000");
        Path models = platform.root().resolve("models");
        String warmCid = Published.publish(
                platform, apiKey, Published.miniLmFolder(models.resolve("warm"), "1"), ownerKey, "bench/minilm:latest");
        Published.publish(
                platform, apiKey, Published.miniLmFolder(models.resolve("cold"), "2"), ownerKey, "bench/cold:latest");
        EthKey pool = EthKey.random();
        Pools.register(platform, pool, pool, "0");
        Service worker = Pools.startWorker(platform, Cli.keyFile(keys, pool), "bench-w1", warmCid);
        Thread.sleep(3000); // the worker's first heartbeat reaches the gateway's routing set
        Optional<CpuPinning> pinning = CpuPinning.fromProperties();
        pinning.ifPresent(p -> p.apply(platform, List.of(worker)));

        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        LoopbackHttp loop = new LoopbackHttp();
        byte[] body = "{\"model\":\"bench/minilm\",\"input\":\"A man is playing a guitar.\"}"
                .getBytes(StandardCharsets.UTF_8);
        Queue<String> timings = new ConcurrentLinkedQueue<>();
        Supplier<CompletableFuture<?>> viaGateway =
                () -> OpenLoop.embeddings(loop, platform.url(), apiKey, body).thenApply(r -> {
                    String t = r.headers().get("Server-Timing");
                    if (t != null) {
                        timings.add(t);
                    }
                    return r;
                });
        // The HTTP floor: the cheapest route through the same client, listener and virtual-thread dispatch.
        Supplier<CompletableFuture<?>> live = () -> loop.get(platform.url() + "/v2/health/live");
        Supplier<CompletableFuture<?>> viaGatewayJdk = () -> OpenLoop.embeddings(http, platform.url(), apiKey, body);
        ManagedChannel channel = ManagedChannelBuilder.forTarget(worker.get("WORKER_GRPC"))
                .usePlaintext()
                .build();
        // The direct calls carry a gateway token like the gateway's own; a token lives 5 minutes, so a fresh one is
        // signed every minute and the phases may run as long as asked.
        AtomicReference<GRPCInferenceServiceGrpc.GRPCInferenceServiceFutureStub> stub = new AtomicReference<>();
        Runnable renew = () -> {
            Metadata auth = new Metadata();
            auth.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token("bench-w1"));
            stub.set(GRPCInferenceServiceGrpc.newFutureStub(channel)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(auth)));
        };
        renew.run();
        ScheduledExecutorService renewer = Executors.newSingleThreadScheduledExecutor();
        renewer.scheduleAtFixedRate(renew, 1, 1, TimeUnit.MINUTES);
        ModelInferRequest request = textRequest(warmCid, "A man is playing a guitar.");
        Supplier<CompletableFuture<?>> direct = () -> {
            CompletableFuture<ModelInferResponse> f = new CompletableFuture<>();
            com.google.common.util.concurrent.ListenableFuture<ModelInferResponse> lf =
                    stub.get().withDeadlineAfter(30, TimeUnit.SECONDS).modelInfer(request);
            lf.addListener(
                    () -> {
                        try {
                            f.complete(lf.get());
                        } catch (Exception e) {
                            f.completeExceptionally(e);
                        }
                    },
                    Runnable::run);
            return f;
        };

        // Warm every path (JIT, connections, the model's batcher) before measuring: closed loops for warmUp seconds,
        // then a few seconds at the measured rate.
        long warmDirect = OpenLoop.closedLoop(direct, 4, warmUp);
        long warmGateway = OpenLoop.closedLoop(viaGateway, 4, warmUp);
        long warmJdk = OpenLoop.closedLoop(viaGatewayJdk, 4, warmUp / 2);
        long warmLive = OpenLoop.closedLoop(live, 4, warmUp / 4);
        OpenLoop.run(direct, rate, 3);
        OpenLoop.run(viaGateway, rate, 3);
        OpenLoop.run(viaGatewayJdk, rate, 3);
        timings.clear();
        List<Long> directNanos = new ArrayList<>();
        List<Long> gatewayNanos = new ArrayList<>();
        List<Long> jdkNanos = new ArrayList<>();
        List<Long> liveNanos = new ArrayList<>();
        OpenLoop.run(live, rate, 2);
        Optional<WakeUpProbe> probe = WakeUpProbe.start(Path.of("target", "bench-gateway-wakeups.txt"));
        for (int round = 0; round < 2; round++) {
            List<List<Long>> pair = OpenLoop.interleaved(List.of(direct, viaGateway), rate, seconds);
            directNanos.addAll(pair.get(0));
            gatewayNanos.addAll(pair.get(1));
            jdkNanos.addAll(OpenLoop.run(viaGatewayJdk, rate, seconds));
            liveNanos.addAll(OpenLoop.run(live, rate, seconds / 2));
        }
        Optional<WakeUpProbe.Latencies> busyWakeUps = WakeUpProbe.stop(probe);
        renewer.shutdownNow();
        channel.shutdownNow();
        loop.close();
        Optional<WakeUpProbe> idleProbe = WakeUpProbe.start(Path.of("target", "bench-idle-wakeups.txt"));
        Thread.sleep(5000);
        Optional<WakeUpProbe.Latencies> idleWakeUps = WakeUpProbe.stop(idleProbe);

        long coldStart = System.nanoTime();
        int attempts = 0;
        HttpResponse<String> cold;
        do {
            attempts++;
            cold = http.send(
                    HttpRequest.newBuilder(URI.create(platform.url() + "/v1/embeddings"))
                            .header("Authorization", "Bearer " + apiKey)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"bench/cold\",\"input\":\"cold\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (cold.statusCode() == 503) {
                Thread.sleep(Duration.ofSeconds(
                        Long.parseLong(cold.headers().firstValue("Retry-After").orElse("1"))));
            }
        } while (cold.statusCode() == 503 && attempts < 30);
        double coldMs = (System.nanoTime() - coldStart) / 1e6;
        if (cold.statusCode() != 200) {
            throw new IllegalStateException("cold model never served: " + cold.statusCode() + " " + cold.body());
        }

        long[] d = OpenLoop.sorted(directNanos);
        long[] g = OpenLoop.sorted(gatewayNanos);
        long[] j = OpenLoop.sorted(jdkNanos);
        StringBuilder md = new StringBuilder();
        md.append("### Gateway overhead and cold start (GatewayBenchmark)\n\n");
        md.append("`deploy/bench.sh it -Dbench.rate=")
                .append(rate)
                .append(" -Dbench.seconds=")
                .append(seconds)
                .append(pinning.map(p -> " " + p.property()).orElse(""))
                .append("`, ")
                .append(Instant.now())
                .append(", ")
                .append(cpus)
                .append(" CPUs; one worker (MiniLM, batching on),"
                        + " gateway, Redis and S3Proxy on loopback; one sentence per call, ")
                .append(rate)
                .append(" requests/s open loop per path (direct and gateway interleaved on one schedule), 2 × ")
                .append(seconds)
                .append(" s per path; warmed first by closed loops of 4 callers for ")
                .append(warmUp)
                .append(" s (")
                .append(warmDirect)
                .append(" direct calls, ")
                .append(warmGateway)
                .append(" through the gateway, ")
                .append(warmJdk)
                .append(" with the JDK client, ")
                .append(warmLive)
                .append(" health checks), then 3 s per path at the rate.")
                .append(pinning.map(p -> " " + p.describe() + ".").orElse(""))
                .append("\n\n");
        md.append("| path | calls | p50 ms | p90 ms | p99 ms | max ms |\n| --- | --- | --- | --- | --- | --- |\n");
        OpenLoop.row(md, "worker over gRPC (baseline)", d);
        OpenLoop.row(md, "gateway `/v1/embeddings`", g);
        md.append(String.format(
                "| **overhead (gateway − worker)** | | %.2f | %.2f | %.2f | |%n",
                (OpenLoop.q(g, 0.5) - OpenLoop.q(d, 0.5)) / 1e6,
                (OpenLoop.q(g, 0.9) - OpenLoop.q(d, 0.9)) / 1e6,
                (OpenLoop.q(g, 0.99) - OpenLoop.q(d, 0.99)) / 1e6));
        OpenLoop.row(md, "gateway, client `java.net.http` instead of Vert.x", j);
        OpenLoop.row(md, "HTTP floor: `GET /v2/health/live`", OpenLoop.sorted(liveNanos));
        md.append('\n');
        busyWakeUps.ifPresent(w -> md.append(w.duringMeasuredPhases())
                .append("; with the platform up and idle for 5 s after them: ")
                .append(idleWakeUps.map(WakeUpProbe.Latencies::describe).orElse("not measured"))
                .append(".\n\n"));
        md.append("The gateway's own account of its calls (`Server-Timing`, measured phases only):\n\n");
        md.append("| phase | p50 ms | p90 ms | p99 ms |\n| --- | --- | --- | --- |\n");
        phaseRows(md, timings);
        md.append('\n');
        md.append(String.format(
                "Cold start (no worker holds the model; load from presigned URLs, verify, serve): first 200 after"
                        + " %.0f ms, %d request(s).%n",
                coldMs, attempts));
        Path out = Files.createDirectories(Path.of("target", "benchmarks")).resolve("gateway.md");
        Files.writeString(out, md.toString());
        System.out.println(md);
    }

    private static ModelInferRequest textRequest(String model, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        ByteBuffer raw = ByteBuffer.allocate(4 + b.length).order(ByteOrder.LITTLE_ENDIAN);
        raw.putInt(b.length).put(b).flip();
        return ModelInferRequest.newBuilder()
                .setModelName(model)
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("text")
                        .setDatatype("BYTES")
                        .addShape(1))
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder()
                        .setName("embedding"))
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder()
                        .setName("token_count"))
                .addRawInputContents(ByteString.copyFrom(raw))
                .build();
    }

    /** A gateway token as the contract defines it: {@code v1.kid.worker.exp.base64url(Ed25519(...))}. */
    private static String token(String worker) {
        // Workers refuse tokens that live longer than a gateway issues (5 minutes).
        String signed = "v1.bench." + worker + "." + (Instant.now().getEpochSecond() + 290);
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(GATEWAY_KEY.getPrivate());
            s.update(signed.getBytes(StandardCharsets.UTF_8));
            return signed + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(s.sign());
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair gatewayKey() {
        try {
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            Files.createDirectories(KEY_FILE.getParent());
            Files.writeString(
                    KEY_FILE,
                    "key-id=bench\nprivate="
                            + Base64.getEncoder()
                                    .encodeToString(pair.getPrivate().getEncoded()) + "\npublic="
                            + Base64.getEncoder()
                                    .encodeToString(pair.getPublic().getEncoded()) + "\n");
            return pair;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** One row per {@code Server-Timing} metric, in the order the gateway names them. */
    private static void phaseRows(StringBuilder md, Queue<String> headers) {
        Map<String, List<Double>> byPhase = new LinkedHashMap<>();
        for (String header : headers) {
            for (String metric : header.split(",")) {
                String[] parts = metric.strip().split(";dur=");
                byPhase.computeIfAbsent(parts[0], k -> new ArrayList<>()).add(Double.parseDouble(parts[1]));
            }
        }
        byPhase.forEach((phase, values) -> {
            double[] a =
                    values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            md.append(String.format("| %s | %.2f | %.2f | %.2f |%n", phase, qd(a, 0.5), qd(a, 0.9), qd(a, 0.99)));
        });
    }

    private static double qd(double[] sorted, double quantile) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(quantile * sorted.length) - 1)];
    }
}
