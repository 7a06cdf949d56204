package io.infermesh.pool.bench;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.infermesh.openapi.inference.GRPCInferenceServiceGrpc;
import io.infermesh.openapi.inference.ModelInferRequest;
import io.infermesh.openapi.inference.ModelInferResponse;
import io.infermesh.openapi.inference.RepositoryModelUnloadRequest;
import io.infermesh.openapi.inference.ServerLiveRequest;
import io.infermesh.pool.testing.MiniLm;
import io.infermesh.pool.testing.PublishedModel;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.ModelPacker;
import io.infermesh.store.s3.S3BlobStore;
import io.infermesh.store.testing.DeployedService;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Worker throughput and latency for the real all-MiniLM-L6-v2 text-embedding task over gRPC, against raw ONNX Runtime
 * in this JVM on the same cores and the same run (not a test: nothing is asserted).
 *
 * <ol>
 *   <li>Baseline: ONNX Runtime {@code session.run} on pre-tokenized, padded batches (no tokenizer, no pooling, no
 *       network: the worker does all three on top), for several batch sizes, caller threads and intra-op threads, with
 *       batches in arrival order or of length-sorted sentences; the best configuration is the baseline.
 *   <li>Cold load: {@code RepositoryModelLoad} by manifest CID into a fresh worker (download of the 90 MB model from
 *       S3Proxy over presigned URLs, CID verification of every byte, ONNX Runtime session), then again with the
 *       blobs already on the worker's disk.
 *   <li>Closed-loop clients at concurrency 1, 8 and 32 (that many calls outstanding on the async stub), one sentence
 *       per request, with dynamic batching on and off (two worker processes, one after the other). Each worker first
 *       serves {@code -Dbench.warmup-seconds} (default 60) of unmeasured load at concurrency 32, as a serving worker
 *       has long compiled its request path (after 15–40 s of load the worker's JIT compiler still took up to 11 % of a
 *       core; docs/benchmarks.md, gpu-pool run 6), and each point has its own unmeasured warm-up of max(3 s, point
 *       length). Reported: sentences/s, p50 and p99 latency, and where the machine's CPU went meanwhile ({@link
 *       CpuShare}: worker process, this JVM's clients, other processes, idle, and the JIT compiler threads of the
 *       worker and of this JVM; percent of one core, so 200 is both cores of a 2-vCPU machine).
 * </ol>
 *
 * Run: {@code deploy/bench.sh gpu-pool}. Seconds per point: {@code -Dbench.seconds} (default 5). Extra JVM options
 * for the worker processes (a profiler, say {@code -XX:StartFlightRecording=filename=/tmp/w-%p.jfr}): {@code
 * -Dbench.worker-java-opts}. Results go to stdout and {@code target/benchmarks/gpu-pool.md}.
 */
public class WorkerBenchmark {
    private static final String MODEL = "demo/all-minilm-l6-v2:latest";
    private static final EthAddress OWNER = EthAddress.of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23");

    @TempDir
    Path tmp;

    private final List<String> report = new ArrayList<>();

