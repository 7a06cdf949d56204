package io.infermesh.pool.testing;

import io.infermesh.openapi.inference.ModelRepositoryParameter;
import io.infermesh.openapi.inference.RepositoryModelLoadRequest;
import io.infermesh.store.BlobStore;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.Manifest;
import io.infermesh.store.manifest.ManifestFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** A manifest and its files put into a real store, and the load request a gateway would send for it. */
public record PublishedModel(Manifest manifest, Cid manifestCid, BlobStore store) {
    /** Uploads every file of {@code manifest} from {@code dir} and the manifest itself. */
    public static PublishedModel publish(BlobStore store, Path dir, Manifest manifest) throws IOException {
        for (ManifestFile f : manifest.files()) {
            try (InputStream in = Files.newInputStream(dir.resolve(f.path()))) {
                store.put(f.cid(), in);
            }
        }
        Cid cid = store.put(manifest.toCanonicalJson()).cid();
        return new PublishedModel(manifest, cid, store);
    }

    /** Presigned GET URLs for the manifest and every file: what a third-party worker gets instead of credentials. */
    public Map<String, String> presignedParameters() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("manifest_cid", manifestCid.toString());
        p.put(
                "blob_url:" + manifestCid,
                store.presignGet(manifestCid, Duration.ofMinutes(10)).toString());
        for (ManifestFile f : manifest.files()) {
            p.put(
                    "blob_url:" + f.cid(),
                    store.presignGet(f.cid(), Duration.ofMinutes(10)).toString());
        }
        return p;
    }

    public static RepositoryModelLoadRequest loadRequest(String name, Map<String, String> parameters) {
        RepositoryModelLoadRequest.Builder b =
                RepositoryModelLoadRequest.newBuilder().setModelName(name);
        parameters.forEach((k, v) -> b.putParameters(
                k, ModelRepositoryParameter.newBuilder().setStringParam(v).build()));
        return b.build();
    }

    public ManifestFile file(String path) {
        return manifest.files().stream()
                .filter(f -> f.path().equals(path))
                .findFirst()
                .orElseThrow();
    }
}
