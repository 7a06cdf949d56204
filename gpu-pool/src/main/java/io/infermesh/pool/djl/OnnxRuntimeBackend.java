package io.infermesh.pool.djl;

import io.infermesh.pool.spi.Backend;
import io.infermesh.pool.spi.LoadedModel;
import io.infermesh.pool.spi.ModelSource;
import io.infermesh.store.manifest.Framework;
import io.infermesh.store.manifest.Manifest;
import java.nio.file.Path;
import java.util.List;

/** Serves an ONNX model's graph inputs and outputs as they are (task {@code raw-tensors} or any other task). */
public final class OnnxRuntimeBackend implements Backend {
    /** Load parameter naming the .onnx file when a manifest lists several. */
    public static final String MODEL_FILE_PARAMETER = ModelFileChoice.PARAMETER;

    private final OrtRuntime runtime;

    public OnnxRuntimeBackend(OrtRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public String name() {
        return "onnxruntime";
    }

    @Override
    public boolean supports(Manifest manifest) {
        return manifest.framework() == Framework.ONNX;
    }

    @Override
    public long estimateMemoryBytes(Manifest manifest) {
        return inProcessEstimate(manifest);
    }

    /**
     * Weights plus an in-process engine's working memory: about 1.5× the file bytes for the loaded graph and arenas,
     * plus a fixed 32 MiB per session. Used for ONNX Runtime and libtorch alike.
     */
    static long inProcessEstimate(Manifest manifest) {
        return manifest.totalBytes() * 3 / 2 + (32L << 20);
    }

    @Override
    public LoadedModel load(ModelSource source) {
        Path file = source.directory().resolve(onnxFile(source));
        return new OnnxModel(runtime, runtime.open(file), source.modelName(), estimateMemoryBytes(source.manifest()));
    }

    static String onnxFile(ModelSource source) {
        return ModelFileChoice.choose(source, ".onnx", List.of(".onnx"));
    }
}
