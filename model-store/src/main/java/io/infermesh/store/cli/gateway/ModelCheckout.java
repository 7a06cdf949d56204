package io.infermesh.store.cli.gateway;

import io.infermesh.store.ContentMismatchException;
import io.infermesh.store.ModelStoreException;
import io.infermesh.store.manifest.InvalidManifestException;
import io.infermesh.store.manifest.Manifest;
import io.infermesh.store.manifest.ManifestFile;
import io.infermesh.store.manifest.ModelPath;
import io.infermesh.store.unixfs.ContentDigester;
import io.infermesh.store.unixfs.ImportOptions;
import io.infermesh.store.unixfs.VerifyingInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Writes a manifest's files into a folder so that every file that appears under its name holds exactly the bytes its
 * CID names. Each blob streams through a CID check into a hidden temporary file next to its target ({@code
 * .infermesh-*.part}); only a file whose bytes verified is moved into place (atomically where the file system can). A
 * blob longer than the manifest says is cut off at the first extra byte, so a hostile source cannot fill the disk.
 *
 * <p>Paths are checked again here ({@link ModelPath}), and no write goes through a symbolic link: a link already in
 * the folder cannot redirect a file outside it. A file already in place with the right content is kept and not
 * downloaded again. Not thread-safe; one checkout per folder at a time.
 */
public final class ModelCheckout {
    /** Temporary files start with this (hidden, so {@code model push} of the folder skips any left behind). */
    public static final String TEMP_PREFIX = ".infermesh-";

    private final Path root;

    private ModelCheckout(Path root) {
        this.root = root;
    }

    /**
     * What a checkout did.
     *
     * @param downloaded files written from the source
     * @param downloadedBytes their bytes
     * @param present files that were in place already with the right content
     * @param presentBytes their bytes
     */
    public record Result(int downloaded, long downloadedBytes, int present, long presentBytes) {}

    /** A checkout into {@code dir}, created if missing. */
    public static ModelCheckout into(Path dir) throws IOException {
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("'" + dir + "' exists and is not a folder");
        }
        Files.createDirectories(dir);
        return new ModelCheckout(dir.toRealPath());
    }

    /** The folder (its real path). */
    public Path root() {
        return root;
    }

    /** Writes every file of {@code manifest}, reporting each one to {@code progress} as it is done. */
    public Result write(Manifest manifest, BlobSource source, Consumer<String> progress) throws IOException {
        int downloaded = 0;
        int present = 0;
        long downloadedBytes = 0;
        long presentBytes = 0;
        for (ManifestFile file : manifest.files()) {
            if (write(file, source)) {
                downloaded++;
                downloadedBytes += file.sizeBytes();
                progress.accept("downloaded " + file.cid() + "  " + file.sizeBytes() + "  " + file.path());
            } else {
                present++;
                presentBytes += file.sizeBytes();
                progress.accept("present    " + file.cid() + "  " + file.sizeBytes() + "  " + file.path());
            }
        }
        return new Result(downloaded, downloadedBytes, present, presentBytes);
    }

    /** Writes one file; false if it was in place already. */
    public boolean write(ManifestFile file, BlobSource source) throws IOException {
        Path target = prepareTarget(file.path());
        if (holds(target, file)) {
            return false;
        }
        Path temp = createTemp(target);
        try {
            try (InputStream in = new VerifyingInputStream(new AtMost(source.open(file.cid()), file), file.cid());
                    OutputStream out = Files.newOutputStream(temp)) {
                in.transferTo(out);
            } catch (ContentMismatchException e) {
                throw new ModelStoreException(
                        ModelStoreException.ErrorCode.CONTENT_MISMATCH,
                        "file '" + file.path() + "': " + e.getMessage() + "; nothing was written",
                        e);
            }
            moveIntoPlace(temp, target);
        } finally {
            Files.deleteIfExists(temp);
        }
        return true;
    }

    /**
     * Writes {@code bytes} as {@code name} directly in the folder (temporary file, then move), e.g. the manifest
     * itself; returns where.
     */
    public Path writeFile(String name, byte[] bytes) throws IOException {
        Path target = prepareTarget(name);
        Path temp = createTemp(target);
        try {
            Files.write(temp, bytes);
            moveIntoPlace(temp, target);
        } finally {
            Files.deleteIfExists(temp);
        }
        return target;
    }

    /**
     * The target of {@code path} inside the folder, with its parent folders created. Refuses a path that breaks the
     * {@link ModelPath} rules, that passes through a symbolic link or a file, or whose target is a link or a folder.
     */
    public Path prepareTarget(String path) throws IOException {
        ModelPath.validate(path);
        String[] segments = path.split("/");
        Path dir = root;
        for (int i = 0; i < segments.length - 1; i++) {
            dir = dir.resolve(segments[i]);
            if (Files.isSymbolicLink(dir)) {
                throw escape(path, "'" + root.relativize(dir) + "' is a symbolic link");
            }
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(dir);
            } else if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw escape(path, "'" + root.relativize(dir) + "' is a file, not a folder");
            }
        }
        Path target = dir.resolve(segments[segments.length - 1]);
        if (!target.normalize().startsWith(root)) {
            throw escape(path, "it resolves outside the folder");
        }
        if (Files.isSymbolicLink(target)) {
            throw escape(path, "it is a symbolic link");
        }
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw escape(path, "a folder of that name is in the way");
        }
        return target;
    }

    /**
     * An empty temporary file next to {@code target}. Not {@code Files.createTempFile}: that one is always mode 600,
     * and a pulled model's files should get the usual mode (the umask's), like any other file the user writes.
     */
    private static Path createTemp(Path target) throws IOException {
        return Files.createFile(target.resolveSibling(TEMP_PREFIX + UUID.randomUUID() + ".part"));
    }

    private static boolean holds(Path target, ManifestFile file) throws IOException {
        return Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)
                && Files.size(target) == file.sizeBytes()
                && ContentDigester.digest(target, ImportOptions.impliedBy(file.cid()))
                        .cid()
                        .equals(file.cid());
    }

    private static void moveIntoPlace(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private InvalidManifestException escape(String path, String why) {
        return new InvalidManifestException("refusing to write '" + path + "' into " + root + ": " + why);
    }

    /** Fails at the first byte past the size the manifest promises. */
    private static final class AtMost extends FilterInputStream {
        private final ManifestFile file;
        private long remaining;

        AtMost(InputStream in, ManifestFile file) {
            super(in);
            this.file = file;
            this.remaining = file.sizeBytes();
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n;
            do {
                n = read(one, 0, 1);
            } while (n == 0);
            return n == -1 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            // Ask for one byte more than allowed, so an over-long blob shows itself without reading it all.
            int n = super.read(b, off, (int) Math.min(len, remaining + 1));
            if (n > 0) {
                remaining -= n;
                if (remaining < 0) {
                    throw new ModelStoreException(
                            ModelStoreException.ErrorCode.CONTENT_MISMATCH,
                            "file '" + file.path() + "': the source sent more than the " + file.sizeBytes()
                                    + " bytes its manifest lists; nothing was written");
                }
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            throw new IOException("a size-checked stream cannot skip");
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }
}
