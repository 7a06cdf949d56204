package io.infermesh.store.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.Manifest;
import io.infermesh.store.manifest.ManifestFile;
import io.infermesh.store.testing.DeployedService;
import io.infermesh.store.testing.RawS3;
import io.infermesh.store.unixfs.ContentDigester;
import io.infermesh.store.unixfs.ImportOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The packaged {@code infermesh} CLI as a user runs it: a separate JVM against a real S3 server. */
class CliIT {
    @TempDir
    static Path work;

    @RegisterExtension
    static final DeployedService.PerClass s3 = DeployedService.perClass("s3.sh");

    @Test
    void publishesAModelAndReadsEveryByteBackByCid() throws Exception {
        Path key = work.resolve("owner.key");
        String owner = ok(cli("key", "new", key.toString())).strip();
        assertTrue(owner.matches("0x[0-9a-fA-F]{40}"), owner);

        Path model = modelFolder(work.resolve("tiny"));
        Result first = ok(cli("model", "publish", model.toString(), "--name", "acme/tiny:v1", "--key", key.toString()));
        Cid manifestCid = Cid.parse(field(first.out, "manifest"));
        assertTrue(first.err.contains("2 of 2 files uploaded"), first.err);

        Result again = ok(cli("model", "publish", model.toString(), "--name", "acme/tiny:v2", "--key", key.toString()));
        assertTrue(again.err.contains("0 of 2 files uploaded, 2 already stored"), again.err);

        assertEquals(
                manifestCid.toString(),
                ok(cli("tag", "resolve", "acme/tiny:v1")).strip());
        assertTrue(ok(cli("tag", "list", "acme/tiny")).out.contains("v2"));

        Path manifestCopy = work.resolve("manifest.json");
        ok(cli("store", "get", manifestCid.toString(), "-o", manifestCopy.toString()));
        Manifest manifest = Manifest.parseCanonical(Files.readAllBytes(manifestCopy));
        assertEquals(owner, manifest.owner().value());
        assertEquals("text-embedding", manifest.task());
        for (ManifestFile file : manifest.files()) {
            Path copy = work.resolve("copy-" + file.path().replace('/', '_'));
            ok(cli("store", "get", file.cid().toString(), "-o", copy.toString()));
            assertArrayEquals(Files.readAllBytes(model.resolve(file.path())), Files.readAllBytes(copy));
        }
    }

    @Test
    void packsSignsAndVerifiesAManifestOffline() throws Exception {
        Path model = modelFolder(work.resolve("offline"));
        Path key = work.resolve("offline.key");
        ok(cli("key", "new", key.toString()));
        Path manifest = work.resolve("offline-manifest.json");
        Result pack = ok(cli("model", "pack", model.toString(), "--key", key.toString(), "-o", manifest.toString()));
        Cid cid = Manifest.parseCanonical(Files.readAllBytes(manifest)).cid();
        assertEquals(cid.toString(), pack.err.strip());

        String signature = ok(cli("model", "sign", manifest.toString(), "--key", key.toString()))
                .strip();
        assertTrue(ok(cli("model", "verify", manifest.toString(), "--signature", signature))
                .out
                .contains("valid"));

        Path stranger = work.resolve("stranger.key");
        ok(cli("key", "new", stranger.toString()));
        Result wrongSigner = cli("model", "sign", manifest.toString(), "--key", stranger.toString());
        assertEquals(1, wrongSigner.exit);
        assertTrue(wrongSigner.err.contains("INVALID_SIGNATURE"), wrongSigner.err);
    }

    @Test
    void printsCidsLikeIpfsAndExplainsBadInput() throws Exception {
        Path file = work.resolve("data.bin");
        Files.write(file, random(700_000, 3));
        String expected =
                ContentDigester.digest(file, ImportOptions.defaults()).cid().toString();
        assertEquals(expected + "  " + file, ok(cli("cid", file.toString())).strip());

        Result badCid = cli("store", "get", "not-a-cid");
        assertEquals(1, badCid.exit);
        assertTrue(badCid.err.contains("INVALID_CID"), badCid.err);

        Result badName = cli("tag", "resolve", "Acme/../x");
        assertEquals(1, badName.exit);
        assertTrue(badName.err.contains("INVALID_REFERENCE"), badName.err);

        Result absent = cli("store", "get", expected);
        assertEquals(1, absent.exit);
        assertTrue(absent.err.contains("NOT_FOUND"), absent.err);
    }

    @Test
    void storeGetLeavesNoFileBehindWhenTheStoredBytesDoNotMatchTheirCid() throws Exception {
        byte[] good = random(1000, 7);
        Cid cid = ContentDigester.digest(good, ImportOptions.defaults()).cid();
        byte[] corrupt = good.clone();
        corrupt[500] ^= 1;
        // A blob corrupted in the store itself (disk rot, an operator's copy): the CLI must not hand it out.
        var config = s3.s3Config("cli-it");
        io.infermesh.store.s3.S3BlobStore.connect(config); // creates the bucket
        RawS3.client(config)
                .putObject(io.minio.PutObjectArgs.builder().bucket(config.bucket()).object("blobs/" + cid).stream(
                                new java.io.ByteArrayInputStream(corrupt), corrupt.length, -1)
                        .build())
                .get();

        Path output = work.resolve("corrupt-copy.bin");
        Result get = cli("store", "get", cid.toString(), "-o", output.toString());
        assertEquals(1, get.exit, get.err);
        assertTrue(get.err.contains("CONTENT_MISMATCH"), get.err);
        assertFalse(Files.exists(output), "the unverified bytes were left in " + output);
    }

    private static Path modelFolder(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("tokenizer"));
        Files.write(dir.resolve("model.onnx"), random(600_000, 1));
        Files.writeString(dir.resolve("tokenizer/tokenizer.json"), "{\"version\":\"1.0\"}");
        Files.writeString(dir.resolve("infermesh.json"), "{\"task\":\"text-embedding\",\"license\":\"apache-2.0\"}");
        return dir;
    }

    record Result(int exit, String out, String err) {
        String strip() {
            return out.strip();
        }
    }

    private static Result ok(Result r) {
        assertEquals(0, r.exit, "exit code; stderr: " + r.err);
        return r;
    }

    private static String field(String out, String name) {
        return out.lines()
                .filter(l -> l.startsWith(name + " "))
                .map(l -> l.substring(name.length()).strip())
                .findFirst()
                .orElseThrow(() -> new AssertionError("no '" + name + "' line in " + out));
    }

    private static Result cli(String... args) throws Exception {
        Path jar;
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            jar = files.filter(p -> p.getFileName().toString().matches("infermesh-model-store-.*\\.jar"))
                    .filter(p -> !p.getFileName().toString().contains("tests"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("package the module first"));
        }
        List<String> command = new ArrayList<>(
                List.of(ProcessHandle.current().info().command().orElse("java"), "-jar", jar.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment()
                .putAll(Map.of(
                        "INFERMESH_S3_ENDPOINT", s3.value("S3_ENDPOINT"),
                        "INFERMESH_S3_ACCESS_KEY", s3.value("S3_ACCESS_KEY"),
                        "INFERMESH_S3_SECRET_KEY", s3.value("S3_SECRET_KEY"),
                        "INFERMESH_S3_BUCKET", "cli-it"));
        Path errFile = Files.createTempFile(work, "err", ".txt");
        pb.redirectError(errFile.toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("CLI hung: " + command);
        }
        return new Result(p.exitValue(), out, Files.readString(errFile));
    }

    private static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }
}
