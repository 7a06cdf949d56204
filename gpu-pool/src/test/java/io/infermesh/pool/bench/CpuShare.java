package io.infermesh.pool.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the machine's CPU went during one benchmark point: the worker process, this JVM (the benchmark's gRPC
 * clients) and everything else, each in percent of one core, from Linux {@code /proc} (jiffies of 1/100 s). On a
 * machine without {@code /proc} every share reads as {@code NaN}.
 */
record CpuShare(double workerPercent, double clientPercent, double otherPercent, double idlePercent) {
    private static final double JIFFY_NANOS = 10_000_000;

    /** Counters at one instant; {@link #since} turns two of them into shares. */
    record Sample(long nanos, long workerJiffies, long clientCpuNanos, long machineJiffies, long idleJiffies) {
        /** @param workerPid the worker process, or -1 when none runs (its share then reads 0) */
        static Sample take(long workerPid) {
            long client =
                    ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                            ? os.getProcessCpuTime()
                            : -1;
            try {
                long worker = 0;
                if (workerPid >= 0) {
                    String stat = Files.readString(Path.of("/proc", Long.toString(workerPid), "stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    // Fields 14 and 15 of proc(5) (utime, stime) are the 12th and 13th after the command name.
                    worker = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                }
                String[] cpu = Files.readAllLines(Path.of("/proc/stat"))
                        .getFirst()
                        .trim()
                        .split("\\s+");
                long total = 0;
                for (int i = 1; i < cpu.length; i++) {
                    total += Long.parseLong(cpu[i]);
                }
                long idle = Long.parseLong(cpu[4]) + Long.parseLong(cpu[5]);
                return new Sample(System.nanoTime(), worker, client, total, idle);
            } catch (IOException | RuntimeException e) {
                return new Sample(System.nanoTime(), -1, client, -1, -1);
            }
        }
    }

    static CpuShare since(Sample a, Sample b) {
        if (a.workerJiffies < 0 || b.workerJiffies < 0 || a.clientCpuNanos < 0) {
            return new CpuShare(Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        double wallNanos = b.nanos - a.nanos;
        double cores = (b.machineJiffies - a.machineJiffies) * JIFFY_NANOS / wallNanos;
        double worker = 100 * (b.workerJiffies - a.workerJiffies) * JIFFY_NANOS / wallNanos;
        double client = 100 * (b.clientCpuNanos - a.clientCpuNanos) / wallNanos;
        double idle = 100 * (b.idleJiffies - a.idleJiffies) * JIFFY_NANOS / wallNanos;
        double busy = 100 * cores - idle;
        return new CpuShare(worker, client, Math.max(0, busy - worker - client), idle);
    }
}
