package io.infermesh.pool.bench;

import java.time.Duration;

/**
 * The start-up benchmark's result.
 *
 * @param score the capability score: sustained GFLOP/s of the fixed workload (higher is faster); routers compare it
 *     between workers running the same engine
 * @param engine engine and version that ran it
 * @param runs executions completed
 * @param elapsed time they took
 * @param hardware the machine's facts
 */
public record CapabilityReport(double score, String engine, long runs, Duration elapsed, HardwareFacts hardware) {}
