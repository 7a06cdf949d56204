package io.infermesh.pool.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.infermesh.pool.WorkerException;
import io.infermesh.store.ContentMismatchException;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.cid.Codec;
import io.infermesh.store.unixfs.ContentDigester;
import io.infermesh.store.unixfs.ImportOptions;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BlobCheckTest {
    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    private static Cid cidOf(byte[] bytes) {
        return ContentDigester.digest(bytes, ImportOptions.defaults()).cid();
    }

    /** {@code bytes} cut into buffers of the given sizes (cycled), as a download might deliver them. */
    private static List<List<ByteBuffer>> deliveries(byte[] bytes, int... sizes) {
        List<List<ByteBuffer>> out = new ArrayList<>();
        for (int off = 0, i = 0; off < bytes.length; i++) {
            int n = Math.min(sizes[i % sizes.length], bytes.length - off);
            out.add(List.of(ByteBuffer.wrap(bytes, off, n).slice()));
            off += n;
        }
        return out;
    }

    private static BlobCheck checked(Cid cid, long declared, List<List<ByteBuffer>> deliveries) {
        BlobCheck check = new BlobCheck(cid, declared, "test");
        deliveries.forEach(check::update);
        return check;
    }

    @Test
    void acceptsAMultiChunkBlobDeliveredInPiecesOfAnySize() {
        byte[] blob = random(3 * (256 << 10) + 12_345, 1);
        Cid cid = cidOf(blob);
        assertEquals(Codec.DAG_PB, cid.codec());
        checked(cid, blob.length, deliveries(blob, 16 << 10, 7, 256 << 10, 1 << 20))
                .finish();
        checked(cid, blob.length, deliveries(blob, blob.length)).finish();
    }

    @Test
    void acceptsASingleChunkBlobWhoseCidIsItsRawSha256() {
        byte[] blob = random(1000, 2);
        Cid cid = cidOf(blob);
        assertEquals(Codec.RAW, cid.codec());
        checked(cid, blob.length, deliveries(blob, 100)).finish();
    }

    @Test
    void refusesBytesThatHashToAnotherCid() {
        byte[] blob = random(600_000, 3);
        Cid cid = cidOf(blob);
        byte[] tampered = blob.clone();
        tampered[400_000] ^= 1;
        ContentMismatchException e = assertThrows(
                ContentMismatchException.class,
                () -> checked(cid, blob.length, deliveries(tampered, 16 << 10)).finish());
        assertEquals(cidOf(tampered), e.actual());
        byte[] small = random(10, 4);
        assertThrows(
                ContentMismatchException.class, () -> checked(cidOf(small), small.length, deliveries(random(10, 5), 10))
                        .finish());
    }

    @Test
    void refusesMoreBytesThanDeclaredAsSoonAsTheyArrive() {
        byte[] blob = random(100_000, 6);
        BlobCheck check = new BlobCheck(cidOf(blob), blob.length - 1, "test");
        WorkerException e = assertThrows(WorkerException.class, () -> check.update(List.of(ByteBuffer.wrap(blob))));
        assertEquals(WorkerException.Code.DATA_LOSS, e.code());
    }

    @Test
    void refusesFewerBytesThanDeclared() {
        byte[] blob = random(100_000, 7);
        WorkerException e =
                assertThrows(WorkerException.class, () -> checked(cidOf(blob), blob.length + 1, deliveries(blob, 4096))
                        .finish());
        assertEquals(WorkerException.Code.DATA_LOSS, e.code());
    }

    @Test
    void leavesTheBuffersPositionsWhereTheyWere() {
        byte[] blob = random(300_000, 8);
        ByteBuffer buffer = ByteBuffer.wrap(blob);
        BlobCheck check = new BlobCheck(cidOf(blob), blob.length, "test");
        check.update(List.of(buffer));
        assertEquals(0, buffer.position());
        check.finish();
    }
}
