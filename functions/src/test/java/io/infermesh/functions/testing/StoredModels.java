package io.infermesh.functions.testing;

import io.infermesh.store.BlobStore;
import io.infermesh.store.ContentSummary;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Framework;
import io.infermesh.store.manifest.Manifest;
import io.infermesh.store.manifest.ManifestFile;
import io.infermesh.store.manifest.TensorSpec;
import io.infermesh.store.manifest.Wei;
import io.infermesh.store.unixfs.ContentDigester;
import io.infermesh.store.unixfs.ImportOptions;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/** Small text-embedding models made of real bytes, hashed the way the CLI hashes them, for store-backed tests. */
public final class StoredModels {
    private StoredModels() {}

    /** A manifest and the bytes of its one file ({@code model.onnx}). */
    public record Model(Manifest manifest, Cid cid, byte[] manifestBytes, byte[] weights) {}

    /** A model whose weights are {@code weights} (any bytes), owned by {@code owner}, not stored anywhere yet. */
    public static Model model(String weights, EthAddress owner, String priceWei) {
        byte[] bytes = weights.getBytes(StandardCharsets.UTF_8);
        ContentSummary file = ContentDigester.digest(bytes, ImportOptions.defaults());
        Manifest m = new Manifest(
                Framework.ONNX,
                "text-embedding",
                List.of(new ManifestFile("model.onnx", file.cid(), file.sizeBytes(), file.sha256())),
                List.of(new TensorSpec("text", "BYTES", List.of(-1L))),
                List.of(new TensorSpec("embedding", "FP32", List.of(-1L, 4L))),
                Wei.parse(priceWei),
                "apache-2.0",
                owner,
                Instant.parse("2026-11-22T00:00:00Z"));
        return new Model(m, m.cid(), m.toCanonicalJson(), bytes);
    }

    /** Stores the model's file and its manifest in {@code blobs}. */
    public static Model store(BlobStore blobs, Model model) {
        blobs.put(model.weights());
        blobs.put(model.manifestBytes());
        return model;
    }
}
