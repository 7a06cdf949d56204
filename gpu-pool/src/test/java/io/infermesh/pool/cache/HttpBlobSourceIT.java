package io.infermesh.pool.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.pool.WorkerException;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.s3.S3BlobStore;
import io.infermesh.store.testing.DeployedService;
import io.infermesh.store.unixfs.ContentDigester;
import io.infermesh.store.unixfs.ImportOptions;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Blob downloads over presigned URLs of a real S3 server ({@code deploy/s3.sh}: S3Proxy), through the body queue. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpBlobSourceIT {
    @TempDir
    static Path tmp;

    DeployedService s3;
    S3BlobStore store;
    HttpClient http;
    byte[] big;
    Cid bigCid;
    byte[] small;
    Cid smallCid;

    @BeforeAll
    void start() throws Exception {
        s3 = DeployedService.start("s3.sh", tmp.resolve("s3"));
        store = S3BlobStore.connect(s3.s3Config("infermesh"));
        http = HttpBlobSource.defaultClient();
        big = new byte[(5 << 20) + 777];
        new SplittableRandom(1).nextBytes(big);
        bigCid = store.put(big).cid();
        small = "a small blob".getBytes();
        smallCid = store.put(small).cid();
    }

    @AfterAll
    void stop() throws Exception {
        if (s3 != null) {
            s3.close();
        }
    }

    private HttpBlobSource urls(Map<Cid, Cid> servedAs) {
        return HttpBlobSource.perCid(
                http,
                servedAs.entrySet().stream()
                        .collect(java.util.stream.Collectors.toMap(
                                Map.Entry::getKey, e -> store.presignGet(e.getValue(), Duration.ofMinutes(5)))));
    }

    private static List<Path> files(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    @Test
    void streamsABlobIntoTheCacheAndChecksEveryByte() throws Exception {
        LocalBlobCache cache = new LocalBlobCache(tmp.resolve("ok"));
        HttpBlobSource source = urls(Map.of(bigCid, bigCid, smallCid, smallCid));
        assertArrayEquals(big, Files.readAllBytes(cache.fetch(bigCid, big.length, source)));
        assertArrayEquals(small, Files.readAllBytes(cache.fetch(smallCid, small.length, source)));
    }

    @Test
    void aUrlServingOtherBytesLeavesNothingInTheCache() throws Exception {
        LocalBlobCache cache = new LocalBlobCache(tmp.resolve("tampered"));
        Cid other = ContentDigester.digest(new byte[big.length], ImportOptions.defaults())
                .cid();
        WorkerException e =
                assertThrows(WorkerException.class, () -> cache.fetch(other, big.length, urls(Map.of(other, bigCid))));
        assertEquals(WorkerException.Code.DATA_LOSS, e.code());
        assertTrue(e.getMessage().contains(bigCid.toString()), "names what the bytes hash to: " + e.getMessage());
        WorkerException longer = assertThrows(
                WorkerException.class, () -> cache.fetch(smallCid, small.length, urls(Map.of(smallCid, bigCid))));
        assertEquals(WorkerException.Code.DATA_LOSS, longer.code());
        assertEquals(List.of(), files(tmp.resolve("tampered").resolve("blobs")));
    }

    @Test
    void aBlobTheStoreDoesNotHaveIsNotFound() {
        Cid absent = ContentDigester.digest("never uploaded".getBytes(), ImportOptions.defaults())
                .cid();
        WorkerException e = assertThrows(WorkerException.class, () -> new LocalBlobCache(tmp.resolve("absent"))
                .fetch(absent, 14, urls(Map.of(absent, absent))));
        assertEquals(WorkerException.Code.NOT_FOUND, e.code());
    }

    @Test
    void theWorkersClientReadsInLargeBuffers() {
        assertEquals(
                Integer.toString(HttpBlobSource.READ_BUFFER_BYTES),
                System.getProperty(HttpBlobSource.READ_BUFFER_PROPERTY));
    }
}
