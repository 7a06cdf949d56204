package io.infermesh.store.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.store.cid.Cid;
import io.infermesh.store.cid.Multihash;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ManifestTest {
    static final EthAddress OWNER = EthAddress.of("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
    static final Cid SOME_CID = Cid.parse("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");

    static Manifest sample(List<ManifestFile> files) {
        return new Manifest(
                Framework.ONNX,
                "text-embedding",
                files,
                List.of(new TensorSpec("text", "BYTES", List.of(-1L))),
                List.of(new TensorSpec("embedding", "FP32", List.of(-1L, 384L))),
                new Wei(new BigInteger("1000000000000")),
                "apache-2.0",
                OWNER,
                Instant.parse("2026-11-22T10:00:00.123Z"));
    }

    static ManifestFile file(String path) {
        return new ManifestFile(path, SOME_CID, 0, Multihash.sha256(new byte[32]));
    }

    @Test
    void serializesCanonicallyWithSortedKeysAndFilesAndNoWhitespace() {
        Manifest m = sample(List.of(file("tokenizer.json"), file("model.onnx")));
        String json = new String(m.toCanonicalJson(), StandardCharsets.UTF_8);
        assertTrue(json.startsWith("{\"createdAt\":\"2026-11-22T10:00:00Z\",\"files\":[{\"cid\":"), json);
        assertTrue(json.indexOf("model.onnx") < json.indexOf("tokenizer.json"));
        assertTrue(!json.contains(" ") && !json.contains("\n"));
        assertTrue(json.contains("\"pricePerRequestWei\":\"1000000000000\""));
    }

    @Test
    void theSameManifestAlwaysHasTheSameCidWhateverTheFileOrder() {
        Cid a = sample(List.of(file("a.onnx"), file("b/c.json"))).cid();
        Cid b = sample(List.of(file("b/c.json"), file("a.onnx"))).cid();
        assertEquals(a, b);
        assertNotEquals(a, sample(List.of(file("a.onnx"))).cid());
    }

    @Test
    void parsesWhatItWritesAndRefusesNonCanonicalBytes() {
        Manifest m = sample(List.of(file("model.onnx")));
        byte[] canonical = m.toCanonicalJson();
        assertEquals(m, Manifest.parseCanonical(canonical));
        String pretty = new String(canonical, StandardCharsets.UTF_8).replace(",", ", ");
        assertEquals(m, Manifest.parse(pretty.getBytes(StandardCharsets.UTF_8)));
        assertThrows(
                InvalidManifestException.class, () -> Manifest.parseCanonical(pretty.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void refusesUnsafeOrConflictingPaths() {
        for (String bad : new String[] {"/etc/passwd", "../x", "a/../b", "a//b", "a\\b", "./a", "a/", "", "a\u0000b"}) {
            assertThrows(InvalidManifestException.class, () -> file(bad), bad);
        }
        assertThrows(InvalidManifestException.class, () -> sample(List.of(file("a.onnx"), file("a.onnx"))));
        assertThrows(InvalidManifestException.class, () -> sample(List.of(file("a"), file("a/b.onnx"))));
    }

    @Test
    void refusesUnknownFieldsDuplicateKeysAndBadValues() {
        String good = new String(sample(List.of(file("m.onnx"))).toCanonicalJson(), StandardCharsets.UTF_8);
        String[] bad = {
            good.replace("{\"createdAt\"", "{\"extra\":1,\"createdAt\""),
            good.replace("{\"createdAt\"", "{\"task\":\"x\",\"createdAt\""),
            good.replace("\"onnx\"", "\"pickle\""),
            good.replace("\"1000000000000\"", "\"1.5\""),
            good.replace("\"1000000000000\"", "\"-1\""),
            good.replace("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
            good.replace("\"FP32\"", "\"FLOAT\""),
            good.replace("infermesh.manifest.v1", "infermesh.manifest.v9"),
            "[]",
            "{"
        };
        for (String json : bad) {
            assertThrows(
                    InvalidManifestException.class, () -> Manifest.parse(json.getBytes(StandardCharsets.UTF_8)), json);
        }
    }

    @Test
    void refusesUnknownFieldsInsideFileAndTensorEntriesAndTrailingContent() {
        // parse() promises "unknown fields refused"; a field it would drop silently changes the manifest's bytes and
        // so its CID, and a second document after the first was ignored.
        String good = new String(sample(List.of(file("m.onnx"))).toCanonicalJson(), StandardCharsets.UTF_8);
        String[] bad = {
            good.replace("{\"cid\"", "{\"executable\":true,\"cid\""),
            good.replace("{\"datatype\":\"FP32\"", "{\"datatype\":\"FP32\",\"dims\":[1]"),
            good + "{\"schema\":\"other\"}",
            good + " trailing"
        };
        for (String json : bad) {
            assertThrows(
                    InvalidManifestException.class, () -> Manifest.parse(json.getBytes(StandardCharsets.UTF_8)), json);
        }
    }

    @Test
    void escapesStringsTheCanonicalWay() {
        var node = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                .objectNode()
                .put("b", "tab\tquote\"\u0001é")
                .put("a", 1);
        assertEquals(
                "{\"a\":1,\"b\":\"tab\\tquote\\\"\\u0001é\"}",
                new String(CanonicalJson.write(node), StandardCharsets.UTF_8));
    }

    @Test
    void addressesAreNormalizedToEip55() {
        assertEquals(OWNER, EthAddress.of("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"));
        assertEquals(
                OWNER.value(),
                EthAddress.of("0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED").value());
    }
}
