package io.infermesh.store.cli.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.store.ContentMismatchException;
import io.infermesh.store.ModelRef;
import io.infermesh.store.ModelStoreException;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.InvalidManifestException;
import io.infermesh.store.manifest.Manifest;
import io.infermesh.store.manifest.ManifestFile;
import io.infermesh.store.manifest.ModelPacker;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCheckoutTest {
    private static final EthAddress OWNER = EthAddress.of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23");

    @TempDir
    Path work;

    Path model;
    Manifest manifest;
    Map<Cid, byte[]> store;

    @BeforeEach
    void publishAModel() throws IOException {
        model = Files.createDirectories(work.resolve("model"));
        Files.createDirectories(model.resolve("tokenizer"));
        Files.write(model.resolve("model.onnx"), random(700_000, 1));
        Files.writeString(model.resolve("tokenizer/tokenizer.json"), "{\"version\":\"1.0\"}");
        manifest = ModelPacker.pack(model, ModelPacker.Options.ownedBy(OWNER));
        store = new HashMap<>();
        for (ManifestFile f : manifest.files()) {
            store.put(f.cid(), Files.readAllBytes(model.resolve(f.path())));
        }
    }

    private BlobSource source() {
        return cid -> new ByteArrayInputStream(store.get(cid));
    }

    @Test
    void writesEveryFileFromBytesThatMatchTheirCids() throws Exception {
        Path out = work.resolve("out");
        List<String> progress = new ArrayList<>();
        ModelCheckout.Result result = ModelCheckout.into(out).write(manifest, source(), progress::add);
        assertEquals(2, result.downloaded());
        assertEquals(manifest.totalBytes(), result.downloadedBytes());
        for (ManifestFile f : manifest.files()) {
            assertArrayEquals(Files.readAllBytes(model.resolve(f.path())), Files.readAllBytes(out.resolve(f.path())));
        }
        assertEquals(2, progress.size());
        assertNoTemporaryFiles(out);
        Path probe = Files.createFile(out.resolve("probe"));
        assertEquals(
                Files.getPosixFilePermissions(probe),
                Files.getPosixFilePermissions(out.resolve("model.onnx")),
                "pulled files get the usual mode");
    }

    @Test
    void refusesBytesThatDoNotMatchTheirCidAndLeavesNoFile() throws Exception {
        ManifestFile weights = file("model.onnx");
        byte[] tampered = store.get(weights.cid()).clone();
        tampered[123_456] ^= 1;
        store.put(weights.cid(), tampered);
        Path out = work.resolve("out");

        ModelStoreException e = assertThrows(
                ModelStoreException.class, () -> ModelCheckout.into(out).write(manifest, source(), line -> {}));
        assertEquals(ModelStoreException.ErrorCode.CONTENT_MISMATCH, e.code());
        assertTrue(e.getMessage().contains("model.onnx"), e.getMessage());
        assertFalse(Files.exists(out.resolve("model.onnx")));
        assertNoTemporaryFiles(out);
    }

    @Test
    void stopsASourceThatSendsMoreThanTheManifestLists() throws Exception {
        ManifestFile tokenizer = file("tokenizer/tokenizer.json");
        byte[] longer = new byte[tokenizer.sizeBytes() == 0 ? 1 : (int) tokenizer.sizeBytes() * 1000];
        store.put(tokenizer.cid(), longer);
        Path out = work.resolve("out");

        ModelStoreException e = assertThrows(
                ModelStoreException.class, () -> ModelCheckout.into(out).write(tokenizer, source()));
        assertEquals(ModelStoreException.ErrorCode.CONTENT_MISMATCH, e.code());
        assertFalse(Files.exists(out.resolve("tokenizer/tokenizer.json")));
        assertNoTemporaryFiles(out);
    }

    @Test
    void keepsFilesAlreadyInPlaceAndReplacesWrongOnes() throws Exception {
        Path out = work.resolve("out");
        ModelCheckout.into(out).write(manifest, source(), line -> {});
        Files.writeString(out.resolve("tokenizer/tokenizer.json"), "{\"version\":\"2.0\"}");

        List<Cid> fetched = new ArrayList<>();
        BlobSource counting = cid -> {
            fetched.add(cid);
            return new ByteArrayInputStream(store.get(cid));
        };
        ModelCheckout.Result again = ModelCheckout.into(out).write(manifest, counting, line -> {});
        assertEquals(1, again.present());
        assertEquals(1, again.downloaded());
        assertEquals(List.of(file("tokenizer/tokenizer.json").cid()), fetched);
        assertEquals("{\"version\":\"1.0\"}", Files.readString(out.resolve("tokenizer/tokenizer.json")));
    }

    @Test
    void neverWritesThroughASymbolicLink() throws Exception {
        Path out = Files.createDirectories(work.resolve("out"));
        Path elsewhere = Files.createDirectories(work.resolve("elsewhere"));
        Files.createSymbolicLink(out.resolve("tokenizer"), elsewhere);

        assertThrows(
                InvalidManifestException.class, () -> ModelCheckout.into(out).write(manifest, source(), line -> {}));
        try (Stream<Path> files = Files.list(elsewhere)) {
            assertEquals(0, files.count());
        }

        Path other = Files.createDirectories(work.resolve("other"));
        Files.createSymbolicLink(other.resolve("model.onnx"), work.resolve("victim"));
        assertThrows(
                InvalidManifestException.class, () -> ModelCheckout.into(other).write(file("model.onnx"), source()));
        assertFalse(Files.exists(work.resolve("victim")));
    }

    @Test
    void refusesPathsThatLeaveTheFolder() throws Exception {
        ModelCheckout checkout = ModelCheckout.into(work.resolve("out"));
        for (String path : List.of("../escape", "/etc/passwd", "a/../../b", "a//b", "a\\b", "")) {
            assertThrows(InvalidManifestException.class, () -> checkout.prepareTarget(path), path);
        }
    }

    @Test
    void aTagWhoseManifestDoesNotHashToItsCidIsRefused() {
        Cid someoneElses = Cid.parse("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
        assertThrows(
                ContentMismatchException.class,
                () -> new TagManifest(ModelRef.parse("acme/tiny:v1"), someoneElses, manifest));
        assertEquals(
                manifest.cid(),
                new TagManifest(ModelRef.parse("acme/tiny:v1"), manifest.cid(), manifest).manifestCid());
    }

    private ManifestFile file(String path) {
        return manifest.files().stream()
                .filter(f -> f.path().equals(path))
                .findFirst()
                .orElseThrow();
    }

    private static void assertNoTemporaryFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> temps = files.filter(p -> p.getFileName().toString().startsWith(ModelCheckout.TEMP_PREFIX))
                    .toList();
            assertEquals(List.of(), temps);
        }
    }

    private static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }
}
