package io.infermesh.store.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.infermesh.store.BlobStore;
import io.infermesh.store.ContentMismatchException;
import io.infermesh.store.ContentSummary;
import io.infermesh.store.ModelStoreException;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.cid.InvalidCidException;
import io.infermesh.store.testing.DeployedService;
import io.infermesh.store.testing.RawS3;
import io.infermesh.store.unixfs.ContentDigester;
import io.infermesh.store.unixfs.ImportOptions;
import io.minio.ListMultipartUploadsResponse;
import io.minio.MinioAsyncClient;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The S3 blob store against a real S3 server (S3Proxy started by {@code deploy/s3.sh}). */
class S3BlobStoreIT {
    private static final int PART = S3Config.MIN_PART_BYTES;
    private static final AtomicInteger BUCKETS = new AtomicInteger();

    @RegisterExtension
    static final DeployedService.PerClass s3 = DeployedService.perClass("s3.sh");

    static S3Config config() {
        return new S3Config(
                URI.create(s3.value("S3_ENDPOINT")),
                s3.value("S3_ACCESS_KEY"),
                s3.value("S3_SECRET_KEY"),
                "it-" + BUCKETS.incrementAndGet(),
                S3Config.DEFAULT_REGION,
                PART);
    }

    @Test
    void storesAndReadsBackSmallAndMultipartBlobs() throws Exception {
        S3Config config = config();
        BlobStore store = S3BlobStore.connect(config);
        for (int size : new int[] {0, 1, 262_145, PART, PART + 1, 2 * PART + 12_345}) {
            byte[] data = random(size, size);
            Cid cid = cidOf(data);
            ContentSummary s = store.put(cid, new ByteArrayInputStream(data));
            assertEquals(cid, s.cid());
            assertEquals(size, store.stat(cid).orElseThrow().sizeBytes());
            try (InputStream in = store.get(cid)) {
                assertArrayEquals(data, in.readAllBytes(), "size " + size);
            }
        }
        assertEquals(0, incompleteUploads(config), "every multipart upload was completed");
    }

    @Test
    void readsRanges() throws Exception {
        BlobStore store = S3BlobStore.connect(config());
        byte[] data = random(1_000_000, 7);
        Cid cid = store.put(cidOf(data), new ByteArrayInputStream(data)).cid();
        try (InputStream in = store.getRange(cid, 999_990, 100)) {
            assertArrayEquals(java.util.Arrays.copyOfRange(data, 999_990, 1_000_000), in.readAllBytes());
        }
        try (InputStream in = store.getRange(cid, 12_345, 1000)) {
            assertArrayEquals(java.util.Arrays.copyOfRange(data, 12_345, 13_345), in.readAllBytes());
        }
    }

    @Test
    void refusesACorruptedUploadAndLeavesNothingBehind() throws Exception {
        S3Config config = config();
        BlobStore store = S3BlobStore.connect(config);
        for (int size : new int[] {1000, 2 * PART + 5}) {
            byte[] data = random(size, 11);
            Cid cid = cidOf(data);
            byte[] corrupted = data.clone();
            corrupted[size - 1] ^= 0x40;
            ContentMismatchException e = assertThrows(
                    ContentMismatchException.class, () -> store.put(cid, new ByteArrayInputStream(corrupted)));
            assertEquals(cid, e.expected());
            assertFalse(store.exists(cid), "no object under a CID its bytes do not hash to");
            assertEquals(0, incompleteUploads(config), "the staged multipart upload was aborted");
        }
        assertEquals(List.of(), RawS3.keys(config, ""), "a wrong-CID upload leaves no object at all");
    }

    @Test
    void refusesBytesOfferedUnderAnotherFilesCid() {
        BlobStore store = S3BlobStore.connect(config());
        byte[] a = random(3 * 262144, 1);
        byte[] b = random(3 * 262144, 2);
        Cid cidOfA = cidOf(a);
        assertThrows(ContentMismatchException.class, () -> store.put(cidOfA, new ByteArrayInputStream(b)));
        assertEquals(List.of(cidOfA), store.missing(List.of(cidOfA)));
    }

    @Test
    void concurrentUploadsOfTheSameBlobAllSucceedWithIdenticalContent() throws Exception {
        S3Config config = config();
        BlobStore store = S3BlobStore.connect(config);
        byte[] data = random(PART + 777, 3);
        Cid cid = cidOf(data);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<ContentSummary>> results = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                results.add(
                        pool.submit((Callable<ContentSummary>) () -> store.put(cid, new ByteArrayInputStream(data))));
            }
            for (Future<ContentSummary> r : results) {
                assertEquals(cid, r.get().cid());
            }
        } finally {
            pool.shutdown();
        }
        try (InputStream in = store.get(cid)) {
            assertArrayEquals(data, in.readAllBytes());
        }
        assertEquals(0, incompleteUploads(config));
    }

    @Test
    void reportsMissingBlobsAndNotFound() {
        BlobStore store = S3BlobStore.connect(config());
        byte[] data = random(10, 5);
        Cid present = store.put(data).cid();
        Cid absent = cidOf(random(10, 6));
        assertEquals(List.of(absent), store.missing(List.of(present, absent, absent)));
        ModelStoreException e = assertThrows(ModelStoreException.class, () -> store.get(absent));
        assertEquals(ModelStoreException.ErrorCode.NOT_FOUND, e.code());
        assertThrows(InvalidCidException.class, () -> Cid.parse("blobs/../../secret"));
    }

    @Test
    void servesAPresignedUrlWithoutCredentials() throws Exception {
        BlobStore store = S3BlobStore.connect(config());
        byte[] data = random(70_000, 9);
        Cid cid = store.put(data).cid();
        URI url = store.presignGet(cid, Duration.ofMinutes(5));
        HttpResponse<byte[]> response = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(url).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode());
        assertArrayEquals(data, response.body());
    }

    @Test
    void reapsUploadsAbandonedMidway() throws Exception {
        S3Config config = config();
        S3BlobStore store = S3BlobStore.connect(config);
        MinioAsyncClient raw = RawS3.client(config);
        String uploadId = raw.createMultipartUploadAsync(
                        config.bucket(), config.region(), "blobs/" + cidOf(random(1, 1)), null, null)
                .get()
                .result()
                .uploadId();
        assertEquals(1, incompleteUploads(config), "the abandoned upload " + uploadId + " is listed");
        assertEquals(0, store.deleteStaleStaging(Duration.ofHours(1)), "a fresh upload is left alone");
        Clock later = Clock.fixed(Instant.now().plus(Duration.ofHours(2)), ZoneOffset.UTC);
        assertEquals(1, S3BlobStore.connect(config, later).deleteStaleStaging(Duration.ofHours(1)));
        assertEquals(0, incompleteUploads(config));
    }

    static Cid cidOf(byte[] data) {
        try {
            return ContentDigester.digest(new ByteArrayInputStream(data), ImportOptions.defaults())
                    .cid();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    private static int incompleteUploads(S3Config config) throws Exception {
        ListMultipartUploadsResponse r = RawS3.client(config)
                .listMultipartUploadsAsync(
                        config.bucket(), config.region(), null, null, null, 1000, null, null, null, null)
                .get();
        return r.result().uploads().size();
    }
}
