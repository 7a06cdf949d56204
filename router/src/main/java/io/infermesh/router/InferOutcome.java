package io.infermesh.router;

import io.grpc.Metadata;
import io.grpc.Status;
import io.infermesh.openapi.inference.ModelInferResponse;
import java.util.Objects;
import java.util.Optional;

/**
 * How one inference call through the router ended. Every variant is an expected outcome the gateway maps to its
 * answer: {@link Served} → 200, {@link Shed} → 503 + Retry-After, {@link WorkerError} → the worker's own status
 * (e.g. INVALID_ARGUMENT → 400), {@link TimedOut} → 504.
 */
public sealed interface InferOutcome
        permits InferOutcome.Served, Shed, InferOutcome.WorkerError, InferOutcome.TimedOut {

    /**
     * A worker answered.
     *
     * @param response its answer
     * @param worker who served it (the payee)
     * @param attempts calls sent for this request, hedges and retries included
     */
    record Served(ModelInferResponse response, WorkerId worker, int attempts) implements InferOutcome {
        public Served {
            Objects.requireNonNull(response, "response");
            Objects.requireNonNull(worker, "worker");
        }
    }

    /**
     * A worker answered with an error that another worker would answer the same way (bad input, failed precondition,
     * an engine failure that must not be replayed across the fleet). Passed on as-is.
     *
     * @param status the worker's status; its code is never OK
     * @param trailers its trailers (a {@code google.rpc.Status} with an {@code ErrorInfo} from domain {@code
     *     infermesh.io} when the worker is ours)
     * @param worker who answered
     */
    record WorkerError(Status status, Metadata trailers, WorkerId worker) implements InferOutcome {
        public WorkerError {
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(trailers, "trailers");
            Objects.requireNonNull(worker, "worker");
            if (status.isOk()) {
                throw RouterException.invalid("a worker error cannot have status OK");
            }
        }
    }

    /**
     * The request's deadline passed before any worker answered.
     *
     * @param attempts calls sent
     * @param lastWorker the worker tried last, if any
     */
    record TimedOut(int attempts, Optional<WorkerId> lastWorker) implements InferOutcome {
        public TimedOut {
            Objects.requireNonNull(lastWorker, "lastWorker");
        }
    }
}
