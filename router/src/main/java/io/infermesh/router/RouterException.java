package io.infermesh.router;

/**
 * The router's one unchecked exception root: a bug or a misconfiguration (invalid values, unusable keys). Expected
 * outcomes of routing (no warm worker, overload, a worker's own error answer) are values: {@link RouteDecision} and
 * {@link InferOutcome}, never exceptions.
 */
public class RouterException extends RuntimeException {
    RouterException(String message) {
        super(message);
    }

    RouterException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A value given to the router is out of its documented range. */
    public static RouterException invalid(String message) {
        return new RouterException(message);
    }

    /** A key or algorithm the router relies on is missing or malformed. */
    public static RouterException crypto(String message, Throwable cause) {
        return new RouterException(message, cause);
    }
}
