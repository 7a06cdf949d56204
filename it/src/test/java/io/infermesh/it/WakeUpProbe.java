package io.infermesh.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * For benchmarks only: how late the host wakes an ordinary thread while a phase runs, measured by {@code cyclictest}
 * (rt-tests) beside the load. One thread at normal priority ({@code SCHED_OTHER}, nice 0, like the platform's own
 * threads) sleeps 1 ms again and again and records how late each wake-up comes. {@code --laptop} keeps it from
 * holding {@code /dev/cpu_dma_latency} at 0, which would change the machine it measures. Every hop of a call (client,
 * gateway, Redis, worker, and back) waits for at least one such wake-up, so this is the floor under any p99 the host
 * can show.
 *
 * <p>Absent when {@code cyclictest} is not on the PATH ({@code apt-get install rt-tests}); the benchmarks then leave
 * the line out.
 */
final class WakeUpProbe {
    private static final int BUCKETS_US = 50_000;
    /** A probe left running by a benchmark that failed before stopping it exits on its own after this. */
    private static final int MAX_SECONDS = 1800;

    private final Process process;
    private final Path histogram;

    private WakeUpProbe(Process process, Path histogram) {
        this.process = process;
        this.histogram = histogram;
    }

    /** Starts a probe writing its histogram to {@code histogram}, or empty if cyclictest is not installed. */
    static Optional<WakeUpProbe> start(Path histogram) throws IOException {
        Files.deleteIfExists(histogram);
        Process p;
        try {
            p = new ProcessBuilder(
                            "cyclictest",
                            "--quiet",
                            "--laptop",
                            "--threads=1",
                            "--interval=1000",
                            "--histogram=" + BUCKETS_US,
                            "--histfile=" + histogram,
                            "--duration=" + MAX_SECONDS)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.of(new WakeUpProbe(p, histogram));
    }

    /** Stops the probe (SIGTERM: cyclictest writes its histogram and exits) and reads what it saw. */
    Latencies stop() throws IOException, InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("cyclictest did not exit on SIGTERM");
        }
        return Latencies.parse(Files.readString(histogram));
    }

    /** Stops {@code probe} if it was started: what it saw, or empty when cyclictest is not installed. */
    static Optional<Latencies> stop(Optional<WakeUpProbe> probe) throws IOException, InterruptedException {
        return probe.isPresent() ? Optional.of(probe.get().stop()) : Optional.empty();
    }

    /**
     * Wake-up latencies in microseconds.
     *
     * @param samples wake-ups measured
     * @param overflows wake-ups later than the histogram's range (counted as its last bucket in the quantiles)
     */
    record Latencies(long samples, long overflows, long p50, long p99, long p999, long max) {
        /** Parses cyclictest's {@code --histfile} (one line per microsecond: {@code us count}, then # comments). */
        static Latencies parse(String text) {
            long[] counts = new long[BUCKETS_US + 1];
            long total = 0;
            long overflows = 0;
            long max = 0;
            for (String line : text.split("\n")) {
                String s = line.strip();
                if (s.startsWith("# Histogram Overflows:")) {
                    overflows = Long.parseLong(s.substring(s.indexOf(':') + 1).strip());
                } else if (s.startsWith("# Max Latencies:")) {
                    max = Long.parseLong(s.substring(s.indexOf(':') + 1).strip());
                } else if (!s.isEmpty() && !s.startsWith("#")) {
                    String[] parts = s.split("\\s+");
                    int us = Integer.parseInt(parts[0]);
                    long n = Long.parseLong(parts[1]);
                    counts[Math.min(us, BUCKETS_US)] += n;
                    total += n;
                }
            }
            counts[BUCKETS_US] += overflows;
            total += overflows;
            if (total == 0) {
                throw new IllegalStateException("cyclictest recorded no wake-ups");
            }
            return new Latencies(
                    total,
                    overflows,
                    quantile(counts, total, 0.5),
                    quantile(counts, total, 0.99),
                    quantile(counts, total, 0.999),
                    max);
        }

        private static long quantile(long[] counts, long total, double q) {
            long rank = (long) Math.ceil(q * total);
            long seen = 0;
            for (int us = 0; us < counts.length; us++) {
                seen += counts[us];
                if (seen >= rank) {
                    return us;
                }
            }
            return counts.length - 1;
        }

        /** The report's sentence about wake-ups during a benchmark's measured phases. */
        String duringMeasuredPhases() {
            return "The host's wake-ups (`cyclictest`, one nice-0 thread) during the measured phases: " + describe();
        }

        /** What the probe saw, as a clause for the report. */
        String describe() {
            return String.format(
                    "%,d wake-ups of a 1 ms sleep, late by p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms%s",
                    samples,
                    p50 / 1e3,
                    p99 / 1e3,
                    p999 / 1e3,
                    max / 1e3,
                    overflows > 0 ? " (" + overflows + " past " + BUCKETS_US / 1000 + " ms)" : "");
        }
    }
}
