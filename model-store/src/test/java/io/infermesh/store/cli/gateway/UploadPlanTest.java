package io.infermesh.store.cli.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Manifest;
import io.infermesh.store.manifest.ModelPacker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UploadPlanTest {
    @TempDir
    Path model;

    private Manifest manifest() throws Exception {
        Files.write(model.resolve("a.onnx"), new byte[] {1, 2, 3});
        Files.write(model.resolve("copy.onnx"), new byte[] {1, 2, 3});
        Files.write(model.resolve("b.bin"), new byte[] {4, 5});
        return ModelPacker.pack(
                model, ModelPacker.Options.ownedBy(EthAddress.of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23")));
    }

    @Test
    void listsEachDistinctBlobOnceWithTheManifestLast() throws Exception {
        Manifest manifest = manifest();
        List<UploadPlan.Blob> blobs = UploadPlan.blobsOf(manifest);
        assertEquals(3, blobs.size());
        assertEquals(manifest.cid(), blobs.get(2).cid());
        assertTrue(blobs.get(2).file().isEmpty());
        assertEquals(manifest.toCanonicalJson().length, blobs.get(2).sizeBytes());
    }

    @Test
    void uploadsOnlyWhatTheStoreLacks() throws Exception {
        Manifest manifest = manifest();
        Cid b = manifest.files().stream()
                .filter(f -> f.path().equals("b.bin"))
                .findFirst()
                .orElseThrow()
                .cid();
        UploadPlan plan = UploadPlan.of(manifest, List.of(b, manifest.cid()));
        assertEquals(
                List.of(b, manifest.cid()),
                plan.upload().stream().map(UploadPlan.Blob::cid).toList());
        assertEquals(2 + manifest.toCanonicalJson().length, plan.uploadBytes());
        assertEquals(1, plan.skip().size());
        assertEquals(3, plan.skipBytes());

        UploadPlan nothing = UploadPlan.of(manifest, List.of());
        assertEquals(List.of(), nothing.upload());
        assertEquals(0, nothing.uploadBytes());
    }
}
