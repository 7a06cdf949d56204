package io.infermesh.router.balance;

import io.infermesh.router.RouterException;
import io.infermesh.router.Ticker;
import io.infermesh.router.WorkerId;
import io.infermesh.router.WorkerInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;

/**
 * Chooses a worker by the power of two choices over a peak-EWMA latency estimate times outstanding requests.
 *
 * <p><b>Estimate.</b> Per worker a latency estimate {@code E} (nanoseconds) with decay time constant {@code τ}. Let
 * {@code Δt} be the time since {@code E} was last updated and {@code w = exp(−Δt/τ)}:
 *
 * <pre>
 *   read at time t:        E(t) = E · w                       (what {@link #estimate} reports)
 *   compared with b:       E_a(t) = m + (E_a − m) · w_a,  m = min(E_a, E_b)
 *                                                             (an idle worker's estimate fades towards the better
 *                                                              one's, not towards zero)
 *   sample r at time t:    E ← r                 if r > E · w  ("peak": a slow answer counts at once)
 *                          E ← E · w + r · (1−w)  otherwise     (a fast answer pulls it down gradually)
 *   failure after d:       r = max(d, penalty)                 (a worker that errors fast must not look fast)
 *   not yet measured:      E = defaultRtt
 * </pre>
 *
 * <b>Cost.</b> {@code cost = E(t) × (inflight + 1)}, where {@code inflight} counts this router's outstanding calls to
 * the worker: a fast worker that is already busy loses to an idle one.
 *
 * <p><b>Why the fade has a floor.</b> A slow worker gets no samples, so its estimate must fade or it would never be
 * tried again once it recovers. Faded towards zero (as in Finagle's peak EWMA), a worker 10× slower than the rest
 * drops below them after {@code τ·ln 10} (23 s at τ = 10 s) even while they are idle, and takes a real call every
 * ~23 s: a few calls in a thousand, each 10× slower, right where a p99 is read (RoutingBenchmark: 3–5 of 600 calls;
 * 1 of 600 with the floor). Faded towards the better of the two candidates, it wins only once the better one has
 * calls in flight ({@code E_b × 2} or more against {@code E_a(t) → E_b}): it is tried again when it would help, under
 * load.
 *
 * <p><b>Probes by copy.</b> That second try is still a caller's request sent to a worker last measured slower than the
 * other candidate: the fade, not a measurement, made it win. {@link #pick} (the first attempt of an idempotent request)
 * tells such a choice apart: when the winner's last measured cost {@code E × (inflight + 1)} is above the other
 * candidate's, the request goes to the other candidate and the winner comes back as {@link Pick#probe}, to be sent a
 * copy whose answer only updates its estimate. A worker measured 10× slower is measured again as often as before, and
 * no caller waits for it (RoutingBenchmark: 1–3 of 600 calls went to it as real calls before, right where the p99 is
 * read). A worker that wins on its measured cost (the fast ones have that many calls in flight) gets real calls, so
 * under load the slow worker still takes its share.
 *
 * <p><b>Choice.</b> Among the warm workers that {@link OutlierEjection} admits and the caller did not exclude, draw
 * two distinct ones uniformly at random and take the cheaper (one candidate: take it). P2C avoids the herd that
 * "always the cheapest" causes when many gateways share stale estimates, at O(1) per request. Before that, an
 * ejected worker whose probe is due gets this request as its probe (otherwise its penalised estimate would never win
 * a comparison and it could never come back); with {@link #pick}'s copies allowed, that probe too is a copy and the
 * request goes to an admitted worker (a claimed probe that is never sent voids itself after the base ejection time).
 * A hedge ({@link #chooseWithin}) is not a probe of any kind: it goes only to a worker last measured within the hedge's
 * delay.
 *
 * <p>Every chosen worker must be followed by {@link #begin} and the returned {@link Attempt} finished exactly once.
 * Thread-safe; per-worker state is a few words behind a monitor.
 */
public final class PeakEwmaBalancer {
    /**
     * @param decay the EWMA time constant τ (e.g. 10 s)
     * @param defaultRtt the estimate of a worker not yet measured
     * @param failurePenalty the least latency a failure counts as
     */
    public record Options(Duration decay, Duration defaultRtt, Duration failurePenalty) {
        public static final Options DEFAULTS =
                new Options(Duration.ofSeconds(10), Duration.ofMillis(10), Duration.ofSeconds(1));

