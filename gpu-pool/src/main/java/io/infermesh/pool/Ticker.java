package io.infermesh.pool;

/** A monotonic nanosecond clock; injectable so queue and deadline logic can be tested without sleeping. */
@FunctionalInterface
public interface Ticker {
    Ticker SYSTEM = System::nanoTime;

    long nanos();
}
