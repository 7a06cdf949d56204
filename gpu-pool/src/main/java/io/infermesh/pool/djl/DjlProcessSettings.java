package io.infermesh.pool.djl;

/**
 * The process-wide DJL system properties the worker depends on. Applied by every runtime before it touches a DJL
 * engine; idempotent.
 *
 * <ul>
 *   <li>{@code ai.djl.offline=true}: no model zoo and no native downloads. Engines load their natives from jars on the
 *       classpath (ONNX Runtime's, and libtorch from {@code pytorch-native-cpu}); models come from verified blobs.
 *   <li>{@code ai.djl.onnx.disable_alternative=true}: otherwise DJL's ONNX Runtime engine starts PyTorch as its
 *       "alternative engine" every time it creates an array manager, so a worker serving only ONNX models would
 *       extract (446 MB) and load libtorch. PyTorch starts only in {@link TorchRuntime}, on the first TorchScript load.
 *   <li>{@code ai.djl.default_engine=OnnxRuntime} unless the operator chose another: DJL's default is the
 *       lowest-ranked engine on the classpath, which is PyTorch; nothing that asks DJL for "the" engine may start it.
 * </ul>
 */
final class DjlProcessSettings {
    private DjlProcessSettings() {}

    static void apply() {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("ai.djl.onnx.disable_alternative", "true");
        if (System.getProperty("ai.djl.default_engine") == null) {
            System.setProperty("ai.djl.default_engine", "OnnxRuntime");
        }
    }
}
