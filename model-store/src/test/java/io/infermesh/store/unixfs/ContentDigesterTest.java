package io.infermesh.store.unixfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.store.ContentMismatchException;
import io.infermesh.store.ContentSummary;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.cid.Codec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class ContentDigesterTest {

    @Test
    void matchesKnownIpfsCidsForSmallFiles() throws IOException {
        assertEquals(
                "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
                digest(new byte[0], ImportOptions.defaults()).cid().toString());
        assertEquals(
                "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH",
                digest(new byte[0], ImportOptions.cidV0()).cid().toString());
        byte[] hello = "hello world\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals(
                "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o",
                digest(hello, ImportOptions.cidV0()).cid().toString());
    }

    @Test
    void yieldsTheWholeFileSha256AndSizeInTheSamePass() throws Exception {
        byte[] data = random(3 * 262144 + 17, 1);
        ContentSummary s = digest(data, ImportOptions.defaults());
        assertEquals(data.length, s.sizeBytes());
        assertEquals(
                java.util.HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256").digest(data)),
                s.sha256().hex());
        assertEquals(Codec.DAG_PB, s.cid().codec());
    }

    @Test
    void aSingleChunkFileIsItsOwnRawLeaf() throws IOException {
        byte[] data = random(262144, 2);
        ContentSummary s = digest(data, ImportOptions.defaults());
        assertEquals(Codec.RAW, s.cid().codec());
        assertEquals(s.sha256(), s.cid().multihash());
    }

    /**
     * The streaming builder (eager closing of full levels) against a plain, non-streaming statement of the balanced
     * layout: group leaves {@code maxLinks} at a time, repeat until one node is left. Small chunks and fan-outs make
     * every shape of tree (one leaf, exactly full levels, one past full, several levels) appear.
     */
    @Test
    void streamingLayoutEqualsTheBatchDefinitionOfBalancedForEverySize() throws IOException {
        for (int maxLinks : new int[] {2, 3, 5}) {
            for (boolean raw : new boolean[] {true, false}) {
                ImportOptions options = new ImportOptions(raw ? 1 : 0, raw, 4, maxLinks);
                for (int size = 0; size <= 4 * maxLinks * maxLinks * maxLinks + 9; size++) {
                    byte[] data = random(size, size);
                    assertEquals(
                            reference(data, options),
                            digest(data, options).cid(),
                            "size " + size + ", maxLinks " + maxLinks + ", raw " + raw);
                }
            }
        }
    }

    @Test
    void givesTheSameCidWhateverTheExecutorAndWriteSizes() throws IOException {
        byte[] data = random(5 * 262144 + 1234, 3);
        Cid parallel = digest(data, ImportOptions.defaults()).cid();
        ContentDigester inline = ContentDigester.create(ImportOptions.defaults(), Runnable::run);
        Random r = new Random(4);
        for (int pos = 0; pos < data.length; ) {
            int n = Math.min(data.length - pos, 1 + r.nextInt(100_000));
            inline.update(data, pos, n);
            pos += n;
        }
        assertEquals(parallel, inline.finish().cid());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            ContentDigester pooled = ContentDigester.create(ImportOptions.defaults(), pool);
            pooled.update(data, 0, data.length);
            assertEquals(parallel, pooled.finish().cid());
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void inPlaceArrayAndMappedFileDigestsEqualTheStreamingOne(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws IOException {
        for (int size : new int[] {0, 1, 262144, 262145, 3 * 262144 + 99}) {
            byte[] data = random(size, 40 + size);
            ContentSummary streamed = digest(data, ImportOptions.defaults());
            assertEquals(streamed, ContentDigester.digest(data, ImportOptions.defaults()), "array, size " + size);
            java.nio.file.Path file = dir.resolve("f" + size);
            java.nio.file.Files.write(file, data);
            assertEquals(streamed, ContentDigester.digest(file, ImportOptions.defaults()), "file, size " + size);
            assertEquals(
                    digest(data, ImportOptions.cidV0()), ContentDigester.digest(file, ImportOptions.cidV0()), "v0");
            // A copied head, then an unaligned in-place region: both paths meet inside one chunk.
            ContentDigester mixed = ContentDigester.create(ImportOptions.defaults());
            int head = Math.min(size, 1000);
            mixed.update(data, 0, head);
            mixed.updateInPlace(java.nio.ByteBuffer.wrap(data, head, size - head));
            assertEquals(streamed, mixed.finish(), "mixed, size " + size);
        }
    }

    @Test
    void verifyingStreamPassesMatchingBytesAndRefusesOthers() throws IOException {
        byte[] data = random(600_000, 5);
        Cid cid = digest(data, ImportOptions.defaults()).cid();
        try (VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream(data), cid)) {
            assertEquals(data.length, in.readAllBytes().length);
            assertEquals(cid, in.summary().cid());
        }
        byte[] corrupted = data.clone();
        corrupted[300_000] ^= 1;
        try (InputStream in = new VerifyingInputStream(new ByteArrayInputStream(corrupted), cid)) {
            ContentMismatchException e = assertThrows(ContentMismatchException.class, in::readAllBytes);
            assertEquals(cid, e.expected());
        }
    }

    @Test
    void aCidOnlyStreamChecksTheSameBytesWithoutTheFileDigest() throws IOException {
        byte[] data = random(700_000, 6);
        Cid cid = digest(data, ImportOptions.defaults()).cid();
        try (VerifyingInputStream in = VerifyingInputStream.cidOnly(new ByteArrayInputStream(data), cid)) {
            assertEquals(data.length, in.readAllBytes().length);
            assertThrows(IllegalStateException.class, in::summary);
        }
        byte[] corrupted = data.clone();
        corrupted[650_000] ^= 1;
        try (InputStream in = VerifyingInputStream.cidOnly(new ByteArrayInputStream(corrupted), cid)) {
            ContentMismatchException e = assertThrows(ContentMismatchException.class, in::readAllBytes);
            assertEquals(cid, e.expected());
            assertTrue(e.getMessage().contains(" " + data.length + " bytes"), e.getMessage());
        }
        // A raw-codec CID is the whole-file SHA-256, so the CID-only stream still checks it.
        byte[] small = random(1000, 7);
        Cid raw = digest(small, ImportOptions.defaults()).cid();
        assertEquals(io.infermesh.store.cid.Codec.RAW, raw.codec());
        try (InputStream in = VerifyingInputStream.cidOnly(new ByteArrayInputStream(small), raw)) {
            assertEquals(small.length, in.readAllBytes().length);
        }
        small[3] ^= 1;
        try (InputStream in = VerifyingInputStream.cidOnly(new ByteArrayInputStream(small), raw)) {
            assertThrows(ContentMismatchException.class, in::readAllBytes);
        }
    }

    static ContentSummary digest(byte[] data, ImportOptions options) throws IOException {
        return ContentDigester.digest(new ByteArrayInputStream(data), options);
    }

    private static Cid reference(byte[] data, ImportOptions options) {
        List<DagLink> level = new ArrayList<>();
        int chunk = options.chunkBytes();
        for (int pos = 0; pos < data.length || level.isEmpty(); pos += chunk) {
            int n = Math.min(chunk, data.length - pos);
            level.add(UnixfsNodes.leaf(Arrays.copyOfRange(data, pos, pos + n), n, options));
        }
        if (level.size() == 1) {
            return level.getFirst().cid();
        }
        do {
            List<DagLink> parents = new ArrayList<>();
            for (int i = 0; i < level.size(); i += options.maxLinks()) {
                parents.add(
                        UnixfsNodes.parent(level.subList(i, Math.min(level.size(), i + options.maxLinks())), options));
            }
            level = parents;
        } while (level.size() > 1);
        return level.getFirst().cid();
    }

    static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }
}
