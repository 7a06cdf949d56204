package io.infermesh.store;

/**
 * Root of every failure the model store reports. Unchecked; a subtype exists only where a caller must act
 * differently (reject the input, retry, report "not found").
 */
public class ModelStoreException extends RuntimeException {
    private final ErrorCode code;

    public ModelStoreException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public ModelStoreException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** Stable, machine-readable code; the wire layers map it to HTTP / gRPC status. */
    public ErrorCode code() {
        return code;
    }

    /** Stable codes. Never match on message text; switch on these. */
    public enum ErrorCode {
        /** A CID string or binary CID that does not parse, or uses a codec/hash this store does not accept. */
        INVALID_CID,
        /** Bytes that do not hash to the CID they were offered under. */
        CONTENT_MISMATCH,
        /** A blob, tag or manifest that does not exist. */
        NOT_FOUND,
        /** A manifest that is malformed or breaks a rule (paths, sizes, prices). */
        INVALID_MANIFEST,
        /** A model reference (org/model:tag) that does not parse. */
        INVALID_REFERENCE,
        /** A signature that does not parse or does not recover the expected address. */
        INVALID_SIGNATURE,
        /** The backing object store failed; the operation may be retried. */
        STORE_UNAVAILABLE
    }
}
