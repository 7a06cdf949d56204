package io.infermesh.functions.api;

import io.infermesh.functions.FunctionsException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A request the gateway answers with an RFC 9457 problem: HTTP status, a stable {@link #code()} from the contract's
 * list (clients switch on it), and a detail a person can act on. Extra members (a balance, the missing CIDs) travel
 * in {@link #extensions()}. Mapped to the wire in one place.
 */
public class ProblemException extends FunctionsException {
    private final int status;
    private final String code;
    private final Map<String, Object> extensions;
    private final Optional<Duration> retryAfter;

    public ProblemException(int status, String code, String detail) {
        this(status, code, detail, Map.of(), Optional.empty());
    }

    public ProblemException(
            int status, String code, String detail, Map<String, Object> extensions, Optional<Duration> retryAfter) {
        super(ErrorCode.REQUEST_REFUSED, detail);
        this.status = status;
        this.code = code;
        this.extensions = Map.copyOf(extensions);
        this.retryAfter = retryAfter;
    }

    public static ProblemException invalid(String detail) {
        return new ProblemException(422, "invalid_request", detail);
    }

    public static ProblemException invalidTensor(String detail) {
        return new ProblemException(422, "invalid_tensor", detail);
    }

    public int status() {
        return status;
    }

    /** The contract's problem code (infermesh.yaml {@code Problem.code}). */
    public String problemCode() {
        return code;
    }

    public Map<String, Object> extensions() {
        return extensions;
    }

    public Optional<Duration> retryAfter() {
        return retryAfter;
    }
}
