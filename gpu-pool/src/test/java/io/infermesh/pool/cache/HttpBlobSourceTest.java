package io.infermesh.pool.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.infermesh.pool.WorkerException;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.unixfs.ContentDigester;
import io.infermesh.store.unixfs.ImportOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Presigned-URL downloads from a real JDK HTTP server on loopback that misbehaves as each test scripts. */
class HttpBlobSourceTest {
    private static final byte[] BLOB = random(300_000);
    private static final Cid CID =
            ContentDigester.digest(BLOB, ImportOptions.defaults()).cid();

    @TempDir
    Path root;

    private final CountDownLatch release = new CountDownLatch(1);
    private HttpServer server;

    @AfterEach
    void stop() {
        release.countDown();
        if (server != null) {
            server.stop(0);
        }
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new SplittableRandom(7).nextBytes(b);
        return b;
    }

    private interface Handler {
        void handle(HttpExchange exchange) throws Exception;
    }

    private HttpBlobSource serving(Handler handler) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            try {
                handler.handle(exchange);
            } catch (Exception e) {
                // the scripted fault
            } finally {
                exchange.close();
            }
        });
        server.start();
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/blob?X-Amz-Signature=secret");
        return HttpBlobSource.perCid(HttpBlobSource.defaultClient(), Map.of(CID, url))
                .withStallTimeout(Duration.ofMillis(500));
    }

    private List<Path> blobFiles() throws IOException {
        try (Stream<Path> s = Files.list(root.resolve("blobs"))) {
            return s.toList();
        }
    }

    @Test
    void aServerThatAcceptsButNeverAnswersIsGivenUpAsUnavailable() throws Exception {
        HttpBlobSource source = serving(exchange -> release.await());
        LocalBlobCache cache = new LocalBlobCache(root);
        WorkerException e = assertTimeoutPreemptively(
                Duration.ofSeconds(20),
                () -> assertThrows(WorkerException.class, () -> cache.fetch(CID, BLOB.length, source)),
                "a download whose server never sends its headers hangs the load forever");
        assertEquals(WorkerException.Code.UNAVAILABLE, e.code(), e.getMessage());
        assertEquals(List.of(), blobFiles());
        WorkerException open = assertTimeoutPreemptively(
                Duration.ofSeconds(20),
                () -> assertThrows(WorkerException.class, () -> source.open(CID)),
                "opening (the manifest's path) hangs forever on a server that never answers");
        assertEquals(WorkerException.Code.UNAVAILABLE, open.code(), open.getMessage());
    }

    @Test
    void aShortOrResetBodyLeavesNothingBehind() throws Exception {
        HttpBlobSource source = serving(exchange -> {
            exchange.sendResponseHeaders(200, BLOB.length);
            OutputStream out = exchange.getResponseBody();
            out.write(BLOB, 0, BLOB.length / 2);
            out.flush();
            // the connection closes with half the promised body
            throw new IOException("reset");
        });
        LocalBlobCache cache = new LocalBlobCache(root);
        WorkerException e = assertTimeoutPreemptively(
                Duration.ofSeconds(20),
                () -> assertThrows(WorkerException.class, () -> cache.fetch(CID, BLOB.length, source)));
        assertEquals(List.of(), blobFiles(), e.getMessage());
    }

    @Test
    void statusesMapToWhatTheLoadCallerShouldDo() throws Exception {
        int[] status = {404};
        HttpBlobSource source = serving(exchange -> exchange.sendResponseHeaders(status[0], -1));
        LocalBlobCache cache = new LocalBlobCache(root);
        assertEquals(
                WorkerException.Code.NOT_FOUND,
                assertThrows(WorkerException.class, () -> cache.fetch(CID, BLOB.length, source))
                        .code());
        status[0] = 403;
        assertEquals(
                WorkerException.Code.FAILED_PRECONDITION,
                assertThrows(WorkerException.class, () -> cache.fetch(CID, BLOB.length, source))
                        .code());
        status[0] = 500;
        assertEquals(
                WorkerException.Code.UNAVAILABLE,
                assertThrows(WorkerException.class, () -> cache.fetch(CID, BLOB.length, source))
                        .code());
        assertEquals(List.of(), blobFiles());
    }
}
