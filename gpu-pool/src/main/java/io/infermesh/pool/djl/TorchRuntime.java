package io.infermesh.pool.djl;

import ai.djl.engine.Engine;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import io.infermesh.pool.WorkerException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The process's PyTorch (libtorch 2.7, CPU) through DJL, started lazily: nothing is extracted or loaded until the
 * first TorchScript model is, so a worker that serves only ONNX models never pays for libtorch.
 *
 * <p>Starting extracts libtorch from the {@code pytorch-native-cpu} jar on the classpath into DJL's engine cache
 * ({@code ~/.djl.ai/pytorch/2.7.1-cpu-linux-x86_64}, or under {@code ENGINE_CACHE_DIR}; 446 MB, skipped when already
 * there), loads it and sizes its thread pools from {@link TorchSettings}. DJL runs offline ({@link
 * DjlProcessSettings}): it never downloads natives.
 *
 * <p>Thread-safe. The first caller of {@link #open} pays for the start; concurrent callers wait for it.
 */
public final class TorchRuntime {
    static final String ENGINE = "PyTorch";
    private static final System.Logger LOG = System.getLogger(TorchRuntime.class.getName());

    private final TorchSettings settings;
    private PtNDManager manager;
    private Duration startup;

    public TorchRuntime(TorchSettings settings) {
        this.settings = settings;
    }

    /** True once the engine started, i.e. a TorchScript model was loaded at least once. */
    public synchronized boolean started() {
        return manager != null;
    }

    /** How long starting the engine took (native extraction included), once it started. */
    public synchronized Optional<Duration> startup() {
        return Optional.ofNullable(startup);
    }

    synchronized PtNDManager manager() {
        if (manager == null) {
            start();
        }
        return manager;
    }

    private void start() {
        DjlProcessSettings.apply();
        // DJL reads these once, when the engine starts; libtorch cannot resize its pools afterwards.
        if (settings.intraOpThreads() > 0) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(settings.intraOpThreads()));
        }
        if (settings.interOpThreads() > 0) {
            System.setProperty("ai.djl.pytorch.num_interop_threads", Integer.toString(settings.interOpThreads()));
        }
        long begin = System.nanoTime();
        Engine engine;
        try {
            engine = Engine.getEngine(ENGINE);
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw new WorkerException(
                    WorkerException.Code.UNAVAILABLE,
                    "PyTorch cannot start on this worker (" + reason(e) + "); load TorchScript models elsewhere",
                    e);
        }
        manager = (PtNDManager) engine.newBaseManager();
        startup = Duration.ofNanos(System.nanoTime() - begin);
        LOG.log(
                System.Logger.Level.INFO,
                "PyTorch {0} started in {1} ms ({2} intra-op / {3} inter-op threads)",
                engine.getVersion(),
                startup.toMillis(),
                JniUtils.getNumThreads(),
                JniUtils.getNumInteropThreads());
    }

    /**
     * Loads a TorchScript archive into eval mode. The caller has checked that it is one ({@link TorchArchivePolicy}).
     *
     * @param displayName the file's manifest path, for messages
     */
    PtSymbolBlock open(Path file, String displayName) {
        PtNDManager m = manager();
        PtSymbolBlock block;
        try {
            block = JniUtils.loadModule(m, file, true, new String[0], new String[0], false);
        } catch (RuntimeException e) {
            throw WorkerException.invalidArgument("libtorch cannot load '" + displayName + "': " + reason(e));
        }
        try {
            JniUtils.enableInferenceMode(block);
            return block;
        } catch (RuntimeException e) {
            block.close();
            throw WorkerException.invalidArgument(
                    "libtorch cannot switch '" + displayName + "' to eval mode: " + reason(e));
        }
    }

    /**
     * A libtorch error for a person: its message without the C++ stack that libtorch appends ({@code Exception raised
     * from ...}, {@code frame #N}), trimmed to a readable length.
     */
    static String reason(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null
                && t.getCause() != t
                && (t.getMessage() == null || t.getMessage().isBlank())) {
            t = t.getCause();
        }
        String message = t.getMessage() == null ? "no message" : t.getMessage();
        int stack = message.indexOf("Exception raised from");
        if (stack >= 0) {
            message = message.substring(0, stack);
        }
        message = message.strip();
        return message.length() > 1500 ? message.substring(0, 1500) + " ..." : message;
    }
}
