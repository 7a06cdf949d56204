package io.infermesh.pool.gateway;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.infermesh.store.cid.Cid;
import java.util.List;
import java.util.Objects;

/**
 * What a worker reports with each lease renewal ({@code POST /v1/workers/{id}/heartbeat}).
 *
 * @param inflight inference calls running or queued on the worker now
 * @param models the models loaded and ready, each under the name callers use on this worker
 * @param freeMemoryBytes memory budget not reserved by loaded or loading models
 * @param capabilityScore the start-up benchmark's score (GFLOP/s, higher is faster); 0 when it did not run
 */
public record Heartbeat(int inflight, List<LoadedModel> models, long freeMemoryBytes, double capabilityScore) {
    public Heartbeat {
        if (inflight < 0) {
            throw new IllegalArgumentException("in-flight calls must not be negative: " + inflight);
        }
        models = List.copyOf(models);
        if (freeMemoryBytes < 0) {
            throw new IllegalArgumentException("free memory must not be negative: " + freeMemoryBytes);
        }
        if (!(capabilityScore >= 0) || Double.isInfinite(capabilityScore)) {
            throw new IllegalArgumentException("a capability score is a finite number >= 0, not " + capabilityScore);
        }
    }

    /**
     * A ready model.
     *
     * @param name the name it is loaded under (for gateway-loaded models, the manifest CID's text)
     * @param manifestCid the manifest it was loaded from
     */
    public record LoadedModel(String name, Cid manifestCid) {
        public LoadedModel {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(manifestCid, "manifestCid");
        }
    }

    /** The request body: {@code {"inflight":0,"models":[{"name","manifestCid"}],"freeMemoryBytes":0,"capabilityScore":0.0}}. */
    public ObjectNode toJson() {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("inflight", inflight);
        ArrayNode list = node.putArray("models");
        for (LoadedModel m : models) {
            list.addObject()
                    .put("name", m.name())
                    .put("manifestCid", m.manifestCid().toString());
        }
        node.put("freeMemoryBytes", freeMemoryBytes);
        node.put("capabilityScore", capabilityScore);
        return node;
    }
}
