package io.infermesh.store.bench;

import io.infermesh.store.cid.Cid;
import io.infermesh.store.cid.Multihash;
import io.infermesh.store.s3.S3BlobStore;
import io.infermesh.store.s3.S3Config;
import io.infermesh.store.testing.DeployedService;
import io.infermesh.store.unixfs.ContentDigester;
import io.infermesh.store.unixfs.ImportOptions;
import io.minio.MinioAsyncClient;
import io.minio.PutObjectArgs;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model-store throughput, each against its baseline in the same JVM and run (not a test: nothing is asserted on time).
 *
 * <ol>
 *   <li>CID computation ({@link ContentDigester}: CID + whole-file SHA-256 + size in one pass) against one plain {@code
 *       MessageDigest} SHA-256 over the same bytes. Goal: ratio ≥ 0.9.
 *   <li>{@link S3BlobStore#put} (stream, verify, commit) against a raw MinIO SDK {@code putObject} of the same bytes to
 *       the same S3 server (S3Proxy from {@code deploy/s3.sh}). Goal: ratio ≥ 0.8.
 * </ol>
 *
 * Run: {@code deploy/bench.sh model-store}. Sizes: {@code -Dbench.cid.mib} (default 512), {@code -Dbench.put.mib}
 * (default 256), rounds {@code -Dbench.rounds} (default 5). Results go to stdout and {@code
 * target/benchmarks/model-store.md}.
 */
class ModelStoreBenchmark {
    private static final int MIB = 1024 * 1024;

    @TempDir
    Path work;

    private final List<String> report = new ArrayList<>();

    @Test
    void cidAndStorePutThroughput() throws Exception {
        int rounds = Integer.getInteger("bench.rounds", 5);
        line("# model-store benchmark");
        line("");
        line("- JVM: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version") + ", cores: "
                + Runtime.getRuntime().availableProcessors() + ", max heap: "
                + Runtime.getRuntime().maxMemory() / MIB + " MiB");
        cidThroughput(Integer.getInteger("bench.cid.mib", 512), rounds);
        putThroughput(Integer.getInteger("bench.put.mib", 256), rounds);
        Path out = Path.of("target", "benchmarks", "model-store.md");
        Files.createDirectories(out.getParent());
        Files.write(out, report);
    }

    private void cidThroughput(int mib, int rounds) throws IOException {
        byte[] data = random(mib * MIB);
        Path file = work.resolve("cid-bench.bin");
        Files.write(file, data);
        MessageDigest sha = Multihash.newSha256();
        Supplier<Object> baseline = () -> {
            for (int pos = 0; pos < data.length; pos += MIB) {
                sha.update(data, pos, Math.min(MIB, data.length - pos));
            }
            return sha.digest();
        };
        line("");
        line("## CID computation, " + mib + " MiB, " + rounds + " rounds (median)");
        line("");
        line("Every subject yields CID + whole-file SHA-256 + size in one pass (two SHA-256 streams over every byte).");
        compare(
                "MessageDigest SHA-256 over the array (baseline)",
                baseline,
                List.of(
                        new Subject(
                                "ContentDigester.digest(byte[]) (in place)",
                                () -> ContentDigester.digest(data, ImportOptions.defaults())),
                        new Subject(
                                "ContentDigester.digest(Path) (mapped file, page cache)",
                                () -> unchecked(() -> ContentDigester.digest(file, ImportOptions.defaults()))),
                        new Subject(
                                "ContentDigester.digest(InputStream) (one copy into chunks)",
                                () -> unchecked(() -> ContentDigester.digest(
                                        new ByteArrayInputStream(data), ImportOptions.defaults())))),
                mib,
                rounds);
    }

    private void putThroughput(int mib, int rounds) throws Exception {
        byte[] data = random(mib * MIB);
        Cid cid = ContentDigester.digest(new ByteArrayInputStream(data), ImportOptions.defaults())
                .cid();
        try (DeployedService s3 = DeployedService.start("s3.sh", work.resolve("s3"))) {
            S3Config config = s3.s3Config("bench");
            S3BlobStore store = S3BlobStore.connect(config);
            MinioAsyncClient raw = MinioAsyncClient.builder()
                    .endpoint(config.endpoint().toString())
                    .credentials(config.accessKey(), config.secretKey())
                    .region(config.region())
                    .build();
            Supplier<Object> baseline = () -> {
                try {
                    return raw.putObject(PutObjectArgs.builder().bucket(config.bucket()).object("raw/baseline").stream(
                                            new ByteArrayInputStream(data), data.length, config.partBytes())
                                    .build())
                            .get();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            Supplier<Object> verified = () -> store.put(cid, new ByteArrayInputStream(data));
            line("");
            line("## Store put to S3Proxy on loopback, " + mib + " MiB blob, part size " + config.partBytes() / MIB
                    + " MiB, " + rounds + " rounds (median)");
            compare(
                    "raw MinIO putObject (baseline)",
                    baseline,
                    List.of(new Subject("S3BlobStore.put (stream, verify, commit)", verified)),
                    mib,
                    rounds);
        }
    }

    private record Subject(String name, Supplier<Object> run) {}

    private void compare(String baselineName, Supplier<Object> baseline, List<Subject> subjects, int mib, int rounds) {
        for (int i = 0; i < 2; i++) {
            baseline.get();
            subjects.forEach(s -> s.run().get());
        }
        long[] base = new long[rounds];
        long[][] subj = new long[subjects.size()][rounds];
        for (int i = 0; i < rounds; i++) {
            // Interleave so drift (heat, page cache, GC) hits every side alike.
            base[i] = time(baseline);
            for (int s = 0; s < subjects.size(); s++) {
                subj[s][i] = time(subjects.get(s).run());
            }
        }
        double baseMiBs = mib / (median(base) / 1e9);
        line("");
        line("| what | MiB/s (median) | ratio to baseline | runs (ms) |");
        line("| --- | ---: | ---: | --- |");
        line(String.format("| %s | %.0f | 1.00 | %s |", baselineName, baseMiBs, millis(base)));
        for (int s = 0; s < subjects.size(); s++) {
            double miBs = mib / (median(subj[s]) / 1e9);
            line(String.format(
                    "| %s | %.0f | **%.2f** | %s |", subjects.get(s).name(), miBs, miBs / baseMiBs, millis(subj[s])));
        }
    }

    private static Object unchecked(java.util.concurrent.Callable<Object> call) {
        try {
            return call.call();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long time(Supplier<Object> run) {
        long start = System.nanoTime();
        Object result = run.get();
        long elapsed = System.nanoTime() - start;
        if (result == null) {
            throw new IllegalStateException("benchmark body returned nothing");
        }
        return elapsed;
    }

    private static double median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length % 2 == 1
                ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2.0;
    }

    private static String millis(long[] nanos) {
        return Arrays.stream(nanos)
                .mapToObj(n -> String.valueOf(n / 1_000_000))
                .reduce((a, b) -> a + ", " + b)
                .orElse("");
    }

    private void line(String s) {
        System.out.println(s);
        report.add(s);
    }

    private static byte[] random(int size) {
        byte[] data = new byte[size];
        new Random(42).nextBytes(data);
        return data;
    }
}
