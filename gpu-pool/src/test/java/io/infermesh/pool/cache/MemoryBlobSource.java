package io.infermesh.pool.cache;

import io.infermesh.pool.WorkerException;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Framework;
import io.infermesh.store.manifest.Manifest;
import io.infermesh.store.manifest.ManifestFile;
import io.infermesh.store.manifest.Wei;
import io.infermesh.store.unixfs.ContentDigester;
import io.infermesh.store.unixfs.ImportOptions;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** An in-memory {@link BlobSource} that counts reads and can serve the wrong bytes for a CID. */
public final class MemoryBlobSource implements BlobSource {
    final Map<Cid, byte[]> blobs = new ConcurrentHashMap<>();
    final Map<Cid, AtomicInteger> opens = new ConcurrentHashMap<>();

    Cid put(byte[] bytes) {
        Cid cid = ContentDigester.digest(bytes, ImportOptions.defaults()).cid();
        blobs.put(cid, bytes);
        return cid;
    }

    /** Publishes files (path → bytes) and a manifest for them; returns the manifest's CID. */
    public Cid publish(String task, Map<String, byte[]> files) {
        List<ManifestFile> list = new ArrayList<>();
        files.forEach((path, bytes) -> {
            var s = ContentDigester.digest(bytes, ImportOptions.defaults());
            blobs.put(s.cid(), bytes);
            list.add(new ManifestFile(path, s.cid(), s.sizeBytes(), s.sha256()));
        });
        Manifest m = new Manifest(
                Framework.ONNX,
                task,
                list,
                List.of(),
                List.of(),
                Wei.ZERO,
                "apache-2.0",
                EthAddress.of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"),
                Instant.parse("2026-11-22T00:00:00Z"));
        return put(m.toCanonicalJson());
    }

    public static Map<String, byte[]> files(String... pathThenText) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (int i = 0; i < pathThenText.length; i += 2) {
            out.put(pathThenText[i], pathThenText[i + 1].getBytes());
        }
        return out;
    }

    int opens(Cid cid) {
        AtomicInteger n = opens.get(cid);
        return n == null ? 0 : n.get();
    }

    @Override
    public InputStream open(Cid cid) {
        opens.computeIfAbsent(cid, c -> new AtomicInteger()).incrementAndGet();
        byte[] bytes = blobs.get(cid);
        if (bytes == null) {
            throw WorkerException.notFound("no blob " + cid);
        }
        return new ByteArrayInputStream(bytes);
    }

    @Override
    public String describe() {
        return "memory";
    }
}
