package io.infermesh.store.bench;

import io.infermesh.store.ModelRef;
import io.infermesh.store.s3.S3Config;
import io.infermesh.store.s3.S3TagStore;
import io.infermesh.store.testing.DeployedService;
import io.infermesh.store.testing.RawS3;
import io.infermesh.store.unixfs.ContentDigester;
import io.infermesh.store.unixfs.ImportOptions;
import io.minio.MinioAsyncClient;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading a tag's current value as its history grows (not a test: nothing is asserted on time). The subject is {@link
 * S3TagStore#resolve} (one listing of the tag's index key); the baseline, in the same JVM and run against the same S3
 * server, is what {@code resolve} did before the index: list the tag's whole history and take the newest ({@link
 * S3TagStore#history}{@code .getLast()}). Likewise {@link S3TagStore#all} against a listing of every history key.
 *
 * <p>Run: {@code deploy/bench.sh model-store -Dit.test=TagReadBenchmark}. Histories: {@code -Dbench.tag.moves} (default
 * {@code 10,100,1000,10000}), rounds {@code -Dbench.rounds} (default 15). Results go to stdout and {@code
 * target/benchmarks/tag-read.md}.
 */
class TagReadBenchmark {
    private static final ModelRef REF = ModelRef.parse("acme/minilm:latest");

    @TempDir
    Path work;

    private final List<String> report = new ArrayList<>();

    @Test
    void resolveAgainstAFullHistoryListing() throws Exception {
        int rounds = Integer.getInteger("bench.rounds", 15);
        int[] sizes = Arrays.stream(System.getProperty("bench.tag.moves", "10,100,1000,10000")
                        .split(","))
                .mapToInt(s -> Integer.parseInt(s.strip()))
                .toArray();
        line("# tag reads");
        line("");
        line("- JVM: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version") + ", cores: "
                + Runtime.getRuntime().availableProcessors() + "; S3Proxy from deploy/s3.sh on loopback; " + rounds
                + " rounds per point, median and worst, interleaved.");
        line("");
        line("| moves of the tag | history listing then newest (baseline) ms | resolve ms | speed-up "
                + "| every history key listed (old all) ms | all ms | speed-up |");
        line("| ---: | --- | --- | ---: | --- | --- | ---: |");
        try (DeployedService s3 = DeployedService.start("s3.sh", work.resolve("s3"))) {
            for (int moves : sizes) {
                S3Config config = s3.s3Config("tags-" + moves);
                MinioAsyncClient raw = RawS3.client(config);
                S3TagStore.connect(config); // creates the bucket
                plantHistory(raw, config, moves);
                S3TagStore store = S3TagStore.connect(config); // indexes the planted history once
                Supplier<Object> baseline = () -> store.history(REF).getLast().manifest();
                Supplier<Object> subject = () -> store.resolve(REF).orElseThrow();
                if (!baseline.get().equals(subject.get())) {
                    throw new IllegalStateException("resolve and the history disagree at " + moves + " moves");
                }
                Supplier<Object> oldAll = () -> RawS3.keys(raw, config, "tag-history/");
                Supplier<Object> all = store::all;
                long[][] times = interleave(rounds, baseline, subject, oldAll, all);
                line(String.format(
                        "| %d | %s | %s | %.1f× | %s | %s | %.1f× |",
                        moves,
                        summary(times[0]),
                        summary(times[1]),
                        median(times[0]) / median(times[1]),
                        summary(times[2]),
                        summary(times[3]),
                        median(times[2]) / median(times[3])));
            }
        }
        Path out = Path.of("target", "benchmarks", "tag-read.md");
        Files.createDirectories(out.getParent());
        Files.write(out, report);
    }

    /** {@code moves} history keys of {@link #REF}, one microsecond apart, put 64 at a time. */
    private static void plantHistory(MinioAsyncClient raw, S3Config config, int moves) throws Exception {
        List<CompletableFuture<?>> inFlight = new ArrayList<>();
        for (int i = 0; i < moves; i++) {
            String cid = ContentDigester.digest(
                            new ByteArrayInputStream(("manifest " + i).getBytes()), ImportOptions.defaults())
                    .cid()
                    .toString();
            String key =
                    "tag-history/acme/minilm/latest/" + String.format("%019d", 1_780_000_000_000_000L + i) + "-" + cid;
            inFlight.add(RawS3.putEmpty(raw, config, key));
            if (inFlight.size() == 64) {
                CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new))
                        .get();
                inFlight.clear();
            }
        }
        CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get();
    }

    @SafeVarargs
    private static long[][] interleave(int rounds, Supplier<Object>... subjects) {
        for (int warm = 0; warm < 3; warm++) {
            for (Supplier<Object> s : subjects) {
                s.get();
            }
        }
        long[][] times = new long[subjects.length][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int s = 0; s < subjects.length; s++) {
                long start = System.nanoTime();
                subjects[s].get();
                times[s][r] = System.nanoTime() - start;
            }
        }
        return times;
    }

    private static double median(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static String summary(long[] nanos) {
        return String.format(
                "%.2f (worst %.2f)",
                median(nanos) / 1e6, Arrays.stream(nanos).max().orElse(0) / 1e6);
    }

    private void line(String s) {
        System.out.println(s);
        report.add(s);
    }
}
