package io.infermesh.router.sim;

import io.infermesh.router.WorkerId;
import io.infermesh.router.WorkerInfo;
import io.infermesh.router.balance.Feedback;
import io.infermesh.router.balance.OutlierEjection;
import io.infermesh.router.balance.PeakEwmaBalancer;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.Random;
import java.util.Set;

/**
 * A deterministic discrete-event simulation of the benchmark "one of three workers slowed 10×": Poisson arrivals,
 * each worker a FIFO queue in front of {@code slots} parallel executors with exponential service times, the slow
 * worker's mean 10× the others'. Compares {@link PeakEwmaBalancer} (driven by the simulated clock) with round robin.
 * Simulated time only: results depend on the seed, never on the machine. Run {@link #main} to print a table.
 */
public final class TailLatencySimulation {
    /**
     * @param requests requests to simulate
     * @param ratePerSecond arrival rate
     * @param meanServiceMillis mean service time of a normal worker
     * @param slowdown service-time factor of the slow worker
     * @param slots parallel executions per worker
     * @param seed random seed
     */
    public record Setup(
            int requests, double ratePerSecond, double meanServiceMillis, double slowdown, int slots, long seed) {
        public static final Setup BENCHMARK = new Setup(50_000, 90, 10, 10, 4, 1);
    }

    /** Latency percentiles in milliseconds. */
    public record Result(double p50, double p99, double p999) {
        @Override
        public String toString() {
            return String.format("p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms", p50, p99, p999);
        }
    }

    private interface Policy {
        int choose(long now);

        /** Returns what {@link #finished} gets back for this request. */
        default Object started(int worker, long now) {
            return null;
        }

        default void finished(Object handle, long now) {}
    }

    private TailLatencySimulation() {}

    public static Result roundRobin(Setup s) {
        int[] next = {0};
        return run(s, now -> next[0]++ % 3);
    }

    public static Result peakEwma(Setup s) {
        long[] clock = {0};
        List<WorkerInfo> workers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            workers.add(new WorkerInfo(
                    WorkerId.of("w" + i), "127.0.0.1:" + (9000 + i), "p", Map.of("m", "v"), 0, 1, BigInteger.ONE));
        }
        OutlierEjection ejection = new OutlierEjection(OutlierEjection.Options.DEFAULTS, () -> clock[0]);
        PeakEwmaBalancer balancer = new PeakEwmaBalancer(
                PeakEwmaBalancer.Options.DEFAULTS, () -> clock[0], new Random(s.seed() + 1), ejection);
        return run(s, new Policy() {
            @Override
            public int choose(long now) {
                clock[0] = now;
                return workers.indexOf(balancer.choose(workers, Set.of()).orElseThrow());
            }

            @Override
            public Object started(int worker, long now) {
                clock[0] = now;
                return balancer.begin(workers.get(worker).id());
            }

            @Override
            public void finished(Object handle, long now) {
                clock[0] = now;
                ((PeakEwmaBalancer.Attempt) handle).finish(Feedback.SUCCESS);
            }
        });
    }

    private record Event(long at, int kind, int worker, long arrivedAt, Object handle) {}

    private record Waiting(long arrivedAt, Object handle) {}

    private static Result run(Setup s, Policy policy) {
        Random random = new Random(s.seed());
        PriorityQueue<Event> events = new PriorityQueue<>((x, y) -> Long.compare(x.at, y.at));
        List<Queue<Waiting>> queues = List.of(new ArrayDeque<>(), new ArrayDeque<>(), new ArrayDeque<>());
        int[] busy = new int[3];
        double[] latencies = new double[s.requests()];
        int done = 0;
        long t = 0;
        for (int i = 0; i < s.requests(); i++) {
            t += exp(random, 1e9 / s.ratePerSecond());
            events.add(new Event(t, 0, -1, t, null));
        }
        while (!events.isEmpty()) {
            Event e = events.poll();
            if (e.kind == 0) {
                int w = policy.choose(e.at);
                queues.get(w).add(new Waiting(e.arrivedAt, policy.started(w, e.at)));
            } else {
                busy[e.worker]--;
                policy.finished(e.handle, e.at);
                latencies[done++] = (e.at - e.arrivedAt) / 1e6;
            }
            for (int w = 0; w < 3; w++) {
                while (busy[w] < s.slots() && !queues.get(w).isEmpty()) {
                    Waiting next = queues.get(w).remove();
                    busy[w]++;
                    double mean = s.meanServiceMillis() * 1e6 * (w == 2 ? s.slowdown() : 1);
                    events.add(new Event(e.at + exp(random, mean), 1, w, next.arrivedAt(), next.handle()));
                }
            }
        }
        Arrays.sort(latencies);
        return new Result(at(latencies, 0.5), at(latencies, 0.99), at(latencies, 0.999));
    }

    private static long exp(Random random, double mean) {
        return Math.max(1, Math.round(-mean * Math.log(1 - random.nextDouble())));
    }

    private static double at(double[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }

    public static void main(String[] args) {
        Setup s = Setup.BENCHMARK;
        Result rr = roundRobin(s);
        Result router = peakEwma(s);
        System.out.println(s);
        System.out.println("round robin : " + rr);
        System.out.println("peak EWMA   : " + router);
        System.out.printf("p99 ratio   : %.1fx%n", rr.p99() / router.p99());
    }
}
