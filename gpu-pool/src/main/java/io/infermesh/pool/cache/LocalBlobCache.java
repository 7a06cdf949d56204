package io.infermesh.pool.cache;

import io.infermesh.pool.WorkerException;
import io.infermesh.store.ContentMismatchException;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.unixfs.VerifyingInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * Verified blobs on local disk under {@code blobs/<cid>}. A file appears under its CID only after every byte was
 * hashed on the way in and the digest matched (temp file, then atomic rename); a mismatch or a short or overlong
 * download leaves nothing behind. Files already present were verified when they arrived and are reused.
 */
public final class LocalBlobCache {
    private static final int BUFFER = 1 << 20;
    private final Path blobs;

    public LocalBlobCache(Path root) {
        this.blobs = root.resolve("blobs");
        try {
            Files.createDirectories(blobs);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the blob cache at " + blobs, e);
        }
    }

    /** The verified local file for {@code cid}, downloading it from {@code source} if absent. */
    public Path fetch(Cid cid, long expectedBytes, BlobSource source) {
        Path target = blobs.resolve(cid.toString());
        if (Files.isRegularFile(target)) {
            return target;
        }
        Path temp = blobs.resolve(".part-" + UUID.randomUUID());
        try {
            try (InputStream raw = source.open(cid);
                    VerifyingInputStream in = VerifyingInputStream.cidOnly(raw, cid);
                    OutputStream out = Files.newOutputStream(temp)) {
                byte[] buf = new byte[BUFFER];
                long total = 0;
                for (int n; (n = in.read(buf)) != -1; ) {
                    total += n;
                    if (total > expectedBytes) {
                        throw new WorkerException(
                                WorkerException.Code.DATA_LOSS,
                                "blob " + cid + " from " + source.describe() + " is longer than the " + expectedBytes
                                        + " bytes the manifest declares; nothing was loaded");
                    }
                    out.write(buf, 0, n);
                }
                if (total != expectedBytes) {
                    throw new WorkerException(
                            WorkerException.Code.DATA_LOSS,
                            "blob " + cid + " from " + source.describe() + " has " + total + " bytes, the manifest"
                                    + " declares " + expectedBytes + "; nothing was loaded");
                }
            }
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

    /** The verified local file for {@code cid}, if present. */
    public boolean contains(Cid cid) {
        return Files.isRegularFile(blobs.resolve(cid.toString()));
    }
}