        public Options {
            if (!decay.isPositive() || !defaultRtt.isPositive() || failurePenalty.isNegative()) {
                throw RouterException.invalid("decay and default RTT must be positive, the penalty not negative");
            }
        }
    }

    /** How {@link #choose} picks among the admitted workers. */
    public enum Choice {
        /** The cheaper of two drawn at random, by {@code cost} (the default, and the point of this class). */
        TWO_RANDOM_BY_COST,
        /**
         * In turn, ignoring the estimates: the baseline that benchmarks compare against. Probes, ejection and
         * exclusions work as with the default.
         */
        ROUND_ROBIN
    }

    private final Options options;
    private final Choice choice;
    private final AtomicInteger turn = new AtomicInteger();
    private final Ticker ticker;
    private final RandomGenerator random;
    private final OutlierEjection ejection;
    private final double tauNanos;
    private final Map<WorkerId, Stats> stats = new ConcurrentHashMap<>();

    /**
     * @param random source of the two draws; {@code null} for a thread-local generator (tests pass a seeded one)
     */
    public PeakEwmaBalancer(Options options, Ticker ticker, RandomGenerator random, OutlierEjection ejection) {
        this(options, Choice.TWO_RANDOM_BY_COST, ticker, random, ejection);
    }

    /** A balancer that picks by {@code choice}; the estimates are kept either way. */
    public PeakEwmaBalancer(
            Options options, Choice choice, Ticker ticker, RandomGenerator random, OutlierEjection ejection) {
        this.options = Objects.requireNonNull(options, "options");
        this.choice = Objects.requireNonNull(choice, "choice");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.random =
                random != null ? random : () -> ThreadLocalRandom.current().nextLong();
        this.ejection = Objects.requireNonNull(ejection, "ejection");
        this.tauNanos = options.decay().toNanos();
    }

    /**
     * Where a request's first attempt goes, and the worker to measure with a copy of it, if any.
     *
     * @param worker the worker the request goes to
     * @param probe a worker to measure: one the faded estimates preferred over {@code worker} although its last
     *     measured cost is higher, or an ejected worker whose probe is due. It gets a copy of the request, and its
     *     answer only updates its estimate (and its ejection)
     */
    public record Pick(WorkerInfo worker, Optional<WorkerInfo> probe) {
        public Pick {
            Objects.requireNonNull(worker, "worker");
            Objects.requireNonNull(probe, "probe");
        }
    }

    /**
     * Picks one of {@code warm}, never one in {@code excluded}; empty when none is admitted. Does not block.
     *
     * @param warm the workers holding the model warm
     * @param excluded workers this request must not use (already tried)
     */
    public Optional<WorkerInfo> choose(List<WorkerInfo> warm, Set<WorkerId> excluded) {
        return select(warm, excluded, Double.POSITIVE_INFINITY, false).map(Pick::worker);
    }

    /**
     * Picks the worker for a request's first attempt like {@link #choose}, except that with {@code probes} a worker to
     * be measured does not get the request: it comes back as {@link Pick#probe} and the request goes to an admitted
     * worker. That is a worker that wins only because its estimate has faded (the request goes to the other candidate,
     * measured cheaper), or an ejected worker whose probe is due (see the class comment). Use {@code probes} only for
     * requests that may run twice (idempotent).
     */
    public Optional<Pick> pick(List<WorkerInfo> warm, boolean probes) {
        return select(warm, Set.of(), Double.POSITIVE_INFINITY, probes);
    }

    /**
     * Picks the target of a hedge: like {@link #choose}, but only among workers whose last measured estimate {@code E}
     * (not faded) is at most {@code within}, and never as an ejected worker's probe. A hedge is sent because the call
     * has already waited {@code within}; a worker measured slower than that would not beat it, however long it has been
     * idle (its faded estimate says only that nobody has asked it lately). Empty when no worker qualifies: then no
     * hedge is better than a hopeless one.
     */
    public Optional<WorkerInfo> chooseWithin(List<WorkerInfo> warm, Set<WorkerId> excluded, Duration within) {
        return select(warm, excluded, within.toNanos(), false).map(Pick::worker);
    }

