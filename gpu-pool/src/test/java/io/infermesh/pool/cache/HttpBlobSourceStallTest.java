package io.infermesh.pool.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.sun.net.httpserver.HttpServer;
import io.infermesh.pool.WorkerException;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.unixfs.ContentDigester;
import io.infermesh.store.unixfs.ImportOptions;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link HttpBlobSource#open}, the path {@code ModelCache} reads manifests through, gives up on a server that stalls
 * mid-body after the stall timeout (the JDK's body stream alone has no read timeout and would wait forever).
 */
class HttpBlobSourceStallTest {
    private static final byte[] BLOB = new byte[300_000];
    private static final Cid CID =
            ContentDigester.digest(BLOB, ImportOptions.defaults()).cid();

    private final CountDownLatch release = new CountDownLatch(1);
    private HttpServer server;

    @AfterEach
    void stop() {
        release.countDown();
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void aManifestDownloadThatStallsMidBodyIsGivenUp() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            try {
                exchange.sendResponseHeaders(200, BLOB.length);
                OutputStream out = exchange.getResponseBody();
                out.write(BLOB, 0, 1000);
                out.flush();
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                exchange.close();
            }
        });
        server.start();
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/blob");
        HttpBlobSource source = HttpBlobSource.perCid(HttpBlobSource.defaultClient(), Map.of(CID, url))
                .withStallTimeout(Duration.ofMillis(500));
        assertTimeoutPreemptively(
                Duration.ofSeconds(20),
                () -> {
                    WorkerException e = assertThrows(
                            WorkerException.class, () -> source.open(CID).readAllBytes());
                    assertEquals(WorkerException.Code.UNAVAILABLE, e.code(), e.getMessage());
                },
                "reading an opened blob (the manifest's path) hangs forever when the server stalls mid-body");
    }
}
