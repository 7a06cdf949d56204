package io.infermesh.pool.batch;

import java.time.Duration;

/**
 * How a model's requests are queued and combined.
 *
 * @param maxBatchSize most rows (along the batch dimension) one execution combines; 1 turns batching off
 * @param maxQueueDelay how long the oldest waiting request may wait for others to join its batch
 * @param queueCapacity requests that may wait; one more is refused with RESOURCE_EXHAUSTED
 * @param instances executions that may run at once
 */
public record BatchingOptions(int maxBatchSize, Duration maxQueueDelay, int queueCapacity, int instances) {
    public BatchingOptions {
        if (maxBatchSize < 1 || queueCapacity < 1 || instances < 1) {
            throw new IllegalArgumentException("max batch size, queue capacity and instances must be >= 1");
        }
        if (maxQueueDelay.isNegative()) {
            throw new IllegalArgumentException("max queue delay must be >= 0");
        }
    }

    public boolean batching() {
        return maxBatchSize > 1;
    }

    public BatchingOptions withoutBatching() {
        return new BatchingOptions(1, Duration.ZERO, queueCapacity, instances);
    }
}
