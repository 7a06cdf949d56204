package io.infermesh.pool.cache;

import io.infermesh.pool.Ticker;
import io.infermesh.pool.spi.ModelSource;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.Manifest;
import io.infermesh.store.manifest.ManifestFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * A {@link ModelSource} that materializes the manifest's files on first use: the blobs are fetched into the verified
 * {@link LocalBlobCache} side by side (one download per file, so a sharded checkpoint does not wait file after file),
 * then linked at their manifest paths under {@code models/<manifest-cid>/}. The folder is built aside and renamed into
 * place, so a half-built folder is never used. A folder already in place (an earlier load, an earlier process) is
 * reused only when each of its files is the very blob file the cache just verified; otherwise it is rebuilt.
 */
final class CachedSource implements ModelSource {
    private final LoadSpec spec;
    private final Manifest manifest;
    private final LocalBlobCache blobs;
    private final Path modelsDir;
    private final Ticker ticker;
    private Path directory;
    private long fetchNanos;
    private long fetchedBytes;

    CachedSource(LoadSpec spec, Manifest manifest, LocalBlobCache blobs, Path modelsDir, Ticker ticker) {
        this.ticker = ticker;
        this.spec = spec;
        this.manifest = manifest;
        this.blobs = blobs;
        this.modelsDir = modelsDir;
    }

    @Override
    public String modelName() {
        return spec.modelName();
    }

    @Override
    public Cid manifestCid() {
        return spec.manifestCid();
    }

    @Override
    public Manifest manifest() {
        return manifest;
    }

    @Override
    public Map<String, String> parameters() {
        return spec.parameters();
    }

    /** Time spent materializing the files (downloads, verification, links), 0 if {@link #directory()} was not used. */
    synchronized long fetchNanos() {
        return fetchNanos;
    }

    /** Bytes downloaded for this load (files already in the blob cache are not counted). */
    synchronized long fetchedBytes() {
        return fetchedBytes;
    }

    @Override
    public synchronized Path directory() {
        if (directory == null) {
            long start = ticker.nanos();
            directory = materialize();
            fetchNanos = ticker.nanos() - start;
        }
        return directory;
    }

    private Path materialize() {
        Path target = modelsDir.resolve(spec.manifestCid().toString());
        // Always through the blob cache, which hands out only blobs it verified (once per process for files left by
        // an earlier one); a folder left in place is reused only if every file in it is that very blob (a link).
        List<Path> fetched = fetchAll();
        if (Files.isDirectory(target) && linksTo(target, fetched)) {
            return target;
        }
        deleteTree(target);
        Path building = modelsDir.resolve(".building-" + UUID.randomUUID());
        try {
            for (int i = 0; i < fetched.size(); i++) {
                Path at = building.resolve(manifest.files().get(i).path());
                Files.createDirectories(at.getParent());
                try {
                    Files.createLink(at, fetched.get(i));
                } catch (UnsupportedOperationException | IOException e) {
                    Files.copy(fetched.get(i), at);
                }
            }
            try {
                Files.move(building, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                // Another load of the same manifest got there first; its folder links the same verified blobs.
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteTree(building);
        }
    }

    /** Fetches every file's blob, in parallel; waits for all, then throws the first failure in manifest order. */
    private List<Path> fetchAll() {
        List<ManifestFile> files = manifest.files();
        for (ManifestFile f : files) {
            if (!blobs.contains(f.cid())) {
                fetchedBytes += f.sizeBytes();
            }
        }
        if (files.size() == 1) {
            ManifestFile only = files.getFirst();
            return List.of(blobs.fetch(only.cid(), only.sizeBytes(), spec.source()));
        }
        try (ExecutorService downloads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Path>> futures = new ArrayList<>();
            for (ManifestFile f : files) {
                futures.add(downloads.submit(() -> blobs.fetch(f.cid(), f.sizeBytes(), spec.source())));
            }
            List<Path> paths = new ArrayList<>();
            RuntimeException failure = null;
            for (Future<Path> future : futures) {
                try {
                    paths.add(future.get());
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while fetching " + spec.modelName(), e);
                }
            }
            if (failure != null) {
                throw failure;
            }
            return paths;
        }
    }

    /** Whether every manifest path under {@code dir} is the same file as its verified blob in {@code blobsInOrder}. */
    private boolean linksTo(Path dir, List<Path> blobsInOrder) {
        for (int i = 0; i < blobsInOrder.size(); i++) {
            Path p = dir.resolve(manifest.files().get(i).path());
            try {
                if (!Files.isRegularFile(p) || !Files.isSameFile(p, blobsInOrder.get(i))) {
                    return false;
                }
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: a leftover .building folder is never read
                }
            });
        } catch (IOException ignored) {
            // same
        }
    }
}
