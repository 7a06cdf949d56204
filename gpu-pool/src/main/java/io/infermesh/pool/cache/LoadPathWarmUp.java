package io.infermesh.pool.cache;

import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Framework;
import io.infermesh.store.manifest.Manifest;
import io.infermesh.store.manifest.ManifestFile;
import io.infermesh.store.manifest.Wei;
import io.infermesh.store.unixfs.ContentDigester;
import io.infermesh.store.unixfs.ImportOptions;
import io.infermesh.store.unixfs.VerifyingInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Runs the code a model load goes through once before the worker reports ready, so the first real load does not pay
 * for class loading and JIT compilation (measured: a cold JVM's first manifest fetch took about a second, the same
 * fetch later a few milliseconds). Like Triton's model warm-up, it moves a one-time cost from the first caller into
 * start-up. Touches no model and leaves nothing on disk.
 *
 * <ol>
 *   <li>8 MiB through the verifying stream downloads use (chunking, SHA-256 intrinsics, the DAG builder);
 *   <li>a manifest written and parsed back (JSON, CID and address parsing);
 *   <li>one GET with the HTTP client blob downloads use, to a URL of the worker itself (connection pool, selector
 *       thread, body subscribers); a failure there is ignored.
 * </ol>
 */
public final class LoadPathWarmUp {
    private static final int HASHED_BYTES = 8 << 20;

    private LoadPathWarmUp() {}

    /** Returns how long it took, in nanoseconds. */
    public static long run(HttpClient http, URI selfProbe) {
        long start = System.nanoTime();
        byte[] zeros = new byte[HASHED_BYTES];
        Cid cid = ContentDigester.digest(zeros, ImportOptions.defaults()).cid();
        try (InputStream in = VerifyingInputStream.cidOnly(new ByteArrayInputStream(zeros), cid)) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        var summary = ContentDigester.digest(new byte[0], ImportOptions.defaults());
        Manifest sample = new Manifest(
                Framework.ONNX,
                "raw-tensors",
                List.of(new ManifestFile("model.onnx", summary.cid(), summary.sizeBytes(), summary.sha256())),
                List.of(),
                List.of(),
                Wei.ZERO,
                "none",
                EthAddress.of("0x0000000000000000000000000000000000000001"),
                Instant.EPOCH);
        Manifest.parse(sample.toCanonicalJson());
        try {
            http.send(
                            HttpRequest.newBuilder(selfProbe)
                                    .timeout(Duration.ofSeconds(2))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofInputStream())
                    .body()
                    .close();
        } catch (IOException e) {
            // The HTTP client is only being warmed; a worker whose own port does not answer yet is not at fault.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return System.nanoTime() - start;
    }
}
