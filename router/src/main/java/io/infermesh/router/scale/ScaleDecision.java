package io.infermesh.router.scale;

import io.infermesh.router.WorkerId;
import java.util.Objects;

/** What {@link DemandScaler} wants done; the gateway carries it out. */
public sealed interface ScaleDecision {
    String model();

    /**
     * Demand for {@code model} stayed above the threshold: load it on one more worker.
     *
     * @param inflightPerWorker the signal that crossed the threshold
     */
    record LoadOnOneMore(String model, double inflightPerWorker) implements ScaleDecision {
        public LoadOnOneMore {
            Objects.requireNonNull(model, "model");
        }
    }

    /** {@code worker} has served no request for {@code model} for the idle TTL: unload it there. */
    record Unload(String model, WorkerId worker) implements ScaleDecision {
        public Unload {
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(worker, "worker");
        }
    }
}
