package io.infermesh.it;

import java.io.IOException;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;

/**
 * For benchmarks only: puts the workers on CPUs of their own and everything else of the run (gateways, Redis, the
 * S3 server, the benchmark's own JVM with its clients) on the other CPUs, with {@code taskset -a} (every thread of
 * each process; threads started later inherit their creator's set). On a small host this stands in for the
 * deployment the numbers are about, where a GPU pool's workers do not run on the gateway's machine, so a worker's
 * engine threads do not delay the gateway's and the client's wake-ups.
 *
 * <p>Off unless {@code -Dbench.worker-cpus} is set (a {@code taskset} CPU list such as {@code 1} or {@code 2-3});
 * {@code -Dbench.other-cpus} defaults to every other CPU of the host.
 */
final class CpuPinning {
    private final String workerCpus;
    private final String otherCpus;

    private CpuPinning(String workerCpus, String otherCpus) {
        this.workerCpus = workerCpus;
        this.otherCpus = otherCpus;
    }

    /** The pinning the system properties ask for, if any. */
    static Optional<CpuPinning> fromProperties() {
        String workers = System.getProperty("bench.worker-cpus", "").strip();
        if (workers.isEmpty()) {
            return Optional.empty();
        }
        String others = System.getProperty("bench.other-cpus", "").strip();
        return Optional.of(new CpuPinning(workers, others.isEmpty() ? complement(workers) : others));
    }

    /** The system properties that asked for this pinning, as they go on a command line. */
    String property() {
        return "-Dbench.worker-cpus=" + workerCpus + " -Dbench.other-cpus=" + otherCpus;
    }

    /** A line for the report. */
    String describe() {
        return "workers on CPU " + workerCpus + ", everything else (gateways, Redis, S3, the client JVM) on CPU "
                + otherCpus + " (taskset -a)";
    }

    /** Pins {@code workers} to the workers' CPUs and the platform's other processes and this JVM to the rest. */
    void apply(Platform platform, List<Service> workers) {
        List<Long> workerPids = workers.stream().map(Service::pid).toList();
        for (long pid : workerPids) {
            pin(pid, workerCpus);
        }
        for (Service s : platform.services()) {
            if (!workerPids.contains(s.pid())) {
                pin(s.pid(), otherCpus);
            }
        }
        pin(ProcessHandle.current().pid(), otherCpus);
    }

    private static void pin(long pid, String cpus) {
        try {
            Process p = new ProcessBuilder("taskset", "-a", "-cp", cpus, Long.toString(pid))
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new IllegalStateException("taskset -a -cp " + cpus + " " + pid + " failed: " + out);
            }
        } catch (IOException e) {
            throw new IllegalStateException("taskset is needed for -Dbench.worker-cpus (util-linux)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Every CPU of the host not in {@code cpus} (a list of numbers and ranges). */
    private static String complement(String cpus) {
        BitSet taken = new BitSet();
        for (String part : cpus.split(",")) {
            String[] range = part.strip().split("-");
            int from = Integer.parseInt(range[0]);
            int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
            taken.set(from, to + 1);
        }
        StringBuilder rest = new StringBuilder();
        for (int cpu = 0; cpu < Runtime.getRuntime().availableProcessors(); cpu++) {
            if (!taken.get(cpu)) {
                rest.append(rest.isEmpty() ? "" : ",").append(cpu);
            }
        }
        if (rest.isEmpty()) {
            throw new IllegalArgumentException("-Dbench.worker-cpus=" + cpus + " leaves no CPU for the rest");
        }
        return rest.toString();
    }
}
