package io.infermesh.pool.bench;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.infermesh.openapi.inference.GRPCInferenceServiceGrpc;
import io.infermesh.openapi.inference.ServerLiveRequest;
import io.infermesh.pool.testing.MiniLm;
import io.infermesh.pool.testing.PublishedModel;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.ModelPacker;
import io.infermesh.store.s3.S3BlobStore;
import io.infermesh.store.testing.DeployedService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cold loads of the real all-MiniLM-L6-v2 (87 MiB) by manifest CID over presigned S3Proxy URLs, each into a fresh
 * worker process ({@code deploy/worker.sh}, start-up benchmark off), as the client sees them and as the worker's
 * {@code LoadTimings} line splits them. Not a test: nothing is asserted. Run:
 * {@code deploy/bench.sh gpu-pool -Dit.test=ColdLoadBenchmark -Dbench.rounds=4}. Results go to stdout and
 * {@code target/benchmarks/gpu-pool-cold-load.md}.
 */
public class ColdLoadBenchmark {
    @TempDir
    Path tmp;

    @Test
    void minilmColdLoadsIntoFreshWorkers() throws Exception {
        int rounds = Integer.getInteger("bench.rounds", 4);
        Path folder = MiniLm.writeModelFolder(tmp.resolve("minilm"));
        List<String> report = new ArrayList<>();
        report.add("| round | client ms | worker's LoadTimings |");
        report.add("| ---: | ---: | --- |");
        report.forEach(System.out::println);
        try (DeployedService s3 = DeployedService.start("s3.sh", tmp.resolve("s3"))) {
            S3BlobStore store = S3BlobStore.connect(s3.s3Config("infermesh"));
            PublishedModel minilm = PublishedModel.publish(
                    store,
                    folder,
                    ModelPacker.pack(
                            folder,
                            ModelPacker.Options.ownedBy(EthAddress.of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"))));
            // With -Dbench.baselineJar=.../quarkus-run.jar each round loads into a worker of that build too, in
            // alternating order, so both builds see the same machine.
            String baseline = System.getProperty("bench.baselineJar", "");
            List<String> jars = baseline.isEmpty() ? List.of("") : List.of("", baseline);
            for (int round = 1; round <= rounds; round++) {
                List<String> order = new ArrayList<>(jars);
                if (round % 2 == 0) {
                    Collections.reverse(order);
                }
                for (String jar : order) {
                    String label = round + (jar.isEmpty() ? " (this build)" : " (baseline)");
                    String row = coldLoad(minilm, tmp.resolve("worker-" + label.replaceAll("\\W", "")), jar, label);
                    System.out.println(row);
                    report.add(row);
                }
            }
        }
        Path out = Path.of("target", "benchmarks", "gpu-pool-cold-load.md");
        Files.createDirectories(out.getParent());
        Files.write(out, report);
    }

    private static String coldLoad(PublishedModel minilm, Path workdir, String jar, String label) throws Exception {
        Map<String, String> env = new HashMap<>(Map.of("INFERMESH_POOL_BENCHMARK_ENABLED", "false"));
        if (!jar.isEmpty()) {
            env.put("WORKER_JAR", jar);
        }
        try (DeployedService worker = DeployedService.start("worker.sh", workdir, env)) {
            ManagedChannel channel = ManagedChannelBuilder.forTarget(worker.value("WORKER_GRPC"))
                    .usePlaintext()
                    .build();
            try {
                var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);
                stub.serverLive(ServerLiveRequest.getDefaultInstance());
                // Presigning happens in this JVM (signatures, and the store's region on first use): not the worker's
                // time.
                var request = PublishedModel.loadRequest("demo/minilm:1", minilm.presignedParameters());
                request.toByteArray(); // the client's first serialization of this message: not the worker's time
                long start = System.nanoTime();
                stub.repositoryModelLoad(request);
                long ms = (System.nanoTime() - start) / 1_000_000;
                String timings = Files.readAllLines(workdir.resolve("worker.log")).stream()
                        .filter(l -> l.contains("loaded demo/minilm:1"))
                        .map(l -> l.substring(l.indexOf(" in ") + 4))
                        .findFirst()
                        .orElse("?");
                return "| " + label + " | " + ms + " | " + timings + " |";
            } finally {
                channel.shutdownNow();
            }
        }
    }
}
