package io.infermesh.store.cli.gateway;

import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.Manifest;
import io.infermesh.store.manifest.ManifestFile;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which blobs of a model version to upload: each distinct file CID once (two files with equal bytes are one blob),
 * then the manifest itself, minus what the store already holds.
 *
 * @param upload blobs to send, files first, the manifest last
 * @param skip blobs the store already holds
 */
public record UploadPlan(List<Blob> upload, List<Blob> skip) {
    public UploadPlan {
        upload = List.copyOf(upload);
        skip = List.copyOf(skip);
    }

    /**
     * One blob.
     *
     * @param cid its CID
     * @param sizeBytes its size
     * @param file the file it comes from (its first path), or empty for the manifest
     */
    public record Blob(Cid cid, long sizeBytes, Optional<ManifestFile> file) {}

    /** Every blob of {@code manifest}, in upload order: distinct file CIDs by path, then the manifest. */
    public static List<Blob> blobsOf(Manifest manifest) {
        Map<Cid, Blob> blobs = new LinkedHashMap<>();
        for (ManifestFile file : manifest.files()) {
            blobs.putIfAbsent(file.cid(), new Blob(file.cid(), file.sizeBytes(), Optional.of(file)));
        }
        var summary = manifest.summary();
        blobs.putIfAbsent(summary.cid(), new Blob(summary.cid(), summary.sizeBytes(), Optional.empty()));
        return List.copyOf(blobs.values());
    }

    /** The plan for {@code manifest} when the store lacks exactly {@code missing}. */
    public static UploadPlan of(Manifest manifest, Collection<Cid> missing) {
        Set<Cid> lacking = Set.copyOf(missing);
        List<Blob> upload = new ArrayList<>();
        List<Blob> skip = new ArrayList<>();
        for (Blob blob : blobsOf(manifest)) {
            (lacking.contains(blob.cid()) ? upload : skip).add(blob);
        }
        return new UploadPlan(upload, skip);
    }

    public long uploadBytes() {
        return upload.stream().mapToLong(Blob::sizeBytes).sum();
    }

    public long skipBytes() {
        return skip.stream().mapToLong(Blob::sizeBytes).sum();
    }
}
