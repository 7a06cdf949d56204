package io.infermesh.functions;

import io.infermesh.store.cid.Cid;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a worker reports every ~2 s; each heartbeat renews its lease.
 *
 * @param inFlight calls the worker is running now
 * @param loadedModels models it holds warm: model name to the manifest CID of the loaded version
 * @param freeMemoryBytes memory it can still give to models
 * @param capabilityScore its start-up benchmark score (higher is faster), finite and >= 0
 */
public record Heartbeat(int inFlight, Map<String, Cid> loadedModels, long freeMemoryBytes, double capabilityScore) {
    public Heartbeat {
        if (inFlight < 0) {
            throw FunctionsException.invalid("in-flight calls must not be negative");
        }
        loadedModels = Map.copyOf(new TreeMap<>(loadedModels));
        loadedModels.keySet().forEach(m -> Names.requireName("model", m));
        if (freeMemoryBytes < 0) {
            throw FunctionsException.invalid("free memory must not be negative");
        }
        if (!(capabilityScore >= 0) || Double.isInfinite(capabilityScore)) {
            throw FunctionsException.invalid("a capability score is a finite number >= 0");
        }
    }
}
