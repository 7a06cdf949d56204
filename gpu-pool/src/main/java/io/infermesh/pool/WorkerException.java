package io.infermesh.pool;

/**
 * The worker's one unchecked exception root. The {@link Code} decides what a caller sees (it maps one-to-one onto a
 * gRPC status code in the protocol edge); the message is written for a person and never contains class names.
 */
public class WorkerException extends RuntimeException {
    /** What went wrong, from the caller's point of view. */
    public enum Code {
        /** The request is malformed or does not fit the model: fix the request. */
        INVALID_ARGUMENT,
        /** No such model is loaded (or no such blob exists upstream). */
        NOT_FOUND,
        /** The worker is at capacity (queue full, memory budget spent): retry later or elsewhere. */
        RESOURCE_EXHAUSTED,
        /** The request's deadline passed before it ran. */
        DEADLINE_EXCEEDED,
        /** The model or an upstream is not available right now (unloading, upstream down): retry elsewhere. */
        UNAVAILABLE,
        /** Downloaded bytes did not hash to their CID. Nothing was loaded. */
        DATA_LOSS,
        /** The request is valid but the model's state forbids it (e.g. loaded under another manifest). */
        FAILED_PRECONDITION,
        /** Another operation on the same model won (e.g. an unload while this load ran): nothing was done. */
        ABORTED,
        /** A bug or an engine failure. */
        INTERNAL
    }

    private final Code code;

    public WorkerException(Code code, String message) {
        super(message);
        this.code = code;
    }

    public WorkerException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public Code code() {
        return code;
    }

    public static WorkerException invalidArgument(String message) {
        return new WorkerException(Code.INVALID_ARGUMENT, message);
    }

    public static WorkerException notFound(String message) {
        return new WorkerException(Code.NOT_FOUND, message);
    }

    public static WorkerException exhausted(String message) {
        return new WorkerException(Code.RESOURCE_EXHAUSTED, message);
    }

    public static WorkerException unavailable(String message) {
        return new WorkerException(Code.UNAVAILABLE, message);
    }
}
