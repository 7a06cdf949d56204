package io.infermesh.pool.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Where the machine's CPU went during one benchmark point: the worker process, this JVM (the benchmark's gRPC
 * clients) and everything else, each in percent of one core, from Linux {@code /proc} (jiffies of 1/100 s); and, of
 * the worker's and this JVM's shares, what their JIT compiler threads ({@code C1/C2 CompilerThread*}) used. On a
 * machine without {@code /proc} every share reads as {@code NaN}.
 */
record CpuShare(
        double workerPercent,
        double clientPercent,
        double otherPercent,
        double idlePercent,
        double workerJitPercent,
        double clientJitPercent) {
    private static final double JIFFY_NANOS = 10_000_000;

    /** Counters at one instant; {@link #since} turns two of them into shares. */
    record Sample(
            long nanos,
            long workerJiffies,
            long clientCpuNanos,
            long machineJiffies,
            long idleJiffies,
            long workerJitJiffies,
            long clientJitJiffies) {
        /** @param workerPid the worker process, or -1 when none runs (its share then reads 0) */
        static Sample take(long workerPid) {
            long client =
                    ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                            ? os.getProcessCpuTime()
                            : -1;
            try {
                long worker = 0;
                long workerJit = 0;
                if (workerPid >= 0) {
                    worker = jiffies(Path.of("/proc", Long.toString(workerPid), "stat"));
                    workerJit = jitJiffies(workerPid);
                }
                long clientJit = jitJiffies(ProcessHandle.current().pid());
                String[] cpu = Files.readAllLines(Path.of("/proc/stat"))
                        .getFirst()
                        .trim()
                        .split("\\s+");
                long total = 0;
                for (int i = 1; i < cpu.length; i++) {
                    total += Long.parseLong(cpu[i]);
                }
                long idle = Long.parseLong(cpu[4]) + Long.parseLong(cpu[5]);
                return new Sample(System.nanoTime(), worker, client, total, idle, workerJit, clientJit);
            } catch (IOException | RuntimeException e) {
                return new Sample(System.nanoTime(), -1, client, -1, -1, -1, -1);
            }
        }

        /** User plus system jiffies of a process or thread, from its {@code stat} file. */
        private static long jiffies(Path stat) throws IOException {
            String line = Files.readString(stat);
            String[] f = line.substring(line.lastIndexOf(')') + 2).split(" ");
            // Fields 14 and 15 of proc(5) (utime, stime) are the 12th and 13th after the command name.
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        }

        /** Jiffies of the process's JIT compiler threads, those alive now (HotSpot names them C1/C2 CompilerThreadN). */
        private static long jitJiffies(long pid) throws IOException {
            long sum = 0;
            try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
                for (Path task : tasks.toList()) {
                    try {
                        String comm = Files.readString(task.resolve("comm"));
                        if (comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")) {
                            sum += jiffies(task.resolve("stat"));
                        }
                    } catch (IOException gone) {
                        // The thread ended between the listing and the read.
                    }
                }
            }
            return sum;
        }
    }

    static CpuShare since(Sample a, Sample b) {
        if (a.workerJiffies < 0 || b.workerJiffies < 0 || a.clientCpuNanos < 0) {
            return new CpuShare(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        double wallNanos = b.nanos - a.nanos;
        double cores = (b.machineJiffies - a.machineJiffies) * JIFFY_NANOS / wallNanos;
        double worker = 100 * (b.workerJiffies - a.workerJiffies) * JIFFY_NANOS / wallNanos;
        double client = 100 * (b.clientCpuNanos - a.clientCpuNanos) / wallNanos;
        double idle = 100 * (b.idleJiffies - a.idleJiffies) * JIFFY_NANOS / wallNanos;
        double busy = 100 * cores - idle;
        // Compiler threads come and go (HotSpot adds and retires them with the load); a retired one's time is lost, so
        // the JIT shares are at least what was spent, never negative.
        double workerJit = 100 * Math.max(0, b.workerJitJiffies - a.workerJitJiffies) * JIFFY_NANOS / wallNanos;
        double clientJit = 100 * Math.max(0, b.clientJitJiffies - a.clientJitJiffies) * JIFFY_NANOS / wallNanos;
        return new CpuShare(worker, client, Math.max(0, busy - worker - client), idle, workerJit, clientJit);
    }
}