    @Test
    void minilmThroughputLatencyAndColdLoad() throws Exception {
        int seconds = Integer.getInteger("bench.seconds", 5);
        int warmupSeconds = Integer.getInteger("bench.warmup-seconds", 60);
        List<String> corpus = corpus(512);
        line("# gpu-pool benchmark");
        line("");
        line("- JVM: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version") + ", cores: "
                + Runtime.getRuntime().availableProcessors());
        line("- corpus: " + corpus.size() + " generated English sentences of 4 to 28 words, one per request");
        Path folder = MiniLm.writeModelFolder(tmp.resolve("minilm"));
        double best = rawBaseline(folder, corpus, seconds);
        try (DeployedService s3 = DeployedService.start("s3.sh", tmp.resolve("s3"))) {
            S3BlobStore store = S3BlobStore.connect(s3.s3Config("infermesh"));
            PublishedModel minilm =
                    PublishedModel.publish(store, folder, ModelPacker.pack(folder, ModelPacker.Options.ownedBy(OWNER)));
            line("");
            line("## Worker over gRPC (client threads in the same machine)");
            line("");
            line("Each worker first served " + warmupSeconds + " s of unmeasured load at concurrency 32; each point"
                    + " then had max(3 s, " + seconds + " s) of unmeasured warm-up before its " + seconds
                    + " measured seconds.");
            line("");
            line("| batching | concurrency | sentences/s | ratio to best raw ORT | p50 ms | p99 ms | requests |"
                    + " CPU % worker / client / other / idle | JIT % worker / client |");
            line("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |");
            List<String> loads = new ArrayList<>();
            for (boolean batching : new boolean[] {true, false}) {
                try (DeployedService worker = DeployedService.start(
                        "worker.sh",
                        tmp.resolve(batching ? "worker-batching" : "worker-single"),
                        Map.of(
                                "INFERMESH_POOL_BATCHING_ENABLED",
                                Boolean.toString(batching),
                                "WORKER_JAVA_OPTS",
                                ("-Xmx1g " + System.getProperty("bench.worker-java-opts", "")).strip()))) {
                    ManagedChannel channel = ManagedChannelBuilder.forTarget(worker.value("WORKER_GRPC"))
                            .usePlaintext()
                            .directExecutor()
                            .build();
                    try {
                        var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
                        // Connect (and load the client's gRPC classes) first: the load time is the worker's.
                        stub.serverLive(ServerLiveRequest.getDefaultInstance());
                        long t0 = System.nanoTime();
                        stub.withDeadlineAfter(2, TimeUnit.MINUTES)
                                .repositoryModelLoad(PublishedModel.loadRequest(MODEL, minilm.presignedParameters()));
                        long cold = System.nanoTime() - t0;
                        stub.repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder()
                                .setModelName(MODEL)
                                .build());
                        t0 = System.nanoTime();
                        stub.withDeadlineAfter(2, TimeUnit.MINUTES)
                                .repositoryModelLoad(PublishedModel.loadRequest(MODEL, minilm.presignedParameters()));
                        long warm = System.nanoTime() - t0;
                        List<String> phases = loadLog(tmp.resolve(batching ? "worker-batching" : "worker-single"));
                        loads.add(String.format(
                                "| worker %s | %.0f ms | %.0f ms | %s | %s |",
                                batching ? "1" : "2",
                                cold / 1e6,
                                warm / 1e6,
                                phases.size() > 0 ? phases.get(0) : "?",
                                phases.size() > 1 ? phases.get(1) : "?"));
                        List<ModelInferRequest> requests = corpus.stream()
                                .map(t -> MiniLm.textRequest(MODEL, List.of(t)))
                                .toList();
                        runClients(GRPCInferenceServiceGrpc.newStub(channel), requests, 32, warmupSeconds);
                        for (int concurrency : new int[] {1, 8, 32}) {
                            Point p =
                                    drive(channel, requests, concurrency, seconds, Long.parseLong(worker.value("PID")));
                            line(String.format(
                                    "| %s | %d | %.0f | **%.2f** | %.1f | %.1f | %d | %.0f / %.0f / %.0f / %.0f |"
                                            + " %.0f / %.0f |",
                                    batching ? "on" : "off",
                                    concurrency,
                                    p.perSecond,
                                    p.perSecond / best,
                                    p.p50Millis,
                                    p.p99Millis,
                                    p.requests,
                                    p.cpu.workerPercent(),
                                    p.cpu.clientPercent(),
                                    p.cpu.otherPercent(),
                                    p.cpu.idlePercent(),
                                    p.cpu.workerJitPercent(),
                                    p.cpu.clientJitPercent()));
                        }
                    } finally {
                        channel.shutdownNow();
                    }
                }
            }
            line("");
            line("## Load by manifest CID (90 MB model, presigned URLs to S3Proxy on loopback)");
            line("");
            line("| worker | cold (download + verify + session) | again (blobs on disk) | worker's account, cold |"
                    + " worker's account, again |");
            line("| --- | ---: | ---: | --- | --- |");
            loads.forEach(this::line);
        }
        Path out = Path.of("target", "benchmarks", "gpu-pool.md");
        Files.createDirectories(out.getParent());
        Files.write(out, report);
    }

    /** The worker's own account of each load ({@code LoadTimings}), from its log, in load order. */
    private static List<String> loadLog(Path workdir) throws java.io.IOException {
        return Files.readAllLines(workdir.resolve("worker.log")).stream()
                .filter(l -> l.contains("] loaded " + MODEL))
                .map(l -> l.substring(l.indexOf(") in ") + 5).strip())
                .toList();
    }

    private double rawBaseline(Path folder, List<String> corpus, int seconds) throws Exception {
        line("");
        line("## Raw ONNX Runtime in this JVM (baseline: pre-tokenized, padded; no tokenizer, pooling or network)");
        line("");
        line("| batch | batches formed | caller threads | intra-op threads | sentences/s | CPU % this JVM / other /"
                + " idle |");
        line("| ---: | --- | ---: | ---: | ---: | --- |");
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        List<Encoding> encodings = new ArrayList<>();
        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(
                folder.resolve("tokenizer.json"),
                Map.of("padding", "false", "truncation", "true", "maxLength", "128"))) {
            for (String s : corpus) {
                encodings.add(tokenizer.encode(s));
            }
        }
        double best = 0;
        List<Encoding> byLength = new ArrayList<>(encodings);
        byLength.sort(java.util.Comparator.comparingInt(e -> e.getIds().length));
        // {batch, caller threads, intra-op threads, 1 = batches of length-sorted sentences}
        int[][] configs = {
            {1, 1, 2, 0}, {1, 2, 1, 0}, {8, 2, 1, 0}, {32, 2, 1, 0}, {8, 2, 1, 1}, {32, 1, 2, 1}, {32, 2, 1, 1}
        };
        for (int[] c : configs) {
            int batch = c[0];
            int threads = c[1];
            int intra = c[2];
            boolean sorted = c[3] == 1;
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                options.setIntraOpNumThreads(intra);
                options.setInterOpNumThreads(1);
                options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                try (OrtSession session =
                        env.createSession(folder.resolve("model.onnx").toString(), options)) {
                    List<Map<String, OnnxTensor>> batches = batches(env, sorted ? byLength : encodings, batch);
                    long[] counts = new long[threads];
                    Runnable warm = () -> runBatches(session, batches, 0, System.nanoTime() + 1_000_000_000L);
                    warm.run();
                    List<Thread> workers = new ArrayList<>();
                    CpuShare.Sample before = CpuShare.Sample.take(-1);
                    long end = System.nanoTime() + seconds * 1_000_000_000L;
                    long start = System.nanoTime();
                    for (int t = 0; t < threads; t++) {
                        int id = t;
                        workers.add(Thread.ofPlatform()
                                .start(() -> counts[id] = runBatches(session, batches, id, end) * batch));
                    }
                    for (Thread w : workers) {
                        w.join();
                    }
                    double rate = Arrays.stream(counts).sum() / ((System.nanoTime() - start) / 1e9);
                    CpuShare cpu = CpuShare.since(before, CpuShare.Sample.take(-1));
                    best = Math.max(best, rate);
                    line(String.format(
                            "| %d | %s | %d | %d | %.0f | %.0f / %.0f / %.0f |",
                            batch,
                            batch == 1 ? "-" : sorted ? "by length" : "arrival order",
                            threads,
                            intra,
                            rate,
                            cpu.clientPercent(),
                            cpu.otherPercent(),
                            cpu.idlePercent()));
                    for (Map<String, OnnxTensor> b : batches) {
                        b.values().forEach(OnnxTensor::close);
                    }
                }
            }
        }
        line("");
        line(String.format("Best raw configuration: **%.0f sentences/s** (the baseline below).", best));
        return best;
    }

    private static long runBatches(OrtSession session, List<Map<String, OnnxTensor>> batches, int offset, long end) {
        long runs = 0;
        int i = offset;
        try {
            do {
                try (OrtSession.Result r = session.run(batches.get(i++ % batches.size()))) {
                    runs++;
                }
            } while (System.nanoTime() < end);
        } catch (ai.onnxruntime.OrtException e) {
            throw new IllegalStateException(e);
        }
        return runs;
    }

    private static List<Map<String, OnnxTensor>> batches(OrtEnvironment env, List<Encoding> encodings, int batch)
            throws ai.onnxruntime.OrtException {
        List<Map<String, OnnxTensor>> out = new ArrayList<>();
        for (int from = 0; from + batch <= encodings.size(); from += batch) {
            List<Encoding> part = encodings.subList(from, from + batch);
            int len = part.stream().mapToInt(e -> e.getIds().length).max().orElseThrow();
            long[] ids = new long[batch * len];
            long[] mask = new long[batch * len];
            long[] types = new long[batch * len];
            for (int i = 0; i < batch; i++) {
                Encoding e = part.get(i);
                System.arraycopy(e.getIds(), 0, ids, i * len, e.getIds().length);
                System.arraycopy(e.getAttentionMask(), 0, mask, i * len, e.getIds().length);
                System.arraycopy(e.getTypeIds(), 0, types, i * len, e.getIds().length);
            }
            long[] shape = {batch, len};
            out.add(Map.of(
                    "input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape),
                    "attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape),
                    "token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape)));
        }
        return out;
    }

    private record Point(double perSecond, double p50Millis, double p99Millis, long requests, CpuShare cpu) {}

    private static Point drive(
            ManagedChannel channel, List<ModelInferRequest> requests, int concurrency, int seconds, long workerPid)
            throws InterruptedException {
        var stub = GRPCInferenceServiceGrpc.newStub(channel);
        // Warm-up, not measured: the worker's JIT keeps compiling its request path for several seconds under load.
        runClients(stub, requests, concurrency, Math.max(3, seconds));
        CpuShare.Sample before = CpuShare.Sample.take(workerPid);
        long start = System.nanoTime();
        long[] all = runClients(stub, requests, concurrency, seconds);
        double elapsed = (System.nanoTime() - start) / 1e9;
        CpuShare cpu = CpuShare.since(before, CpuShare.Sample.take(workerPid));
        Arrays.sort(all);
        return new Point(
                all.length / elapsed,
                all[(int) (all.length * 0.50)] / 1e6,
                all[Math.min(all.length - 1, (int) (all.length * 0.99))] / 1e6,
                all.length,
                cpu);
    }

    /**
     * A closed loop of {@code concurrency} outstanding calls on the async stub: each completion records its latency
     * and sends the next request from gRPC's own callback thread, so the client costs a few event-loop threads
     * instead of one blocked thread per outstanding call (the client shares the worker's cores). Returns every
     * latency in nanoseconds.
     */
    private static long[] runClients(
            GRPCInferenceServiceGrpc.GRPCInferenceServiceStub stub,
            List<ModelInferRequest> requests,
            int concurrency,
            int seconds)
            throws InterruptedException {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        long[] latencies = new long[1 << 20];
        AtomicInteger recorded = new AtomicInteger();
        AtomicInteger next = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(concurrency);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        class Loop implements StreamObserver<ModelInferResponse> {
            private long sentAt;

            void send() {
                if (System.nanoTime() >= end || failure.get() != null) {
                    done.countDown();
                    return;
                }
                sentAt = System.nanoTime();
                stub.modelInfer(requests.get(next.getAndIncrement() % requests.size()), this);
            }

            @Override
            public void onNext(ModelInferResponse response) {
                int i = recorded.getAndIncrement();
                if (i < latencies.length) {
                    latencies[i] = System.nanoTime() - sentAt;
                }
            }

            @Override
            public void onError(Throwable t) {
                failure.compareAndSet(null, t);
                done.countDown();
            }

            @Override
            public void onCompleted() {
                send();
            }
        }
        for (int c = 0; c < concurrency; c++) {
            new Loop().send();
        }
        done.await();
        if (failure.get() != null) {
            throw new IllegalStateException("a benchmark call failed", failure.get());
        }
        return Arrays.copyOf(latencies, Math.min(recorded.get(), latencies.length));
    }

    /** Deterministic sentences of 4 to 28 words from a small vocabulary. */
    public static List<String> corpus(int n) {
        String[] words = ("the a model worker request latency batch of in on with for quickly slowly returns "
                        + "embedding sentence guitar music river mountain city night data store chain token price "
                        + "user pays each call routes to warm GPU pool and verifies every byte")
                .split(" ");
        List<String> out = new ArrayList<>();
        long seed = 12345;
        for (int i = 0; i < n; i++) {
            int len = 4 + i * 7 % 25;
            StringBuilder s = new StringBuilder();
            for (int w = 0; w < len; w++) {
                seed = seed * 6364136223846793005L + 1442695040888963407L;
                s.append(w == 0 ? "" : " ").append(words[(int) ((seed >>> 33) % words.length)]);
            }
            out.add(s.append('.').toString());
        }
        return out;
    }

    private void line(String s) {
        System.out.println(s);
        report.add(s);
    }
}
