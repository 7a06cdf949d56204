package io.infermesh.functions.inference;

/**
 * Where one request's time went, phase by phase, rendered as a W3C {@code Server-Timing} header value ({@code
 * auth;dur=0.41, reserve;dur=0.38, ...}, milliseconds). Each {@link #mark} closes the phase that began at the previous
 * mark (or at construction). Not thread-safe: one request, one thread.
 */
public final class Phases {
    private final StringBuilder header = new StringBuilder(128);
    private long last;

    public Phases() {
        last = System.nanoTime();
    }

    /** Ends the current phase under {@code name} (a token: letters, digits, '-' or '_') and starts the next. */
    public void mark(String name) {
        long now = System.nanoTime();
        if (!header.isEmpty()) {
            header.append(", ");
        }
        long hundredths = (now - last + 5_000) / 10_000; // of a millisecond, rounded
        header.append(name).append(";dur=").append(hundredths / 100).append('.');
        long cents = hundredths % 100;
        header.append(cents < 10 ? "0" : "").append(cents);
        last = now;
    }

    /** The {@code Server-Timing} value so far; empty when no phase was marked. */
    public String header() {
        return header.toString();
    }
}
