package io.infermesh.pool.cache;

import io.infermesh.pool.WorkerException;
import io.infermesh.store.ContentMismatchException;
import io.infermesh.store.cid.Cid;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Verified blobs on local disk under {@code blobs/<cid>}, so that no blob is used under a CID its bytes do not hash
 * to, across crashes:
 *
 * <ul>
 *   <li>A download goes to a temp file {@code .part-<uuid>}, every byte hashed on the way in; only when the whole blob
 *       had exactly the declared size and hashed to the CID is the temp file renamed to its CID (atomically,
 *       replacing what was there). A mismatch, a short or overlong download or a failed write deletes the temp file
 *       and leaves the name as it was. Nothing is synced to disk: after a power loss a name may hold an empty or short
 *       file, and the next process checks every file it finds before use (below), so a cold load does not wait for
 *       the disk.
 *   <li>{@link #fetch} returns a file only once this instance has verified it: a file it downloaded itself, or a file
 *       found under the name (left by an earlier process, or written by another one sharing the folder) whose size
 *       equals the declared size and whose bytes hash to the CID, checked once per instance. A found file that fails
 *       the check is never returned: the blob is downloaded again and renamed over it.
 *   <li>Temp files older than {@link #ABANDONED_PART_AGE} (left by a killed worker) are deleted when a cache opens
 *       the folder; younger ones may be another live process's download and are left alone.
 * </ul>
 *
 * Nothing reads a temp file: the model folder links only renamed, verified blobs. A file is trusted to stay as it was
 * verified while this instance runs (the folder belongs to the workers). Thread-safe; concurrent fetches of
 * one CID may each download or check it, and every rename puts a whole verified file in place.
 */
public final class LocalBlobCache {
    /** Bytes per file write, and per read when checking a file found in place. */
    private static final int STAGING_BYTES = 1 << 20;

    private static final String PART_PREFIX = ".part-";

    /**
     * Age (time since last write) past which a temp file is taken to be a dead worker's. A live download writes at
     * least every {@value #STAGING_BYTES} bytes, and a download stalled this long has been given up by its source.
     */
    static final Duration ABANDONED_PART_AGE = Duration.ofMinutes(10);

    private final Path blobs;

    /** CIDs whose file under {@link #blobs} this instance downloaded or checked. */
    private final Set<Cid> verified = ConcurrentHashMap.newKeySet();

    /** Opens (or creates) the cache under {@code root/blobs} and deletes abandoned temp files there (best effort). */
    public LocalBlobCache(Path root) {
        this.blobs = root.resolve("blobs");
        try {
            Files.createDirectories(blobs);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the blob cache at " + blobs, e);
        }
        deletePartsOlderThan(Instant.now().minus(ABANDONED_PART_AGE));
    }

    /**
     * The verified local file for {@code cid}. A file already under the CID is returned if this instance verified it,
     * or once it is checked now: exactly {@code expectedBytes} bytes (else it is rejected without reading) that hash
     * to {@code cid}. Otherwise the blob is downloaded from {@code source}: the bytes go to a temp file and to the
     * hasher in one pass as they arrive ({@link BlobSource#transfer}); the temp file is renamed to the CID
     * only after the whole blob had exactly {@code expectedBytes} bytes and hashed to {@code cid}. On any failure the
     * temp file is deleted, and a rejected file found in place stays unused until a download replaces it.
     */
    public Path fetch(Cid cid, long expectedBytes, BlobSource source) {
        Path target = blobs.resolve(cid.toString());
        if (Files.isRegularFile(target) && (verified.contains(cid) || intact(target, cid, expectedBytes))) {
            verified.add(cid);
            return target;
        }
        verified.remove(cid);
        download(cid, expectedBytes, source, target);
        verified.add(cid);
        return target;
    }

    /**
     * Whether a file is present under {@code cid}: one {@code stat}, no hashing, so it may be a file {@link #fetch}
     * has not checked yet and would replace. Callers use it to count what a load will download; they read blobs only
     * through {@link #fetch}.
     */
    public boolean contains(Cid cid) {
        return Files.isRegularFile(blobs.resolve(cid.toString()));
    }

    private void download(Cid cid, long expectedBytes, BlobSource source, Path target) {
        Path temp = blobs.resolve(PART_PREFIX + UUID.randomUUID());
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
     * Whether {@code file} is the blob: {@code expectedBytes} long and hashing to {@code cid}. A file that cannot be
     * read counts as not the blob (a download then replaces it).
     */
    private static boolean intact(Path file, Cid cid, long expectedBytes) {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            if (in.size() != expectedBytes) {
                return false;
            }
            BlobCheck check = new BlobCheck(cid, expectedBytes, file.toString());
            for (long left = expectedBytes; left > 0; ) {
                // A new buffer per read: BlobCheck hashes the buffers it is given later, where they lie.
                ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(STAGING_BYTES, left));
                while (chunk.hasRemaining()) {
                    if (in.read(chunk) < 0) {
                        return false;
                    }
                }
                check.update(List.of(chunk.flip()));
                left -= chunk.limit();
            }
            check.finish();
            return true;
        } catch (IOException | WorkerException | ContentMismatchException e) {
            return false;
        }
    }

    /** Deletes temp files last written before {@code cutoff}. Best effort. */
    private void deletePartsOlderThan(Instant cutoff) {
        try (DirectoryStream<Path> parts = Files.newDirectoryStream(blobs, PART_PREFIX + "*")) {
            for (Path part : parts) {
                try {
                    if (Files.getLastModifiedTime(part).toInstant().isBefore(cutoff)) {
                        Files.deleteIfExists(part);
                    }
                } catch (IOException ignored) {
                    // gone already, or not ours to delete
                }
            }
        } catch (IOException | DirectoryIteratorException ignored) {
            // a leftover temp file costs disk space only
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
}
