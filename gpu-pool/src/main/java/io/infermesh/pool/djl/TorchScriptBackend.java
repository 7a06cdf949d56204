package io.infermesh.pool.djl;

import ai.djl.pytorch.engine.PtSymbolBlock;
import io.infermesh.pool.DataType;
import io.infermesh.pool.ModelSignature;
import io.infermesh.pool.TensorInfo;
import io.infermesh.pool.TensorShape;
import io.infermesh.pool.WorkerException;
import io.infermesh.pool.spi.Backend;
import io.infermesh.pool.spi.LoadedModel;
import io.infermesh.pool.spi.ModelSource;
import io.infermesh.store.manifest.Framework;
import io.infermesh.store.manifest.Manifest;
import io.infermesh.store.manifest.ModelPacker;
import io.infermesh.store.manifest.TensorSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Serves TorchScript models ({@code framework: torchscript}, any task) with libtorch through DJL.
 *
 * <p>Loads the manifest's one {@code .pt} / {@code .torchscript} file (load parameter {@code model_file} picks one
 * when there are several) after {@link TorchArchivePolicy} checked that it is a TorchScript archive and not a {@code
 * torch.save} pickle. A TorchScript file carries no tensor names, types or shapes, so the signature is the manifest's
 * {@code inputs} and {@code outputs}: the inputs are passed to {@code forward} positionally in that order, and its
 * result (a tensor, or a tuple or list of tensors) is matched to the outputs in order. A manifest without them is
 * refused. Requests are batched along the first dimension when every declared first dimension is -1.
 *
 * <p>The PyTorch engine starts with the first load ({@link TorchRuntime}). Thread-safe.
 */
public final class TorchScriptBackend implements Backend {
    /**
     * Element types a TorchScript model's tensors may have. Not BYTES (libtorch has no strings), not UINT16/32/64
     * (libtorch's support is partial), and not INT16 or BF16: DJL 0.35.1's JNI aborts the whole process when asked to
     * create a tensor of either type, so the manifest check here is what keeps such a request from reaching it.
     */
    static final Set<DataType> TYPES = Set.of(
            DataType.BOOL,
            DataType.UINT8,
            DataType.INT8,
            DataType.INT32,
            DataType.INT64,
            DataType.FP16,
            DataType.FP32,
            DataType.FP64);

    private static final List<String> EXTENSIONS = List.of(".pt", ".torchscript");

    private final TorchRuntime runtime;

    public TorchScriptBackend(TorchRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public String name() {
        return "pytorch";
    }

    @Override
    public boolean supports(Manifest manifest) {
        return manifest.framework() == Framework.TORCHSCRIPT;
    }

    /**
     * Weights plus libtorch's working memory, the same rule as for ONNX: about 1.5× the file bytes, plus a fixed 32
     * MiB per model. libtorch itself (about 450 MB of code, mapped once per process) is not counted per model.
     */
    @Override
    public long estimateMemoryBytes(Manifest manifest) {
        return OnnxRuntimeBackend.inProcessEstimate(manifest);
    }

    @Override
    public LoadedModel load(ModelSource source) {
        ModelSignature signature = signature(source.modelName(), source.manifest());
        String path = ModelFileChoice.choose(source, ".pt / .torchscript", EXTENSIONS);
        Path file = source.directory().resolve(path);
        TorchArchivePolicy.requireTorchScript(file, path);
        PtSymbolBlock block = runtime.open(file, path);
        return new TorchScriptModel(runtime.manager(), block, signature, estimateMemoryBytes(source.manifest()));
    }

    /** The manifest's tensors as the model's signature; INVALID_ARGUMENT when they are missing or not numeric. */
    static ModelSignature signature(String model, Manifest manifest) {
        if (manifest.inputs().isEmpty() || manifest.outputs().isEmpty()) {
            throw WorkerException.invalidArgument("TorchScript model '" + model + "' needs its inputs and outputs in"
                    + " the manifest, because a TorchScript file carries no tensor names or types: list them in the"
                    + " model card " + ModelPacker.MODEL_CARD + " (\"inputs\" and \"outputs\": name, datatype, shape"
                    + " with -1 for dynamic dimensions, inputs in forward()'s argument order) and publish again");
        }
        return new ModelSignature(
                TorchScriptModel.PLATFORM, tensors(model, manifest.inputs()), tensors(model, manifest.outputs()));
    }

    private static List<TensorInfo> tensors(String model, List<TensorSpec> specs) {
        List<TensorInfo> out = new ArrayList<>(specs.size());
        for (TensorSpec spec : specs) {
            DataType type = DataType.fromWire(spec.datatype());
            if (!TYPES.contains(type)) {
                throw WorkerException.invalidArgument("TorchScript model '" + model + "' declares tensor '"
                        + spec.name() + "' as " + type + "; libtorch serves "
                        + TYPES.stream().map(Enum::name).sorted().toList());
            }
            out.add(new TensorInfo(spec.name(), type, TensorShape.of(spec.shape())));
        }
        return out;
    }
}