    private Optional<Pick> select(List<WorkerInfo> warm, Set<WorkerId> excluded, double maxLastNanos, boolean probes) {
        boolean bounded = maxLastNanos != Double.POSITIVE_INFINITY;
        boolean ejections = ejection.anyOutOfRotation();
        if (ejections && !bounded) {
            for (WorkerInfo w : warm) {
                if (!excluded.contains(w.id()) && ejection.tryClaimProbe(w.id())) {
                    // With copies allowed, the ejected worker's probe is a copy and the request goes to an admitted
                    // worker; with none admitted, the request itself is the probe.
                    Optional<Pick> admitted =
                            probes ? admitted(warm, excluded, maxLastNanos, true, false) : Optional.empty();
                    return Optional.of(admitted.map(a -> new Pick(a.worker(), Optional.of(w)))
                            .orElseGet(() -> only(w)));
                }
            }
        }
        return admitted(warm, excluded, maxLastNanos, ejections, probes);
    }

    /** The power of two choices among the admitted workers of {@code warm} not in {@code excluded}. */
    private Optional<Pick> admitted(
            List<WorkerInfo> warm, Set<WorkerId> excluded, double maxLastNanos, boolean ejections, boolean probes) {
        boolean bounded = maxLastNanos != Double.POSITIVE_INFINITY;
        List<WorkerInfo> eligible = warm;
        if (ejections || !excluded.isEmpty() || bounded) {
            eligible = new ArrayList<>(warm.size());
            for (WorkerInfo w : warm) {
                if (!excluded.contains(w.id())
                        && ejection.admits(w.id())
                        && (!bounded || lastEstimate(stats.get(w.id())) <= maxLastNanos)) {
                    eligible.add(w);
                }
            }
        }
        int n = eligible.size();
        if (n == 0) {
            return Optional.empty();
        }
        if (n == 1) {
            return Optional.of(only(eligible.getFirst()));
        }
        if (choice == Choice.ROUND_ROBIN) {
            return Optional.of(only(eligible.get(Math.floorMod(turn.getAndIncrement(), n))));
        }
        int i = random.nextInt(n);
        int j = random.nextInt(n - 1);
        if (j >= i) {
            j++;
        }
        long now = ticker.nanos();
        WorkerInfo a = eligible.get(i);
        WorkerInfo b = eligible.get(j);
        boolean aWins = costsNoMore(a.id(), b.id(), now);
        WorkerInfo winner = aWins ? a : b;
        WorkerInfo other = aWins ? b : a;
        if (probes && measuredCost(other.id()) < measuredCost(winner.id())) {
            return Optional.of(new Pick(other, Optional.of(winner)));
        }
        return Optional.of(only(winner));
    }

    private static Pick only(WorkerInfo worker) {
        return new Pick(worker, Optional.empty());
    }

    /** {@code E × (inflight + 1)} with {@code E} as last measured, not faded. */
    private double measuredCost(WorkerId worker) {
        Stats s = stats.get(worker);
        return s == null ? options.defaultRtt().toNanos() : s.last() * (s.inflight.get() + 1);
    }

    /** Whether {@code a} costs no more than {@code b}, each estimate faded towards the lower of the two. */
    private boolean costsNoMore(WorkerId a, WorkerId b, long now) {
        Stats sa = stats.get(a);
        Stats sb = stats.get(b);
        double floor = Math.min(lastEstimate(sa), lastEstimate(sb));
        return fadedCost(sa, floor, now) <= fadedCost(sb, floor, now);
    }

    private double lastEstimate(Stats s) {
        return s == null ? options.defaultRtt().toNanos() : s.last();
    }

    private double fadedCost(Stats s, double floor, long now) {
        if (s == null) {
            return options.defaultRtt().toNanos();
        }
        return s.estimateToward(floor, now) * (s.inflight.get() + 1);
    }

    /** Starts an attempt on {@code worker}: counts it in flight until the attempt is finished. */
    public Attempt begin(WorkerId worker) {
        Stats s = stats.computeIfAbsent(worker, k -> new Stats());
        s.inflight.incrementAndGet();
        return new Attempt(worker, s, ticker.nanos());
    }

