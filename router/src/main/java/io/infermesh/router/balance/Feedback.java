package io.infermesh.router.balance;

/**
 * What one attempt on a worker told the router, as far as choosing workers goes. The gRPC edge turns a status into
 * one of these in one place ({@code io.infermesh.router.grpc.StatusPolicy}).
 */
public enum Feedback {
    /** The worker answered. Latency sample; counts as a success for ejection. */
    SUCCESS,
    /** The worker rejected the request itself (invalid input, precondition): alive and fast to say so. Latency
     * sample; a success for ejection. */
    REQUEST_REJECTED,
    /** The worker said it is at capacity. Penalty sample; does not count towards ejection. */
    BUSY,
    /** Unavailable, connection refused or reset, internal error. Penalty sample; counts towards ejection. */
    FAILURE,
    /** The attempt was cancelled (a hedge lost) or the deadline passed: the latency is at least the time waited,
     * which raises the estimate if it is higher; no effect on ejection. */
    ABANDONED,
    /** The answer says nothing about the worker's speed or health (e.g. it does not hold the model after all). */
    NO_SIGNAL
}
