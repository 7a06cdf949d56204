package io.infermesh.pool.djl;

import ai.djl.engine.Engine;
import ai.djl.onnxruntime.engine.OrtNDManager;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.infermesh.pool.WorkerException;
import java.nio.file.Path;

/**
 * The process's ONNX Runtime through DJL: DJL's engine creates the {@link OrtEnvironment} (it must be first), and
 * sessions are opened here with our thread settings, then run through DJL blocks.
 */
public final class OrtRuntime {
    private static final String ENGINE = "OnnxRuntime";
    private final Engine engine;
    private final OrtEnvironment env;
    private final OrtNDManager manager;
    private final OrtSettings settings;

    public OrtRuntime(OrtSettings settings) {
        DjlProcessSettings.apply();
        this.engine = Engine.getEngine(ENGINE);
        this.env = OrtEnvironment.getEnvironment();
        this.manager = (OrtNDManager) engine.newBaseManager();
        this.settings = settings;
    }

    public String version() {
        return env.getVersion();
    }

    /** True when a session's run computes on the thread that calls it (CPU, one intra-op thread). */
    boolean computesOnCallingThread() {
        return settings.intraOpThreads() == 1;
    }

    OrtNDManager manager() {
        return manager;
    }

    OrtSession open(Path model) {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (settings.intraOpThreads() > 0) {
                options.setIntraOpNumThreads(settings.intraOpThreads());
            }
            if (settings.interOpThreads() > 0) {
                options.setInterOpNumThreads(settings.interOpThreads());
            }
            return env.createSession(model.toString(), options);
        } catch (OrtException e) {
            throw WorkerException.invalidArgument(
                    "ONNX Runtime cannot load '" + model.getFileName() + "': " + e.getMessage());
        }
    }
}
