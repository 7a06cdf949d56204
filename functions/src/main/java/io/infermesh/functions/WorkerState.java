package io.infermesh.functions;

import io.infermesh.store.manifest.EthAddress;
import java.util.Objects;

/** A registered worker as listed: live (lease current) or not (never heartbeated, or its lease expired). */
public sealed interface WorkerState {
    String worker();

    /**
     * @param live the worker and its latest heartbeat
     */
    record Live(LiveWorker live) implements WorkerState {
        public Live {
            Objects.requireNonNull(live, "live");
        }

        @Override
        public String worker() {
            return live.worker();
        }
    }

    /**
     * @param worker its id
     * @param pool its pool
     * @param target its gRPC address
     */
    record Expired(String worker, EthAddress pool, String target) implements WorkerState {
        public Expired {
            Objects.requireNonNull(worker, "worker");
            Objects.requireNonNull(pool, "pool");
            Objects.requireNonNull(target, "target");
        }
    }
}
