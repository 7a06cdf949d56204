package io.infermesh.router;

import java.math.BigInteger;
import java.util.Map;
import java.util.Objects;

/**
 * What the gateway knows about one worker, from its latest lease (registration + heartbeat).
 *
 * @param id the worker's registered id
 * @param target its gRPC address, {@code host:port}
 * @param poolId the GPU pool that runs it (the payee)
 * @param loadedModels models the worker holds warm: model name to version (the manifest CID)
 * @param freeMemoryBytes memory the worker can still give to models (its budget minus what is reserved)
 * @param capabilityScore the worker's start-up benchmark score (higher is faster; comparable between workers running
 *     the same engine)
 * @param pricePerRequestWei what the pool charges per served request, in wei
 */
public record WorkerInfo(
        WorkerId id,
        String target,
        String poolId,
        Map<String, String> loadedModels,
        long freeMemoryBytes,
        double capabilityScore,
        BigInteger pricePerRequestWei) {

    public WorkerInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(poolId, "poolId");
        Objects.requireNonNull(pricePerRequestWei, "pricePerRequestWei");
        int colon = target.lastIndexOf(':');
        if (colon <= 0 || colon == target.length() - 1 || !isPort(target.substring(colon + 1))) {
            throw RouterException.invalid("worker " + id + ": target must be host:port");
        }
        if (freeMemoryBytes < 0) {
            throw RouterException.invalid("worker " + id + ": free memory must not be negative");
        }
        if (!(capabilityScore >= 0) || Double.isInfinite(capabilityScore)) {
            throw RouterException.invalid("worker " + id + ": capability score must be a finite number >= 0");
        }
        if (pricePerRequestWei.signum() < 0) {
            throw RouterException.invalid("worker " + id + ": price must not be negative");
        }
        loadedModels = Map.copyOf(loadedModels);
    }

    /** Whether this worker holds {@code model} warm. */
    public boolean holds(String model) {
        return loadedModels.containsKey(model);
    }

    /** A copy that also holds {@code model} at {@code version}. */
    public WorkerInfo withModel(String model, String version) {
        Map<String, String> models = new java.util.HashMap<>(loadedModels);
        models.put(model, version);
        return new WorkerInfo(id, target, poolId, models, freeMemoryBytes, capabilityScore, pricePerRequestWei);
    }

    /** A copy that no longer holds {@code model}. */
    public WorkerInfo withoutModel(String model) {
        Map<String, String> models = new java.util.HashMap<>(loadedModels);
        models.remove(model);
        return new WorkerInfo(id, target, poolId, models, freeMemoryBytes, capabilityScore, pricePerRequestWei);
    }

    private static boolean isPort(String s) {
        if (s.isEmpty() || s.length() > 5 || !s.chars().allMatch(Character::isDigit)) {
            return false;
        }
        int port = Integer.parseInt(s);
        return port > 0 && port < 65536;
    }
}