    /** The current cost of {@code worker} in nanoseconds: {@code E(t) × (inflight + 1)}. */
    public double cost(WorkerId worker) {
        return cost(worker, ticker.nanos());
    }

    /** The current latency estimate {@code E(t)} of {@code worker}. */
    public Duration estimate(WorkerId worker) {
        Stats s = stats.get(worker);
        double e = s == null ? options.defaultRtt().toNanos() : s.estimate(ticker.nanos());
        return Duration.ofNanos(Math.round(e));
    }

    /** Calls this router has outstanding on {@code worker}. */
    public int inflight(WorkerId worker) {
        Stats s = stats.get(worker);
        return s == null ? 0 : s.inflight.get();
    }

    /** Drops a departed worker's state. */
    public void forget(WorkerId worker) {
        stats.remove(worker);
        ejection.forget(worker);
    }

    private double cost(WorkerId worker, long now) {
        Stats s = stats.get(worker);
        if (s == null) {
            return options.defaultRtt().toNanos();
        }
        return s.estimate(now) * (s.inflight.get() + 1);
    }

    /** One call to a worker, from {@link #begin} to its outcome. Finishing it a second time does nothing. */
    public final class Attempt {
        private final WorkerId worker;
        private final Stats stats;
        private final long startNanos;
        private final AtomicBoolean finished = new AtomicBoolean();

        private Attempt(WorkerId worker, Stats stats, long startNanos) {
            this.worker = worker;
            this.stats = stats;
            this.startNanos = startNanos;
        }

        public WorkerId worker() {
            return worker;
        }

        /** Records the outcome and returns the measured latency. */
        public Duration finish(Feedback feedback) {
            long now = ticker.nanos();
            long elapsed = Math.max(0, now - startNanos);
            if (!finished.compareAndSet(false, true)) {
                return Duration.ofNanos(elapsed);
            }
            stats.inflight.decrementAndGet();
            long penalty = options.failurePenalty().toNanos();
            switch (feedback) {
                case SUCCESS, REQUEST_REJECTED -> {
                    boolean readmitted = ejection.succeeded(worker);
                    stats.observe(elapsed, now, readmitted);
                }
                case BUSY -> stats.observe(Math.max(elapsed, penalty), now, false);
                case FAILURE -> {
                    stats.observe(Math.max(elapsed, penalty), now, false);
                    ejection.failed(worker);
                }
                case ABANDONED -> {
                    stats.observeAtLeast(elapsed, now);
                    ejection.released(worker);
                }
                case NO_SIGNAL -> ejection.released(worker);
            }
            return Duration.ofNanos(elapsed);
        }
    }

    private final class Stats {
        final AtomicInteger inflight = new AtomicInteger();
        private double estimateNanos = options.defaultRtt().toNanos();
        private long updatedAt;
        private boolean measured;

        synchronized double estimate(long now) {
            return estimateToward(0, now);
        }

        /** {@code E} as last set (the default until measured). */
        synchronized double last() {
            return estimateNanos;
        }

        /** {@code floor + (E − floor)·w}: the estimate faded towards {@code floor ≤ E} instead of towards zero. */
        synchronized double estimateToward(double floor, long now) {
            return measured ? floor + (estimateNanos - floor) * weight(now) : estimateNanos;
        }

        synchronized void observe(long rttNanos, long now, boolean reset) {
            if (!measured || reset) {
                estimateNanos = rttNanos;
            } else {
                double w = weight(now);
                double decayed = estimateNanos * w;
                estimateNanos = rttNanos > decayed ? rttNanos : decayed + rttNanos * (1 - w);
            }
            measured = true;
            updatedAt = now;
        }

        /** A lower bound on a latency: raises the estimate if it is above it, otherwise says nothing. */
        synchronized void observeAtLeast(long rttNanos, long now) {
            if (rttNanos > estimate(now)) {
                estimateNanos = rttNanos;
                measured = true;
                updatedAt = now;
            }
        }

        private double weight(long now) {
            long dt = now - updatedAt;
            return dt <= 0 ? 1.0 : Math.exp(-dt / tauNanos);
        }
    }
}
