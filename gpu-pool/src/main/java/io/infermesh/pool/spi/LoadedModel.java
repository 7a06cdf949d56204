package io.infermesh.pool.spi;

import io.infermesh.pool.ModelSignature;
import io.infermesh.pool.Tensor;
import java.util.List;
import java.util.OptionalLong;

/**
 * A model held ready by a {@link Backend}.
 *
 * <p>{@link #infer} may be called from several threads at once (the worker runs up to {@code instances} executions
 * in parallel); implementations that cannot run concurrently must serialize internally. Inputs arrive validated
 * against {@link #signature()}: every input present once, declared type, accepted shape. When the signature is
 * {@link ModelSignature#batchable() batchable}, the inputs may be several requests stacked along the first dimension
 * and the outputs must keep that dimension row-aligned.
 */
public interface LoadedModel extends AutoCloseable {
    ModelSignature signature();

    /** Runs the model and returns all outputs in signature order. Errors are {@code WorkerException}s. */
    List<Tensor> infer(List<Tensor> inputs);

    /**
     * A request's size, for grouping: when several requests wait, the worker batches those of similar size together
     * (the oldest always first, so none starves), which is what a model that pads every batch to its longest row wants.
     * The unit is the model's own (tokens, bytes); only differences between keys matter. Called for every request on
     * the submitting thread (a gRPC thread), with inputs already checked against {@link #signature()}: it must be
     * cheap, never run the engine, and be thread-safe. Empty, the default, means the model has no notion of size:
     * its batches form in arrival order.
     */
    default OptionalLong sizeKey(List<Tensor> inputs) {
        return OptionalLong.empty();
    }

    /** Memory the model holds (weights and engine state), best estimate, in bytes. */
    long memoryBytes();

    /** Releases engine resources. Called once, after the last {@link #infer} returned. */
    @Override
    void close();
}
