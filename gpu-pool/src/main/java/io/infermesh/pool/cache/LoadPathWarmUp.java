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
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the code a model load goes through once before the worker reports ready, so the first real load does not pay
 * for class loading and JIT compilation (measured: a cold JVM's first manifest fetch took about a second, the same
 * fetch later a few milliseconds). Like Triton's model warm-up, it moves a one-time cost from the first caller into
 * start-up. Touches no model and leaves nothing on disk.
 *
 * <ol>
 *   <li>8 MiB through the check and the file writes downloads use ({@link BlobCheck}: chunking, SHA-256 intrinsics,
 *       the DAG builder; 1 MiB writes to a temp file, deleted again), in buffers as the HTTP client delivers them;
 *   <li>a manifest written, read back through the verifying stream manifests use, and parsed (JSON, CID and address
 *       parsing);
 *   <li>one GET with the HTTP client and the body queue blob downloads use, to a URL of the worker itself (connection
 *       pool, selector thread, {@link BodyQueue}); a failure there is ignored.
 * </ol>
 */
public final class LoadPathWarmUp {
    /** Measured (ColdLoadBenchmark, 4 rounds): a fresh worker's first MiniLM load was no faster after 32 MiB than 8. */
    private static final int HASHED_BYTES = 8 << 20;
    /** The JDK client's read buffer as the worker sets it ({@link HttpBlobSource#defaultClient}). */
    private static final int DELIVERY_BYTES = HttpBlobSource.READ_BUFFER_BYTES;

    private static final int DELIVERIES_PER_BATCH = 4;

    private LoadPathWarmUp() {}

    /** Returns how long it took, in nanoseconds. */
    public static long run(HttpClient http, URI selfProbe) {
        long start = System.nanoTime();
        byte[] zeros = new byte[HASHED_BYTES];
        Cid cid = ContentDigester.digest(zeros, ImportOptions.defaults()).cid();
        BlobCheck check = new BlobCheck(cid, zeros.length, "the warm-up");
        try {
            Path temp = Files.createTempFile("infermesh-warm-up-", ".part");
            ByteBuffer staging = ByteBuffer.allocateDirect(1 << 20);
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                // In the pieces the HTTP client delivers, as a download hands them over.
                for (int off = 0; off < zeros.length; off += DELIVERY_BYTES * DELIVERIES_PER_BATCH) {
                    List<ByteBuffer> batch = new ArrayList<>();
                    for (int i = 0; i < DELIVERIES_PER_BATCH; i++) {
                        batch.add(ByteBuffer.wrap(zeros, off + i * DELIVERY_BYTES, DELIVERY_BYTES)
                                .slice());
                    }
                    check.update(batch);
                    LocalBlobCache.write(out, batch, staging);
                }
                LocalBlobCache.flush(out, staging);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        check.finish();
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
        byte[] json = sample.toCanonicalJson();
        Cid manifestCid = ContentDigester.digest(json, ImportOptions.defaults()).cid();
        try (InputStream in = new VerifyingInputStream(new ByteArrayInputStream(json), manifestCid)) {
            Manifest.parse(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            BodyQueue body = new BodyQueue(Duration.ofSeconds(2));
            http.send(
                    HttpRequest.newBuilder(selfProbe)
                            .timeout(Duration.ofSeconds(2))
                            .GET()
                            .build(),
                    info -> body);
            body.drainTo(buffers -> {});
        } catch (IOException e) {
            // The HTTP client is only being warmed; a worker whose own port does not answer yet is not at fault.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return System.nanoTime() - start;
    }
}
