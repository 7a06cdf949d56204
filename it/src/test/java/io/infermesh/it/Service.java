package io.infermesh.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One real process started the way an operator starts it: {@code deploy/<script> start WORKDIR} prints {@code
 * KEY=VALUE} lines once the service is ready; {@code deploy/<script> stop WORKDIR} stops it by the PID it recorded.
 */
final class Service implements AutoCloseable {
    private final String script;
    private final Path workdir;
    private final Map<String, String> printed;

    private Service(String script, Path workdir, Map<String, String> printed) {
        this.script = script;
        this.workdir = workdir;
        this.printed = printed;
    }

    static Path deployDir() {
        Path dir = Path.of(System.getProperty("infermesh.deploy.dir", "../deploy"));
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("deploy/ scripts not found at " + dir.toAbsolutePath());
        }
        return dir;
    }

    static Service start(String script, Path workdir, Map<String, String> env) {
        try {
            Files.createDirectories(workdir);
            ProcessBuilder b = new ProcessBuilder(
                            "bash", deployDir().resolve(script).toString(), "start", workdir.toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT);
            b.environment().putAll(env);
            Process p = b.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(240, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                stop(script, workdir);
                throw new IllegalStateException(script + " start failed; see " + workdir + " (stdout: " + out + ")");
            }
            Map<String, String> printed = new LinkedHashMap<>();
            for (String line : out.split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    printed.put(
                            line.substring(0, eq).strip(),
                            line.substring(eq + 1).strip());
                }
            }
            return new Service(script, workdir, printed);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    String get(String key) {
        String v = printed.get(key);
        if (v == null) {
            throw new IllegalStateException(script + " did not print " + key + "; it printed " + printed);
        }
        return v;
    }

    long pid() {
        return Long.parseLong(get("PID"));
    }

    Path workdir() {
        return workdir;
    }

    /** SIGKILL, as a crash: no shutdown hooks run. */
    void kill() {
        ProcessHandle.of(pid()).ifPresent(ProcessHandle::destroyForcibly);
    }

    @Override
    public void close() {
        stop(script, workdir);
    }

    private static void stop(String script, Path workdir) {
        try {
            Process p = new ProcessBuilder("bash", deployDir().resolve(script).toString(), "stop", workdir.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            p.waitFor(60, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
