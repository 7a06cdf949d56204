package io.infermesh.store.testing;

import io.infermesh.store.s3.S3Config;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real dependency started by one of the project's {@code deploy/} scripts ({@code SCRIPT start WORKDIR}, which
 * prints {@code KEY=VALUE} lines once the service is ready) and stopped by PID with {@code SCRIPT stop WORKDIR}.
 */
public final class DeployedService implements AutoCloseable {
    private final Path script;
    private final Path workdir;
    private final Map<String, String> values;

    private DeployedService(Path script, Path workdir, Map<String, String> values) {
        this.script = script;
        this.workdir = workdir;
        this.values = values;
    }

    public static Path deployDir() {
        String configured = System.getProperty("infermesh.deploy.dir");
        Path dir = configured != null ? Path.of(configured) : Path.of("..", "deploy");
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("deploy/ scripts not found at " + dir.toAbsolutePath());
        }
        return dir;
    }

    public static DeployedService start(String scriptName, Path workdir) throws IOException, InterruptedException {
        return start(scriptName, workdir, Map.of());
    }

    /** Starts with extra environment variables (the scripts' documented settings). */
    public static DeployedService start(String scriptName, Path workdir, Map<String, String> env)
            throws IOException, InterruptedException {
        Path script = deployDir().resolve(scriptName);
        Files.createDirectories(workdir);
        ProcessBuilder builder = new ProcessBuilder("bash", script.toString(), "start", workdir.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().putAll(env);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(180, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            stop(script, workdir);
            throw new IllegalStateException(scriptName + " start failed; see " + workdir + " (stdout: " + out + ")");
        }
        Map<String, String> values = new HashMap<>();
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                values.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
            }
        }
        return new DeployedService(script, workdir, values);
    }

    /** For an {@code s3.sh} service: the store's endpoint and keys as printed, with {@code bucket}. */
    public S3Config s3Config(String bucket) {
        return S3Config.of(URI.create(value("S3_ENDPOINT")), value("S3_ACCESS_KEY"), value("S3_SECRET_KEY"), bucket);
    }

    public String value(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new IllegalStateException(script.getFileName() + " did not print " + key + "; got " + values);
        }
        return v;
    }

    @Override
    public void close() throws IOException {
        try {
            stop(script, workdir);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A service for one test class, as a JUnit extension: {@code @RegisterExtension static final
     * DeployedService.PerClass s3 = DeployedService.perClass("s3.sh");} starts it in a fresh WORKDIR under {@code
     * target/it-services/} before the class's first test and stops it after its last.
     */
    public static PerClass perClass(String scriptName) {
        return new PerClass(scriptName);
    }

    /** See {@link #perClass}. */
    public static final class PerClass implements BeforeAllCallback, AfterAllCallback {
        private final String scriptName;
        private DeployedService service;

        private PerClass(String scriptName) {
            this.scriptName = scriptName;
        }

        @Override
        public void beforeAll(ExtensionContext context) throws Exception {
            Path dir = Files.createDirectories(Path.of("target", "it-services"));
            String name = scriptName.replace(".sh", "") + "-"
                    + context.getRequiredTestClass().getSimpleName() + "-";
            service = start(scriptName, Files.createTempDirectory(dir, name).toAbsolutePath());
        }

        @Override
        public void afterAll(ExtensionContext context) throws IOException {
            if (service != null) {
                service.close();
            }
        }

        /** {@link DeployedService#s3Config} of the running service. */
        public S3Config s3Config(String bucket) {
            return service.s3Config(bucket);
        }

        /** {@link DeployedService#value} of the running service. */
        public String value(String key) {
            return service.value(key);
        }
    }

    private static void stop(Path script, Path workdir) throws IOException, InterruptedException {
        Process stop = new ProcessBuilder("bash", script.toString(), "stop", workdir.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        stop.waitFor(60, TimeUnit.SECONDS);
    }
}
