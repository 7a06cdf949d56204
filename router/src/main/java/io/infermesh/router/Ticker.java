package io.infermesh.router;

/**
 * A monotonic nanosecond clock. Every time-dependent policy of the router reads time only through one, so tests drive
 * it by hand instead of sleeping.
 */
@FunctionalInterface
public interface Ticker {
    Ticker SYSTEM = System::nanoTime;

    /** Nanoseconds from an arbitrary origin; only differences mean something (may be negative, may wrap). */
    long nanos();
}
