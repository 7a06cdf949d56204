package io.infermesh.router.scale;

import io.infermesh.router.RouterException;
import io.infermesh.router.Ticker;
import io.infermesh.router.WorkerId;
import io.infermesh.router.WorkerInfo;
import io.infermesh.router.WorkerSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Decides when a model needs one more warm worker and when a worker should drop a model. Pure decision logic over an
 * injected clock: it returns {@link ScaleDecision}s and never calls a worker.
 *
 * <p><b>Scale out.</b> The queueing signal of a model is
 *
 * <pre>
 *   q = requests in flight for the model / workers holding it warm
 * </pre>
 *
 * When {@code q > threshold} holds at every evaluation for at least {@code sustain}, and the model's last scale-out is
 * at least {@code cooldown} ago, the decision is {@link ScaleDecision.LoadOnOneMore}. The sustain period ignores
 * bursts; the cooldown gives the load time to finish and the new worker time to absorb traffic before deciding again.
 * In-flight counts are what this gateway sees; with several gateways each decides on its share, and the
 * single-flight loader keeps the outcome to one load at a time per gateway.
 *
 * <p><b>Scale in / to zero.</b> A worker that has started no request for a model for {@code idleTtl} (counted from the
 * last request, or from when the scaler first saw the model warm there) gets {@link ScaleDecision.Unload}. The last
 * replica is unloaded too: the next request cold-loads the model again.
 *
 * <p>Call {@link #started}/{@link #finished} around each request, {@link #routed} for each call sent to a worker, and {@link #evaluate} periodically (e.g. every
 * second). Thread-safe.
 */
public final class DemandScaler {
    /**
     * @param inflightPerWorkerThreshold the queueing signal above which a model is under pressure
     * @param sustain how long the pressure must last before a scale-out
     * @param cooldown the least time between two scale-outs of one model
     * @param idleTtl how long a worker may hold a model without requests before it is unloaded
     */
    public record Options(double inflightPerWorkerThreshold, Duration sustain, Duration cooldown, Duration idleTtl) {
        public static final Options DEFAULTS =
                new Options(4.0, Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(10));

        public Options {
            if (!(inflightPerWorkerThreshold > 0)
                    || sustain.isNegative()
                    || cooldown.isNegative()
                    || !idleTtl.isPositive()) {
                throw RouterException.invalid(
                        "scaler: threshold and idle TTL must be positive, durations not negative");
            }
        }
    }

    private final Options options;
    private final Ticker ticker;
    private final Map<String, AtomicInteger> inflight = new ConcurrentHashMap<>();
    private final Map<String, Map<WorkerId, Long>> lastUsed = new ConcurrentHashMap<>();
    private final Map<String, Long> pressuredSince = new ConcurrentHashMap<>();
    private final Map<String, Long> lastScaleOut = new ConcurrentHashMap<>();

    public DemandScaler(Options options, Ticker ticker) {
        this.options = Objects.requireNonNull(options, "options");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
    }

    /** A request for {@code model} arrived (whatever happens to it next). */
    public void started(String model) {
        inflight.computeIfAbsent(model, k -> new AtomicInteger()).incrementAndGet();
    }

    /** A call for {@code model} was sent to {@code worker}: that copy of the model is in use. */
    public void routed(String model, WorkerId worker) {
        lastUsed.computeIfAbsent(model, k -> new ConcurrentHashMap<>()).put(worker, ticker.nanos());
    }

    /** A request for {@code model} ended (any outcome). */
    public void finished(String model) {
        AtomicInteger n = inflight.get(model);
        if (n != null) {
            n.decrementAndGet();
        }
    }

    /** Requests for {@code model} in flight now. */
    public int inflight(String model) {
        AtomicInteger n = inflight.get(model);
        return n == null ? 0 : n.get();
    }

    /** The decisions due now, given who holds what. */
    public synchronized List<ScaleDecision> evaluate(WorkerSet workers) {
        long now = ticker.nanos();
        List<ScaleDecision> decisions = new ArrayList<>();
        Set<String> models = new HashSet<>(workers.warmModels());
        models.addAll(inflight.keySet());
        for (String model : models) {
            List<WorkerInfo> warm = workers.warm(model);
            scaleOut(model, warm.size(), now).ifPresent(decisions::add);
            decisions.addAll(scaleIn(model, warm, now));
        }
        return decisions;
    }

    private Optional<ScaleDecision> scaleOut(String model, int warmWorkers, long now) {
        double q = warmWorkers == 0 ? 0 : (double) inflight(model) / warmWorkers;
        if (warmWorkers == 0 || q <= options.inflightPerWorkerThreshold()) {
            pressuredSince.remove(model);
            return Optional.empty();
        }
        long since = pressuredSince.computeIfAbsent(model, k -> now);
        Long last = lastScaleOut.get(model);
        if (now - since < options.sustain().toNanos()
                || last != null && now - last < options.cooldown().toNanos()) {
            return Optional.empty();
        }
        lastScaleOut.put(model, now);
        pressuredSince.put(model, now);
        return Optional.of(new ScaleDecision.LoadOnOneMore(model, q));
    }

    private List<ScaleDecision> scaleIn(String model, List<WorkerInfo> warm, long now) {
        Map<WorkerId, Long> used = lastUsed.computeIfAbsent(model, k -> new ConcurrentHashMap<>());
        Set<WorkerId> holding = new HashSet<>();
        List<ScaleDecision> decisions = new ArrayList<>();
        for (WorkerInfo w : warm) {
            holding.add(w.id());
            long last = used.computeIfAbsent(w.id(), k -> now);
            if (now - last >= options.idleTtl().toNanos()) {
                decisions.add(new ScaleDecision.Unload(model, w.id()));
                // Restart the clock: the unload takes a heartbeat to show; do not decide it again meanwhile.
                used.put(w.id(), now);
            }
        }
        used.keySet().retainAll(holding);
        return decisions;
    }
}
