package io.infermesh.functions.routing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.infermesh.functions.TestKeys;
import io.infermesh.functions.testing.S3Server;
import io.infermesh.functions.testing.StoredModels;
import io.infermesh.router.ModelLoadSpec;
import io.infermesh.store.BlobStore;
import io.infermesh.store.s3.S3BlobStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What a worker is told to load, against a real S3 server: every URL it gets must fetch the exact blob. */
class LoadSpecsIT {
    @RegisterExtension
    static final S3Server s3 = S3Server.forClass("loadspecs");

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    @Test
    void theSpecNamesTheManifestAndGivesAWorkingPresignedUrlPerBlob() throws Exception {
        BlobStore blobs = S3BlobStore.connect(s3.freshBucket());
        StoredModels.Model m = StoredModels.store(
                blobs, StoredModels.model("weights of a small model", TestKeys.address(TestKeys.random()), "10"));
        ModelLoadSpec spec = new LoadSpecs(blobs, Duration.ofMinutes(15), nanos::get).specFor(m.cid(), m.manifest());

        assertEquals(m.cid().toString(), spec.model());
        assertEquals(m.cid().toString(), spec.manifestCid());
        assertEquals(LoadSpecs.modelKey(m.cid()), spec.model());
        assertEquals((long) (m.weights().length * LoadSpecs.MEMORY_FACTOR), spec.estimatedBytes());
        String fileCid = m.manifest().files().getFirst().cid().toString();
        assertEquals(
                Set.of("blob_url:" + m.cid(), "blob_url:" + fileCid),
                spec.parameters().keySet());

        HttpClient http = HttpClient.newHttpClient();
        assertArrayEquals(m.manifestBytes(), fetch(http, spec.parameters().get("blob_url:" + m.cid())));
        assertArrayEquals(m.weights(), fetch(http, spec.parameters().get("blob_url:" + fileCid)));
    }

    @Test
    void aSpecIsReusedUntilHalfItsUrlsValidityIsGone() {
        BlobStore blobs = S3BlobStore.connect(s3.freshBucket());
        StoredModels.Model m = StoredModels.store(
                blobs, StoredModels.model("another model", TestKeys.address(TestKeys.random()), "10"));
        LoadSpecs specs = new LoadSpecs(blobs, Duration.ofMinutes(10), nanos::get);
        ModelLoadSpec first = specs.specFor(m.cid(), m.manifest());
        nanos.addAndGet(Duration.ofMinutes(5).minusNanos(1).toNanos());
        assertSame(first, specs.specFor(m.cid(), m.manifest()), "still more than half valid: cached");
        nanos.addAndGet(1);
        ModelLoadSpec rebuilt = specs.specFor(m.cid(), m.manifest());
        assertNotSame(first, rebuilt, "half the validity gone: fresh URLs");
        assertSame(rebuilt, specs.specFor(m.cid(), m.manifest()));
    }

    private static byte[] fetch(HttpClient http, String url) throws Exception {
        HttpResponse<byte[]> r = http.send(
                HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode(), url);
        return r.body();
    }
}
