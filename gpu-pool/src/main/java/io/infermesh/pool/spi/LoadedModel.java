package io.infermesh.pool.spi;

import io.infermesh.pool.ModelSignature;
import io.infermesh.pool.Tensor;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

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
     * What an execution knows about the callers whose requests it runs.
     *
     * @param timeLeft until the last of their deadlines (empty: one of them has none); nobody waits for an answer
     *     after it
     * @param gone completes once every one of them has gone (cancelled, or past its deadline): the answer is not
     *     wanted anymore
     */
    record Callers(Optional<Duration> timeLeft, CompletionStage<Void> gone) {}

    /**
     * {@link #infer(List)} for {@code callers}. A model whose work can be bounded or abandoned (a call to another
     * server) uses them; the default ignores them, since an in-process engine run cannot be interrupted.
     */
    default List<Tensor> infer(List<Tensor> inputs, Callers callers) {
        return infer(inputs);
    }

    /** Memory the model holds (weights and engine state), best estimate, in bytes. */
    long memoryBytes();

    /** Releases engine resources. Called once, after the last {@link #infer} returned. */
    @Override
    void close();
}
