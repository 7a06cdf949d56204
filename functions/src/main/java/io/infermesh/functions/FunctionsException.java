package io.infermesh.functions;

/**
 * Root of every failure the gateway's state layer reports. Unchecked. Expected outcomes (insufficient balance, rate
 * limited, a refused signature) are values, not exceptions; this type is for broken inputs and a broken store.
 */
public class FunctionsException extends RuntimeException {
    private final ErrorCode code;

    public FunctionsException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public FunctionsException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** Stable, machine-readable code; the REST layer maps it to a status in one place. */
    public ErrorCode code() {
        return code;
    }

    public static FunctionsException invalid(String message) {
        return new FunctionsException(ErrorCode.INVALID_INPUT, message);
    }

    /** Stable codes. Never match on message text; switch on these. */
    public enum ErrorCode {
        /** A value that does not parse or breaks a rule (amount, id, price above the hold). */
        INVALID_INPUT,
        /** An id reused for something else (a request id naming another account's hold). */
        CONFLICT,
        /** Redis failed or could not be reached; the operation may or may not have happened (retry idempotently). */
        STATE_UNAVAILABLE,
        /** A request the REST layer refuses with a specific HTTP problem ({@code api.ProblemException}). */
        REQUEST_REFUSED
    }
}
