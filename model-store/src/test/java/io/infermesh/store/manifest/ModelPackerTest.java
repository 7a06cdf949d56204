package io.infermesh.store.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.store.unixfs.ContentDigester;
import io.infermesh.store.unixfs.ImportOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelPackerTest {
    @TempDir
    Path dir;

    @Test
    void hashesEveryFileAndTakesDefaultsFromTheModelCard() throws IOException {
        Files.write(dir.resolve("model.onnx"), new byte[300_000]);
        Files.createDirectories(dir.resolve("tokenizer"));
        Files.writeString(dir.resolve("tokenizer/tokenizer.json"), "{}");
        Files.writeString(dir.resolve(".gitattributes"), "*.onnx lfs");
        Files.writeString(dir.resolve(ModelPacker.MODEL_CARD), """
                {"task":"text-embedding","license":"apache-2.0","pricePerRequestWei":"42",
                 "outputs":[{"name":"embedding","datatype":"FP32","shape":[-1,384]}]}
                """);
        Manifest m = ModelPacker.pack(dir, ModelPacker.Options.ownedBy(ManifestTest.OWNER));
        assertEquals(Framework.ONNX, m.framework());
        assertEquals("text-embedding", m.task());
        assertEquals("42", m.pricePerRequest().toString());
        assertEquals(
                List.of("model.onnx", "tokenizer/tokenizer.json"),
                m.files().stream().map(ManifestFile::path).toList());
        ManifestFile onnx = m.files().getFirst();
        assertEquals(300_000, onnx.sizeBytes());
        assertEquals(
                ContentDigester.digest(dir.resolve("model.onnx"), ImportOptions.defaults())
                        .cid(),
                onnx.cid());
        assertEquals(List.of(-1L, 384L), m.outputs().getFirst().shape());
    }

    @Test
    void refusesPickleCheckpointsAndSymlinks() throws IOException {
        Files.write(dir.resolve("model.onnx"), new byte[10]);
        Files.write(dir.resolve("weights.pkl"), new byte[10]);
        InvalidManifestException e = assertThrows(
                InvalidManifestException.class,
                () -> ModelPacker.pack(dir, ModelPacker.Options.ownedBy(ManifestTest.OWNER)));
        assertTrue(e.getMessage().contains("pickle"), e.getMessage());
        Files.delete(dir.resolve("weights.pkl"));
        Files.createSymbolicLink(dir.resolve("link.onnx"), dir.resolve("model.onnx"));
        assertThrows(
                InvalidManifestException.class,
                () -> ModelPacker.pack(dir, ModelPacker.Options.ownedBy(ManifestTest.OWNER)));
    }

    @Test
    void refusesAFolderWithoutWeights() throws IOException {
        Files.writeString(dir.resolve("README.md"), "hi");
        assertThrows(
                InvalidManifestException.class,
                () -> ModelPacker.pack(dir, ModelPacker.Options.ownedBy(ManifestTest.OWNER)));
    }
}
