package io.infermesh.pool.djl;

/**
 * libtorch thread settings. libtorch's thread pools are process-wide and sized once, when the PyTorch engine starts
 * (the first TorchScript load), so these apply to every TorchScript model of the worker.
 *
 * @param intraOpThreads threads one operator may use (0 = libtorch's default: one per core)
 * @param interOpThreads threads that run independent parts of a TorchScript graph in parallel (0 = libtorch's
 *     default)
 */
public record TorchSettings(int intraOpThreads, int interOpThreads) {
    public TorchSettings {
        if (intraOpThreads < 0 || interOpThreads < 0) {
            throw new IllegalArgumentException("thread counts must be >= 0");
        }
    }

    public static TorchSettings defaults() {
        return new TorchSettings(0, 0);
    }
}
