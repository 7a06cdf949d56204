package io.infermesh.functions.routing;

import io.infermesh.router.ModelLoadSpec;
import io.infermesh.store.BlobStore;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.Manifest;
import io.infermesh.store.manifest.ManifestFile;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * What a worker is told when it must load a model: the manifest CID plus one presigned URL per blob ({@code
 * blob_url:<cid>}, the manifest's own included), so workers never hold store credentials (ARCHITECTURE principle:
 * workers are third parties).
 *
 * <p>Presigning is a local HMAC, but a spec is built per cold request, so specs are cached per manifest and rebuilt
 * when less than half of the URLs' validity is left (a load started late still gets working URLs).
 *
 * <p>The memory estimate is the files' size times {@value #MEMORY_FACTOR}: an ONNX or TorchScript session holds the
 * weights plus arena and graph overhead, and the worker refuses a load it has no room for anyway.
 */
public final class LoadSpecs {
    static final double MEMORY_FACTOR = 1.5;

    private final BlobStore blobs;
    private final Duration urlValidity;
    private final LongSupplier nanoTime;
    private final Map<Cid, Cached> cache = new ConcurrentHashMap<>();

    public LoadSpecs(BlobStore blobs, Duration urlValidity, LongSupplier nanoTime) {
        this.blobs = Objects.requireNonNull(blobs, "blobs");
        this.urlValidity = Objects.requireNonNull(urlValidity, "urlValidity");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    /** The router's model key for a manifest: workers load gateway models under their manifest CID. */
    public static String modelKey(Cid manifestCid) {
        return manifestCid.toString();
    }

    public ModelLoadSpec specFor(Cid manifestCid, Manifest manifest) {
        long now = nanoTime.getAsLong();
        Cached c = cache.get(manifestCid);
        if (c != null && now - c.builtNanos < urlValidity.toNanos() / 2) {
            return c.spec;
        }
        Map<String, String> params = new HashMap<>();
        params.put(
                "blob_url:" + manifestCid,
                blobs.presignGet(manifestCid, urlValidity).toString());
        for (ManifestFile f : manifest.files()) {
            params.put(
                    "blob_url:" + f.cid(),
                    blobs.presignGet(f.cid(), urlValidity).toString());
        }
        String key = modelKey(manifestCid);
        ModelLoadSpec spec =
                new ModelLoadSpec(key, key, (long) (manifest.totalBytes() * MEMORY_FACTOR), Map.copyOf(params));
        cache.put(manifestCid, new Cached(spec, now));
        return spec;
    }

    private record Cached(ModelLoadSpec spec, long builtNanos) {}
}
