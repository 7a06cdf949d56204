package io.infermesh.store.manifest;

import io.infermesh.store.cid.Cid;
import io.infermesh.store.cid.Multihash;

/**
 * One file of a model version.
 *
 * @param path relative, '/'-separated path inside the model folder (validated by {@link ModelPath})
 * @param cid UnixFS CID of the file's bytes
 * @param sizeBytes file size
 * @param sha256 SHA-256 of the file's bytes
 */
public record ManifestFile(String path, Cid cid, long sizeBytes, Multihash sha256) {
    public ManifestFile {
        ModelPath.validate(path);
        if (cid == null || sha256 == null) {
            throw new InvalidManifestException("file '" + path + "' needs a cid and a sha256");
        }
        if (sizeBytes < 0) {
            throw new InvalidManifestException("file '" + path + "' has a negative size");
        }
    }
}
