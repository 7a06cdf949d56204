package io.infermesh.pool.spi;

import io.infermesh.pool.ModelSignature;
import io.infermesh.pool.Tensor;
import java.util.List;

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

    /** Memory the model holds (weights and engine state), best estimate, in bytes. */
    long memoryBytes();

    /** Releases engine resources. Called once, after the last {@link #infer} returned. */
    @Override
    void close();
}
