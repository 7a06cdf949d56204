package io.infermesh.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Load for the benchmarks, open loop: requests leave on a fixed schedule whatever the answers do, and each latency
 * counts from the request's scheduled send time, so a stalled server cannot hide its queue (no coordinated omission).
 */
final class OpenLoop {
    private OpenLoop() {}

    /** Sends {@code call} at {@code rate}/s for {@code seconds}; returns each call's latency in nanoseconds. */
    static List<Long> run(Supplier<CompletableFuture<?>> call, int rate, int seconds) throws Exception {
        return interleaved(List.of(call), rate, seconds).getFirst();
    }

    /**
     * Sends each of {@code calls} at {@code ratePerCall}/s for {@code seconds}, interleaved on one schedule (call {@code
     * i % k} leaves at slot {@code i}), so every path sees the same machine at the same moments and a slow stretch of
     * the machine lands on all of them alike. Returns each call's latencies in nanoseconds, in the order of {@code
     * calls}.
     */
    static List<List<Long>> interleaved(List<Supplier<CompletableFuture<?>>> calls, int ratePerCall, int seconds)
            throws Exception {
        int k = calls.size();
        int n = ratePerCall * seconds * k;
        long interval = 1_000_000_000L / ((long) ratePerCall * k);
        long start = System.nanoTime() + 10_000_000L;
        List<List<CompletableFuture<Long>>> done = new ArrayList<>(k);
        for (int c = 0; c < k; c++) {
            done.add(new ArrayList<>(n / k));
        }
        for (int i = 0; i < n; i++) {
            long scheduled = start + i * interval;
            long wait = scheduled - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            done.get(i % k).add(calls.get(i % k).get().thenApply(r -> System.nanoTime() - scheduled));
        }
        List<List<Long>> out = new ArrayList<>(k);
        for (List<CompletableFuture<Long>> path : done) {
            List<Long> latencies = new ArrayList<>(path.size());
            for (CompletableFuture<Long> f : path) {
                latencies.add(f.get(60, TimeUnit.SECONDS));
            }
            out.add(latencies);
        }
        return out;
    }

    /**
     * Warm-up, not measured: {@code concurrency} callers each send {@code call} again as soon as its answer is in, for
     * {@code seconds}. Returns how many calls were answered. A gateway serves thousands of calls a second; a few hundred
     * calls at a benchmark's rate leave its request path interpreted or half-compiled, and the JIT's compiles then land
     * inside the measured phase.
     */
    static long closedLoop(Supplier<CompletableFuture<?>> call, int concurrency, int seconds) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        AtomicLong answered = new AtomicLong();
        List<CompletableFuture<Void>> callers = new ArrayList<>(concurrency);
        for (int i = 0; i < concurrency; i++) {
            CompletableFuture<Void> caller = new CompletableFuture<>();
            callers.add(caller);
            next(call, end, answered, caller);
        }
        for (CompletableFuture<Void> caller : callers) {
            caller.get(seconds + 60L, TimeUnit.SECONDS);
        }
        return answered.get();
    }

    private static void next(
            Supplier<CompletableFuture<?>> call, long end, AtomicLong answered, CompletableFuture<Void> caller) {
        if (System.nanoTime() >= end) {
            caller.complete(null);
            return;
        }
        call.get().whenComplete((r, e) -> {
            if (e != null) {
                caller.completeExceptionally(e);
            } else {
                answered.incrementAndGet();
                next(call, end, answered, caller);
            }
        });
    }

    /** {@code POST <gateway>/v1/embeddings} as the holder of {@code apiKey}; fails unless the answer is 200. */
    static CompletableFuture<LoopbackHttp.Reply> embeddings(
            LoopbackHttp http, String gateway, String apiKey, byte[] body) {
        return http.post(
                        gateway + "/v1/embeddings",
                        Map.of("Authorization", "Bearer " + apiKey, "Content-Type", "application/json"),
                        body)
                .thenApply(r -> {
                    if (r.status() != 200) {
                        throw new IllegalStateException(
                                gateway + " answered " + r.status() + ": " + new String(r.body()));
                    }
                    return r;
                });
    }

    /** {@link #embeddings(LoopbackHttp, String, String, byte[])} through the JDK's client, for comparison. */
    static CompletableFuture<HttpResponse<byte[]>> embeddings(
            HttpClient http, String gateway, String apiKey, byte[] body) {
        return http.sendAsync(
                        HttpRequest.newBuilder(URI.create(gateway + "/v1/embeddings"))
                                .header("Authorization", "Bearer " + apiKey)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray())
                .thenApply(r -> {
                    if (r.statusCode() != 200) {
                        throw new IllegalStateException(
                                gateway + " answered " + r.statusCode() + ": " + new String(r.body()));
                    }
                    return r;
                });
    }

    static long[] sorted(List<Long> xs) {
        long[] a = xs.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(a);
        return a;
    }

    /** The {@code quantile} of ascending {@code sorted} (nearest rank). */
    static double q(long[] sorted, double quantile) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(quantile * sorted.length) - 1)];
    }

    /** A markdown table row: name, count, p50, p90, p99, max in milliseconds. */
    static void row(StringBuilder md, String name, long[] a) {
        md.append(String.format(
                "| %s | %d | %.2f | %.2f | %.2f | %.2f |%n",
                name, a.length, q(a, 0.5) / 1e6, q(a, 0.9) / 1e6, q(a, 0.99) / 1e6, a[a.length - 1] / 1e6));
    }
}
