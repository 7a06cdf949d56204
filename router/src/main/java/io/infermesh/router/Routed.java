package io.infermesh.router;

import java.util.Objects;

/** Send the request to {@code worker}. */
public record Routed(WorkerInfo worker) implements RouteDecision {
    public Routed {
        Objects.requireNonNull(worker, "worker");
    }
}
