package io.infermesh.router;

import java.util.Map;
import java.util.Objects;

/**
 * What a worker needs to load a model, as resolved by the gateway.
 *
 * @param model the model's name
 * @param manifestCid the CID of the manifest to serve (the model's version)
 * @param estimatedBytes memory the loaded model is expected to take; only workers with this much free are asked
 * @param parameters extra {@code RepositoryModelLoad} parameters, e.g. {@code blob_url:<cid>} presigned URLs
 */
public record ModelLoadSpec(String model, String manifestCid, long estimatedBytes, Map<String, String> parameters) {
    public ModelLoadSpec {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(manifestCid, "manifestCid");
        if (model.isBlank() || manifestCid.isBlank()) {
            throw RouterException.invalid("a model load needs a model name and a manifest CID");
        }
        if (estimatedBytes < 0) {
            throw RouterException.invalid("estimated model size must not be negative");
        }
        parameters = Map.copyOf(parameters);
    }
}
