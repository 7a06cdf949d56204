package io.infermesh.pool.cache;

/**
 * Where a model load's time went, in nanoseconds.
 *
 * @param totalNanos from the start of the load to the model being ready
 * @param manifestNanos fetching and verifying the manifest
 * @param filesNanos downloading, verifying and linking the model's files (0 when the backend never asked for them)
 * @param fetchedBytes bytes downloaded (files already in the worker's blob cache are not counted)
 * @param engineNanos the backend's own work: everything in its load apart from the files
 */
public record LoadTimings(long totalNanos, long manifestNanos, long filesNanos, long fetchedBytes, long engineNanos) {
    @Override
    public String toString() {
        return String.format(
                "%d ms (manifest %d ms, files %d ms for %.1f MiB downloaded, engine %d ms)",
                totalNanos / 1_000_000,
                manifestNanos / 1_000_000,
                filesNanos / 1_000_000,
                fetchedBytes / 1048576.0,
                engineNanos / 1_000_000);
    }
}
