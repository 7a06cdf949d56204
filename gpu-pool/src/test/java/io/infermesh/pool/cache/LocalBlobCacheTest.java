package io.infermesh.pool.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.infermesh.pool.WorkerException;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.unixfs.ContentDigester;
import io.infermesh.store.unixfs.ImportOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalBlobCacheTest {
    @TempDir
    Path root;

    /** Serves each CID's bytes (or other bytes, to tamper) through {@link #transfer}, in buffers of odd sizes. */
    record PiecewiseSource(Map<Cid, byte[]> served, int piece) implements BlobSource {
        @Override
        public InputStream open(Cid cid) {
            return new ByteArrayInputStream(served.get(cid));
        }

        @Override
        public void transfer(Cid cid, ByteSink sink) throws IOException {
            byte[] bytes = served.get(cid);
            for (int off = 0; off < bytes.length; ) {
                List<ByteBuffer> batch = new ArrayList<>();
                for (int i = 0; i < 3 && off < bytes.length; i++) {
                    int n = Math.min(piece, bytes.length - off);
                    batch.add(ByteBuffer.wrap(bytes.clone(), off, n).slice());
                    off += n;
                }
                sink.accept(batch);
            }
        }

        @Override
        public String describe() {
            return "pieces";
        }
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    private static Cid cidOf(byte[] bytes) {
        return ContentDigester.digest(bytes, ImportOptions.defaults()).cid();
    }

    private List<Path> filesUnder(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }

    @Test
    void writesExactlyTheVerifiedBytesUnderTheirCid() throws Exception {
        byte[] blob = random((3 << 20) + 4321, 1);
        Cid cid = cidOf(blob);
        LocalBlobCache cache = new LocalBlobCache(root);
        Path file = cache.fetch(cid, blob.length, new PiecewiseSource(Map.of(cid, blob), 16_411));
        assertArrayEquals(blob, Files.readAllBytes(file));
        assertEquals(root.resolve("blobs").resolve(cid.toString()), file);
        assertEquals(List.of(file), filesUnder(root.resolve("blobs")));
    }

    @Test
    void theDefaultTransferReadsTheStream() throws Exception {
        byte[] blob = random((2 << 20) + 1, 2);
        Cid cid = cidOf(blob);
        BlobSource streamOnly = new BlobSource() {
            @Override
            public InputStream open(Cid c) {
                return new ByteArrayInputStream(blob);
            }

            @Override
            public String describe() {
                return "stream";
            }
        };
        assertArrayEquals(blob, Files.readAllBytes(new LocalBlobCache(root).fetch(cid, blob.length, streamOnly)));
    }

    @Test
    void tamperedOrOverlongBytesLeaveNothingBehind() throws Exception {
        byte[] blob = random(1 << 20, 3);
        Cid cid = cidOf(blob);
        byte[] tampered = blob.clone();
        tampered[tampered.length - 1] ^= 1;
        LocalBlobCache cache = new LocalBlobCache(root);
        WorkerException mismatch = assertThrows(
                WorkerException.class,
                () -> cache.fetch(cid, blob.length, new PiecewiseSource(Map.of(cid, tampered), 65_536)));
        assertEquals(WorkerException.Code.DATA_LOSS, mismatch.code());
        WorkerException overlong = assertThrows(
                WorkerException.class,
                () -> cache.fetch(cid, blob.length - 10, new PiecewiseSource(Map.of(cid, blob), 65_536)));
        assertEquals(WorkerException.Code.DATA_LOSS, overlong.code());
        assertEquals(List.of(), filesUnder(root.resolve("blobs")), "no blob and no temp file");

        cache.fetch(cid, blob.length, new PiecewiseSource(Map.of(cid, blob), 65_536));
        assertEquals(1, filesUnder(root.resolve("blobs")).size());
    }

    /** Writes {@code bytes} under {@code cid} as an earlier process (or a crash) left them. */
    private Path leftInPlace(Cid cid, byte[] bytes) throws IOException {
        Path blobs = Files.createDirectories(root.resolve("blobs"));
        return Files.write(blobs.resolve(cid.toString()), bytes);
    }

    @Test
    void aFileInPlaceWithOtherBytesOfTheRightSizeIsDownloadedAgain() throws Exception {
        MemoryBlobSource source = new MemoryBlobSource();
        byte[] blob = random((2 << 20) + 99, 4);
        Cid cid = source.put(blob);
        byte[] other = blob.clone();
        other[1 << 20] ^= 1;
        leftInPlace(cid, other);

        Path file = new LocalBlobCache(root).fetch(cid, blob.length, source);
        assertArrayEquals(blob, Files.readAllBytes(file));
        assertEquals(1, source.opens(cid));
        assertEquals(List.of(file), filesUnder(root.resolve("blobs")), "no temp file left");
    }

    @Test
    void aTruncatedOrEmptyFileInPlaceIsReplaced() throws Exception {
        MemoryBlobSource source = new MemoryBlobSource();
        byte[] truncated = random(300_000, 5);
        byte[] emptied = random(70_000, 6);
        Cid truncatedCid = source.put(truncated);
        Cid emptiedCid = source.put(emptied);
        leftInPlace(truncatedCid, Arrays.copyOf(truncated, 262_144));
        leftInPlace(emptiedCid, new byte[0]);

        LocalBlobCache cache = new LocalBlobCache(root);
        assertArrayEquals(truncated, Files.readAllBytes(cache.fetch(truncatedCid, truncated.length, source)));
        assertArrayEquals(emptied, Files.readAllBytes(cache.fetch(emptiedCid, emptied.length, source)));
        assertEquals(1, source.opens(truncatedCid));
        assertEquals(1, source.opens(emptiedCid));
    }

    @Test
    void aWholeFileLeftByAnEarlierProcessIsCheckedAndReusedWithoutTheSource() throws Exception {
        MemoryBlobSource earlier = new MemoryBlobSource();
        byte[] blob = random((1 << 20) + 5, 7);
        Cid cid = earlier.put(blob);
        new LocalBlobCache(root).fetch(cid, blob.length, earlier);

        MemoryBlobSource empty = new MemoryBlobSource();
        LocalBlobCache restarted = new LocalBlobCache(root);
        assertArrayEquals(blob, Files.readAllBytes(restarted.fetch(cid, blob.length, empty)));
        assertArrayEquals(blob, Files.readAllBytes(restarted.fetch(cid, blob.length, empty)));
        assertEquals(0, empty.opens(cid), "the source was not asked");
    }

    @Test
    void aRejectedFileInPlaceIsNotServedWhileTheSourceFails() throws Exception {
        MemoryBlobSource source = new MemoryBlobSource();
        byte[] blob = random(100_000, 8);
        Cid cid = source.put(blob);
        byte[] other = blob.clone();
        other[0] ^= 1;
        leftInPlace(cid, other);
        LocalBlobCache cache = new LocalBlobCache(root);

        WorkerException e =
                assertThrows(WorkerException.class, () -> cache.fetch(cid, blob.length, new MemoryBlobSource()));
        assertEquals(WorkerException.Code.NOT_FOUND, e.code());
        assertArrayEquals(blob, Files.readAllBytes(cache.fetch(cid, blob.length, source)));
    }

    @Test
    void opensTheFolderByDeletingAbandonedTempFilesAndKeepsFreshOnes() throws Exception {
        Path blobs = Files.createDirectories(root.resolve("blobs"));
        Path abandoned = Files.write(blobs.resolve(".part-x"), new byte[] {1, 2, 3});
        Files.setLastModifiedTime(
                abandoned, FileTime.from(Instant.now().minus(LocalBlobCache.ABANDONED_PART_AGE.multipliedBy(2))));
        Path live = Files.write(blobs.resolve(".part-y"), new byte[] {4, 5});

        new LocalBlobCache(root);
        assertFalse(Files.exists(abandoned), "a dead worker's temp file is deleted");
        assertEquals(List.of(live), filesUnder(blobs), "another process's download in progress is left alone");
    }
}
