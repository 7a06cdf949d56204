package io.infermesh.pool.bench;

import io.infermesh.pool.cache.HttpBlobSource;
import io.infermesh.pool.cache.LocalBlobCache;
import io.infermesh.pool.testing.MiniLm;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.s3.S3BlobStore;
import io.infermesh.store.testing.DeployedService;
import io.infermesh.store.unixfs.ContentDigester;
import io.infermesh.store.unixfs.ImportOptions;
import io.infermesh.store.unixfs.VerifyingInputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "files" phase of a cold load, alone: the 87 MiB MiniLM {@code model.onnx} from S3Proxy over a presigned URL, by
 * several paths, interleaved round by round so that noise from a shared machine spreads over all of them. Not a test:
 * nothing is asserted. Run: {@code deploy/bench.sh gpu-pool -Dit.test=BlobFetchBenchmark -Dbench.rounds=7}.
 */
public class BlobFetchBenchmark {
    @TempDir
    Path tmp;

    @Test
    void minilmModelFileByEachPath() throws Exception {
        int rounds = Integer.getInteger("bench.rounds", 7);
        // -Dbench.httpBufsize=N: the JDK client's read buffer size (read once, when the client's classes load).
        String bufsize = System.getProperty("bench.httpBufsize");
        if (bufsize != null) {
            System.setProperty("jdk.httpclient.bufsize", bufsize);
        }
        Path folder = MiniLm.writeModelFolder(tmp.resolve("minilm"));
        byte[] model = Files.readAllBytes(folder.resolve("model.onnx"));
        try (DeployedService s3 = DeployedService.start("s3.sh", tmp.resolve("s3"))) {
            S3BlobStore store = S3BlobStore.connect(s3.s3Config("infermesh"));
            Cid cid = store.put(model).cid();
            URI url = store.presignGet(cid, Duration.ofMinutes(30));
            HttpClient http = HttpBlobSource.defaultClient();
            Map<String, Callable<Object>> paths = new LinkedHashMap<>();
            paths.put("curl -o file", () -> {
                Process p = new ProcessBuilder(
                                "curl", "-sf", "-o", tmp.resolve("curl.out").toString(), url.toString())
                        .inheritIO()
                        .start();
                p.waitFor();
                return Files.deleteIfExists(tmp.resolve("curl.out"));
            });
            paths.put("JDK client -> nothing", () -> {
                try (var in = http.send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.ofInputStream())
                        .body()) {
                    return in.transferTo(OutputStream.nullOutputStream());
                }
            });
            paths.put(
                    "JDK client -> file (ofFile)",
                    () -> Files.deleteIfExists(http.send(
                                    HttpRequest.newBuilder(url).build(),
                                    HttpResponse.BodyHandlers.ofFile(tmp.resolve("offile.out")))
                            .body()));
            paths.put("CID of the bytes in memory", () -> {
                ContentDigester d = ContentDigester.forCid(ImportOptions.impliedBy(cid));
                for (int off = 0; off < model.length; off += 1 << 20) {
                    d.update(model, off, Math.min(1 << 20, model.length - off));
                }
                return d.finishCid();
            });
            paths.put("before: InputStream, VerifyingInputStream.cidOnly, 1 MiB writes", () -> {
                Path out = tmp.resolve("before.out");
                try (var in = VerifyingInputStream.cidOnly(
                                HttpBlobSource.perCid(http, Map.of(cid, url)).open(cid), cid);
                        var file = Files.newOutputStream(out)) {
                    byte[] buf = new byte[1 << 20];
                    for (int r; (r = in.read(buf)) != -1; ) {
                        file.write(buf, 0, r);
                    }
                }
                return Files.deleteIfExists(out);
            });
            int[] n = {0};
            // Each path deletes what it wrote, so no round writes behind another round's dirty pages.
            paths.put("LocalBlobCache.fetch (worker: buffers to file and hasher)", () -> {
                Path cache = tmp.resolve("cache-" + n[0]++);
                Path blob = new LocalBlobCache(cache)
                        .fetch(cid, model.length, HttpBlobSource.perCid(http, Map.of(cid, url)));
                return Files.deleteIfExists(blob);
            });
            Map<String, List<Long>> millis = new LinkedHashMap<>();
            Map<String, List<Long>> firstRounds = new LinkedHashMap<>();
            paths.keySet().forEach(k -> {
                millis.put(k, new ArrayList<>());
                firstRounds.put(k, new ArrayList<>());
            });
            // The first two rounds are the JIT's: reported apart (a fresh worker's first load runs in such a JVM).
            for (int round = -2; round < rounds; round++) {
                for (var path : paths.entrySet()) {
                    long start = System.nanoTime();
                    path.getValue().call();
                    long ms = (System.nanoTime() - start) / 1_000_000;
                    (round >= 0 ? millis : firstRounds).get(path.getKey()).add(ms);
                }
            }
            System.out.println("| path (" + model.length / 1048576.0 + " MiB; jdk.httpclient.bufsize "
                    + System.getProperty("jdk.httpclient.bufsize", "default")
                    + ") | median ms | all rounds ms | first two rounds ms |");
            System.out.println("| --- | ---: | --- | --- |");
            millis.forEach((k, v) -> {
                List<Long> sorted = v.stream().sorted().toList();
                System.out.println("| " + k + " | " + sorted.get(sorted.size() / 2) + " | " + v + " | "
                        + firstRounds.get(k) + " |");
            });
        }
    }
}
