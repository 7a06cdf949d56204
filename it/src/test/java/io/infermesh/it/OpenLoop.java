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
import java.util.function.Supplier;

/**
 * Load for the benchmarks, open loop: requests leave on a fixed schedule whatever the answers do, and each latency
 * counts from the request's scheduled send time, so a stalled server cannot hide its queue (no coordinated omission).
 */
final class OpenLoop {
    private OpenLoop() {}

    /** Sends {@code call} at {@code rate}/s for {@code seconds}; returns each call's latency in nanoseconds. */
    static List<Long> run(Supplier<CompletableFuture<?>> call, int rate, int seconds) throws Exception {
        int n = rate * seconds;
        long interval = 1_000_000_000L / rate;
        long start = System.nanoTime() + 10_000_000L;
        List<CompletableFuture<Long>> done = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long scheduled = start + i * interval;
            long wait = scheduled - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            done.add(call.get().thenApply(r -> System.nanoTime() - scheduled));
        }
        List<Long> out = new ArrayList<>(n);
        for (CompletableFuture<Long> f : done) {
            out.add(f.get(60, TimeUnit.SECONDS));
        }
        return out;
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
