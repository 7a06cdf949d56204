package io.infermesh.pool.testing;

import io.infermesh.pool.spi.ModelSource;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.Manifest;
import java.nio.file.Path;
import java.util.Map;

/** A {@link ModelSource} over files already in a folder, for backend tests that need no cache or download. */
public record FolderSource(Path directory, Manifest manifest, Map<String, String> parameters) implements ModelSource {
    @Override
    public String modelName() {
        return "test";
    }

    @Override
    public Cid manifestCid() {
        return manifest.cid();
    }
}
