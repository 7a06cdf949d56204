package io.infermesh.pool.djl;

import io.infermesh.pool.WorkerException;
import io.infermesh.pool.spi.ModelSource;
import io.infermesh.store.manifest.ManifestFile;
import java.util.List;

/**
 * Which manifest file an engine loads: the one named by the load parameter {@value #PARAMETER}, else the only file
 * with one of the engine's extensions. Anything else is INVALID_ARGUMENT with the candidates listed.
 */
final class ModelFileChoice {
    /** Load parameter naming the model file when a manifest lists several. */
    static final String PARAMETER = "model_file";

    private ModelFileChoice() {}

    /**
     * @param kind what the file is, for messages, e.g. {@code .onnx}
     * @param extensions the suffixes a candidate ends with
     * @return the chosen file's manifest path
     */
    static String choose(ModelSource source, String kind, List<String> extensions) {
        String named = source.parameters().get(PARAMETER);
        List<String> matches = source.manifest().files().stream()
                .map(ManifestFile::path)
                .filter(p -> named == null ? extensions.stream().anyMatch(p::endsWith) : p.equals(named))
                .toList();
        if (matches.size() != 1) {
            throw WorkerException.invalidArgument(
                    named != null
                            ? "the manifest has no file '" + named + "' (parameter " + PARAMETER + ")"
                            : "the manifest lists " + matches.size() + " " + kind + " files " + matches
                                    + "; name one with the load parameter " + PARAMETER);
        }
        return matches.getFirst();
    }
}
