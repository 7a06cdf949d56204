package io.infermesh.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The {@code infermesh} CLI as a user runs it ({@code deploy/infermesh ...}), in a separate process. */
final class Cli {
    private Cli() {}

    /** What one command printed and returned. */
    record Run(int exit, String out, String err) {
        Run requireSuccess() {
            if (exit != 0) {
                throw new AssertionError("infermesh exited " + exit + "\nstdout: " + out + "\nstderr: " + err);
            }
            return this;
        }
    }

    static Run run(Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>();
        command.add("bash");
        command.add(Service.deployDir().resolve("infermesh").toString());
        command.addAll(List.of(args));
        try {
            Path out = Files.createTempFile("infermesh-cli", ".out");
            Path err = Files.createTempFile("infermesh-cli", ".err");
            try {
                ProcessBuilder b =
                        new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
                b.environment().putAll(env);
                Process p = b.start();
                if (!p.waitFor(300, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("infermesh " + String.join(" ", args) + " did not finish in 300 s");
                }
                return new Run(
                        p.exitValue(),
                        Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Writes {@code key} as a CLI key file (mode 600) and returns its path. */
    static Path keyFile(Path dir, EthKey key) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(key.address() + ".key");
        Files.writeString(file, key.privateKeyHex() + "\n");
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        return file;
    }
}
