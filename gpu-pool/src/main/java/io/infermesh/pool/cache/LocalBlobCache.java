package io.infermesh.pool.cache;

import io.infermesh.pool.WorkerException;
import io.infermesh.store.ContentMismatchException;
import io.infermesh.store.cid.Cid;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.UUID;

/**
 * Verified blobs on local disk under {@code blobs/<cid>}. A file appears under its CID only after every byte was
 * hashed on the way in and the digest matched (temp file, then atomic rename); a mismatch or a short or overlong
 * download leaves nothing behind. Files already present were verified when they arrived and are reused. Nothing reads
 * a temp file: the model folder links only renamed, verified blobs.
 */
public final class LocalBlobCache {
    /** Bytes per file write. */
    private static final int STAGING_BYTES = 1 << 20;

    private final Path blobs;

    public LocalBlobCache(Path root) {
        this.blobs = root.resolve("blobs");
        try {
            Files.createDirectories(blobs);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the blob cache at " + blobs, e);
        }
    }

    /**
     * The verified local file for {@code cid}, downloading it from {@code source} if absent. The bytes go to a temp
     * file and to the hasher in one pass as they arrive ({@link BlobSource#transfer}); the file is renamed to its CID
     * only after the whole blob had exactly {@code expectedBytes} bytes and hashed to {@code cid}. On any failure the
     * temp file is deleted.
     */
    public Path fetch(Cid cid, long expectedBytes, BlobSource source) {
        Path target = blobs.resolve(cid.toString());
        if (Files.isRegularFile(target)) {
            return target;
        }
        Path temp = blobs.resolve(".part-" + UUID.randomUUID());
        try {
            BlobCheck check = new BlobCheck(cid, expectedBytes, source.describe());
            ByteBuffer staging = ByteBuffer.allocateDirect(STAGING_BYTES);
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                source.transfer(cid, buffers -> {
                    check.update(buffers);
                    write(out, buffers, staging);
                });
                flush(out, staging);
            }
            check.finish();
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return target;
        } catch (ContentMismatchException e) {
            throw new WorkerException(
                    WorkerException.Code.DATA_LOSS,
                    "the bytes served for blob " + cid + " by " + source.describe() + " hash to " + e.actual()
                            + "; they were discarded and nothing was loaded",
                    e);
        } catch (IOException e) {
            throw WorkerException.unavailable(
                    "download of blob " + cid + " from " + source.describe() + " failed: " + e.getMessage());
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // best effort; a stray .part file is never read as a blob
            }
        }
    }

    /**
     * Copies {@code buffers} into {@code staging} (a direct buffer) and writes it out whenever it is full; the caller
     * writes the rest at the end with {@link #flush}. A write from heap buffers copies them into a temporary direct
     * buffer inside the JDK anyway; staging makes that one copy and one write call per MiB instead of one per
     * delivery.
     */
    static void write(FileChannel out, List<ByteBuffer> buffers, ByteBuffer staging) throws IOException {
        for (ByteBuffer b : buffers) {
            ByteBuffer rest = b.duplicate();
            while (rest.hasRemaining()) {
                int n = Math.min(rest.remaining(), staging.remaining());
                staging.put(staging.position(), rest, rest.position(), n);
                staging.position(staging.position() + n);
                rest.position(rest.position() + n);
                if (!staging.hasRemaining()) {
                    flush(out, staging);
                }
            }
        }
    }

    /** Writes what {@code staging} holds and empties it. */
    static void flush(FileChannel out, ByteBuffer staging) throws IOException {
        staging.flip();
        while (staging.hasRemaining()) {
            out.write(staging);
        }
        staging.clear();
    }

    /** The verified local file for {@code cid}, if present. */
    public boolean contains(Cid cid) {
        return Files.isRegularFile(blobs.resolve(cid.toString()));
    }
}
