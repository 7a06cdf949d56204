package io.infermesh.store.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.store.cid.Cid;
import io.infermesh.store.cid.Multihash;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Framework;
import io.infermesh.store.manifest.Manifest;
import io.infermesh.store.manifest.ManifestFile;
import io.infermesh.store.manifest.Wei;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ModelVerifyCommandTest {
    /** secp256k1's group order n, as 64 hex digits: no valid signature has r = n. */
    private static final String CURVE_ORDER_HEX = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";

    @Test
    void explainsASignatureWhoseRIsTheCurveOrderInsteadOfPrintingAStackTrace(@TempDir Path dir) throws Exception {
        Manifest manifest = new Manifest(
                Framework.ONNX,
                "raw-tensors",
                List.of(new ManifestFile(
                        "model.onnx",
                        Cid.parse("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"),
                        0,
                        Multihash.sha256(new byte[32]))),
                List.of(),
                List.of(),
                Wei.ZERO,
                "apache-2.0",
                EthAddress.of("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
                Instant.parse("2026-11-22T10:00:00Z"));
        Path file = dir.resolve("manifest.json");
        Files.write(file, manifest.toCanonicalJson());
        String signature = "0x" + CURVE_ORDER_HEX + "00".repeat(31) + "01" + "1b";

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = InfermeshCli.commandLine(Map.of());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute("model", "verify", file.toString(), "--signature", signature);

        assertEquals(ExitCodes.INPUT, exit, err.toString());
        assertTrue(err.toString().contains("INVALID_SIGNATURE"), err.toString());
        assertFalse(err.toString().contains("\tat "), "no stack trace: " + err);
    }
}
