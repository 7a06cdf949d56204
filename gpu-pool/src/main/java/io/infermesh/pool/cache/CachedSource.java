package io.infermesh.pool.cache;

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
import java.util.Comparator;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A {@link ModelSource} that materializes the manifest's files on first use: each blob is fetched into the verified
 * {@link LocalBlobCache}, then linked at its manifest path under {@code models/<manifest-cid>/}. The folder is built
 * aside and renamed into place, so a half-built folder is never used.
 */
final class CachedSource implements ModelSource {
    private final LoadSpec spec;
    private final Manifest manifest;
    private final LocalBlobCache blobs;
    private final Path modelsDir;
    private Path directory;

    CachedSource(LoadSpec spec, Manifest manifest, LocalBlobCache blobs, Path modelsDir) {
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

    @Override
    public synchronized Path directory() {
        if (directory == null) {
            directory = materialize();
        }
        return directory;
    }

    private Path materialize() {
        Path target = modelsDir.resolve(spec.manifestCid().toString());
        if (Files.isDirectory(target) && complete(target)) {
            return target;
        }
        deleteTree(target);
        Path building = modelsDir.resolve(".building-" + UUID.randomUUID());
        try {
            for (ManifestFile file : manifest.files()) {
                Path blob = blobs.fetch(file.cid(), file.sizeBytes(), spec.source());
                Path at = building.resolve(file.path());
                Files.createDirectories(at.getParent());
                try {
                    Files.createLink(at, blob);
                } catch (UnsupportedOperationException | IOException e) {
                    Files.copy(blob, at);
                }
            }
            try {
                Files.move(building, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                // Another load of the same manifest got there first; its folder has the same verified files.
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteTree(building);
        }
    }

    private boolean complete(Path dir) {
        return manifest.files().stream().allMatch(f -> {
            Path p = dir.resolve(f.path());
            try {
                return Files.isRegularFile(p) && Files.size(p) == f.sizeBytes();
            } catch (IOException e) {
                return false;
            }
        });
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
