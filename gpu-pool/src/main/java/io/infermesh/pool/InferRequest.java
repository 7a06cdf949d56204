package io.infermesh.pool;

import java.util.List;
import java.util.Set;

/**
 * One inference call as the worker sees it after decoding.
 *
 * @param id the caller's request id (may be empty)
 * @param inputs input tensors, names unique
 * @param outputs names of the outputs to return; empty means all
 * @param deadlineNanos {@link Ticker} time after which the request must not run; {@link Long#MAX_VALUE} for none
 */
public record InferRequest(String id, List<Tensor> inputs, Set<String> outputs, long deadlineNanos) {
    public InferRequest {
        id = id == null ? "" : id;
        inputs = List.copyOf(inputs);
        outputs = Set.copyOf(outputs);
    }

    public static InferRequest of(List<Tensor> inputs) {
        return new InferRequest("", inputs, Set.of(), Long.MAX_VALUE);
    }

    /** Rows along the batch dimension: the first dimension of the first input (1 for a scalar). */
    public long batchRows() {
        Tensor first = inputs.getFirst();
        return first.shape().rank() == 0 ? 1 : first.shape().dim(0);
    }
}
