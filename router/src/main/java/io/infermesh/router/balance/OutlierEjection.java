package io.infermesh.router.balance;

import io.infermesh.router.RouterException;
import io.infermesh.router.Ticker;
import io.infermesh.router.WorkerId;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Takes a failing worker out of rotation and lets it back in after a successful probe.
 *
 * <p>States per worker: <b>admitted</b> → (after {@code consecutiveFailures} failures in a row) <b>ejected</b> until
 * {@code t + d(k)} → <b>probe due</b>: exactly one request may be sent ({@link #tryClaimProbe}) → <b>probing</b> →
 * success: admitted; failure: ejected again with {@code k + 1}. The ejection time doubles per ejection in a row:
 *
 * <pre>
 *   d(k) = min(base × 2^(k−1), max)        k = 1, 2, 3, … (ejections without a calm period between them)
 * </pre>
 *
 * A probe claim that gets no outcome within {@code base} lapses, so a pick that was never sent cannot strand a worker.
 * A worker re-admitted and then calm (no new ejection) for at least {@code max} starts over at {@code k = 1}.
 *
 * <p>Only failures that say something about the worker count (unavailable, connection refused, internal errors);
 * a request the worker rejected as invalid proves it alive and counts as a success. Thread-safe.
 */
public final class OutlierEjection {
    /**
     * @param consecutiveFailures failures in a row that eject an admitted worker (≥ 1)
     * @param baseEjection the first ejection's length
     * @param maxEjection the cap on one ejection's length
     */
    public record Options(int consecutiveFailures, Duration baseEjection, Duration maxEjection) {
        public static final Options DEFAULTS = new Options(5, Duration.ofSeconds(5), Duration.ofMinutes(2));

        public Options {
            if (consecutiveFailures < 1) {
                throw RouterException.invalid("consecutive failures must be at least 1");
            }
            if (!baseEjection.isPositive() || maxEjection.compareTo(baseEjection) < 0) {
                throw RouterException.invalid("ejection times must satisfy 0 < base <= max");
            }
        }
    }

    private final Options options;
    private final Ticker ticker;
    private final Map<WorkerId, State> states = new ConcurrentHashMap<>();
    private final AtomicInteger notAdmitted = new AtomicInteger();

    public OutlierEjection(Options options, Ticker ticker) {
        this.options = Objects.requireNonNull(options, "options");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
    }

    /** Whether {@code id} takes ordinary traffic now. */
    public boolean admits(WorkerId id) {
        State s = states.get(id);
        return s == null || s.admitted();
    }

    /** Whether some worker is ejected or probing; when false, {@link #admits} is true for everyone. */
    public boolean anyOutOfRotation() {
        return notAdmitted.get() > 0;
    }

    /**
     * Claims the one probe request of an ejected worker whose ejection time is over. True at most once per ejection;
     * the caller must then report the probe's outcome ({@link #succeeded}, {@link #failed} or {@link #released}).
     */
    public boolean tryClaimProbe(WorkerId id) {
        State s = states.get(id);
        return s != null && s.tryClaimProbe(ticker.nanos());
    }

    /**
     * The worker answered (or rejected a request as invalid, which proves it alive).
     *
     * @return true when this re-admitted an ejected worker
     */
    public boolean succeeded(WorkerId id) {
        State s = states.get(id);
        return s != null && s.succeeded(ticker.nanos());
    }

    /** The worker failed in a way that counts against it. */
    public void failed(WorkerId id) {
        states.computeIfAbsent(id, k -> new State()).failed(ticker.nanos());
    }

    /** A claimed probe ended without telling anything (cancelled); the next request may probe again. */
    public void released(WorkerId id) {
        State s = states.get(id);
        if (s != null) {
            s.released();
        }
    }

    /** Drops what is known about a departed worker. */
    public void forget(WorkerId id) {
        State s = states.remove(id);
        if (s != null) {
            s.forgotten();
        }
    }

    /** Nanoseconds an ejection number {@code k} lasts: {@code min(base × 2^(k−1), max)}. */
    long ejectionNanos(int k) {
        long base = options.baseEjection().toNanos();
        long max = options.maxEjection().toNanos();
        int shift = Math.min(k - 1, 62);
        return base > (max >> shift) ? max : Math.min(max, base << shift);
    }

    private final class State {
        private int failuresInARow;
        private int ejections;
        private boolean ejected;
        private boolean probing;
        private long ejectedUntil;
        private long admittedSince;
        private long probeClaimedAt;

        synchronized boolean admitted() {
            return !ejected;
        }

        synchronized boolean tryClaimProbe(long now) {
            // A claim nobody reported on within the base ejection time is void: the chooser may have picked the
            // worker and then not sent anything (budget spent, inspection only).
            boolean claimOutstanding =
                    probing && now - probeClaimedAt < options.baseEjection().toNanos();
            if (!ejected || claimOutstanding || now - ejectedUntil < 0) {
                return false;
            }
            probing = true;
            probeClaimedAt = now;
            return true;
        }

        synchronized boolean succeeded(long now) {
            failuresInARow = 0;
            if (!ejected || !probing) {
                return false;
            }
            ejected = false;
            probing = false;
            admittedSince = now;
            notAdmitted.decrementAndGet();
            return true;
        }

        synchronized void failed(long now) {
            if (ejected) {
                if (probing) {
                    probing = false;
                    eject(now);
                }
                return;
            }
            failuresInARow++;
            if (failuresInARow >= options.consecutiveFailures()) {
                if (ejections > 0
                        && now - admittedSince >= options.maxEjection().toNanos()) {
                    ejections = 0;
                }
                ejected = true;
                notAdmitted.incrementAndGet();
                eject(now);
            }
        }

        synchronized void released() {
            probing = false;
        }

        synchronized void forgotten() {
            if (ejected) {
                notAdmitted.decrementAndGet();
                ejected = false;
            }
        }

        private void eject(long now) {
            ejections++;
            failuresInARow = 0;
            ejectedUntil = now + ejectionNanos(ejections);
        }
    }
}
