package io.infermesh.store.cli.gateway;

import io.infermesh.store.ContentMismatchException;
import io.infermesh.store.ModelRef;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.Manifest;
import java.util.Objects;

/**
 * A tag with the manifest it points at. The manifest must hash to the tag's CID (checked here, so a value of this
 * type always holds the manifest the CID names).
 *
 * @param ref {@code org/name:tag}
 * @param manifestCid the manifest's CID
 * @param manifest the manifest
 */
public record TagManifest(ModelRef ref, Cid manifestCid, Manifest manifest) {
    public TagManifest {
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(manifestCid, "manifestCid");
        Objects.requireNonNull(manifest, "manifest");
        var summary = manifest.summary();
        if (!summary.cid().equals(manifestCid)) {
            throw new ContentMismatchException(manifestCid, summary.cid(), summary.sizeBytes());
        }
    }
}
