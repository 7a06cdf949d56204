package io.infermesh.pool.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the machine has, for the router's choice of worker.
 *
 * @param cpuCores cores the JVM may use
 * @param memoryBytes physical memory of the machine
 * @param heapMaxBytes the JVM's heap limit
 * @param gpus GPUs reported by {@code nvidia-smi}; empty when there is none or the tool is absent
 */
public record HardwareFacts(int cpuCores, long memoryBytes, long heapMaxBytes, List<Gpu> gpus) {
    /**
     * One GPU.
     *
     * @param name model, e.g. {@code NVIDIA H100 80GB HBM3}
     * @param memoryBytes total memory
     */
    public record Gpu(String name, long memoryBytes) {}

    public HardwareFacts {
        gpus = List.copyOf(gpus);
    }

    /** Reads the facts of this machine; never fails (a missing {@code nvidia-smi} means no GPU). */
    public static HardwareFacts probe() {
        long memory =
                ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                        ? os.getTotalMemorySize()
                        : -1;
        return new HardwareFacts(
                Runtime.getRuntime().availableProcessors(),
                memory,
                Runtime.getRuntime().maxMemory(),
                nvidiaSmi());
    }

    private static List<Gpu> nvidiaSmi() {
        List<Gpu> gpus = new ArrayList<>();
        try {
            Process p = new ProcessBuilder(
                            "nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader,nounits")
                    .redirectErrorStream(true)
                    .start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return gpus;
            }
            if (p.exitValue() != 0) {
                return gpus;
            }
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            for (String line : text.split("\n")) {
                parse(line).ifPresent(gpus::add);
            }
        } catch (IOException e) {
            // no nvidia-smi on PATH: no GPU
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return gpus;
    }

    /** Parses one {@code name, MiB} line of {@code nvidia-smi --format=csv,noheader,nounits}. */
    static java.util.Optional<Gpu> parse(String line) {
        int comma = line.lastIndexOf(',');
        if (comma <= 0) {
            return java.util.Optional.empty();
        }
        try {
            long mib = Long.parseLong(line.substring(comma + 1).trim());
            return java.util.Optional.of(new Gpu(line.substring(0, comma).trim(), mib << 20));
        } catch (NumberFormatException e) {
            return java.util.Optional.empty();
        }
    }
}
