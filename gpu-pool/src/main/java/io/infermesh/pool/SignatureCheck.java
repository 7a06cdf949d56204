package io.infermesh.pool;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Checks a request against a model's signature and puts its inputs in the model's order. */
public final class SignatureCheck {
    private SignatureCheck() {}

    /**
     * Returns the request with inputs in signature order, or throws INVALID_ARGUMENT naming the first problem: an
     * unknown, missing or repeated input, a wrong type or shape, an unknown requested output, or (for a batchable
     * model) inputs that disagree on the number of rows.
     */
    public static InferRequest check(String model, ModelSignature signature, InferRequest request) {
        Map<String, Tensor> byName = new HashMap<>();
        for (Tensor t : request.inputs()) {
            if (byName.put(t.name(), t) != null) {
                throw WorkerException.invalidArgument("input '" + t.name() + "' is given twice");
            }
            if (signature.input(t.name()).isEmpty()) {
                throw WorkerException.invalidArgument("model '" + model + "' has no input '" + t.name()
                        + "'; its inputs are " + describe(signature.inputs()));
            }
        }
        List<Tensor> ordered = new ArrayList<>(signature.inputs().size());
        long rows = -1;
        for (TensorInfo info : signature.inputs()) {
            Tensor t = byName.get(info.name());
            if (t == null) {
                throw WorkerException.invalidArgument("input '" + info.name() + "' (" + info.type() + " " + info.shape()
                        + ") is missing; model '" + model + "' needs " + describe(signature.inputs()));
            }
            if (t.type() != info.type()) {
                throw WorkerException.invalidArgument(
                        "input '" + t.name() + "' must be " + info.type() + ", not " + t.type());
            }
            if (!info.shape().accepts(t.shape())) {
                throw WorkerException.invalidArgument("input '" + t.name() + "' has shape " + t.shape() + " but model '"
                        + model + "' expects " + info.shape() + " (-1 = any size)");
            }
            if (signature.batchable()) {
                long r = t.shape().dim(0);
                if (rows >= 0 && r != rows) {
                    throw WorkerException.invalidArgument("inputs disagree on the batch dimension: '" + t.name()
                            + "' has " + r + " rows, an earlier input has " + rows);
                }
                rows = r;
            }
            ordered.add(t);
        }
        for (String out : request.outputs()) {
            if (signature.output(out).isEmpty()) {
                throw WorkerException.invalidArgument("model '" + model + "' has no output '" + out
                        + "'; its outputs are " + describe(signature.outputs()));
            }
        }
        return new InferRequest(request.id(), ordered, request.outputs(), request.deadlineNanos());
    }

    private static String describe(List<TensorInfo> tensors) {
        return tensors.stream()
                .map(t -> t.name() + " " + t.type() + t.shape())
                .collect(Collectors.joining(", ", "[", "]"));
    }
}
