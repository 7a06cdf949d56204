package io.infermesh.pool.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.infermesh.pool.DataType;
import io.infermesh.pool.ModelSignature;
import io.infermesh.pool.Tensor;
import io.infermesh.pool.TensorInfo;
import io.infermesh.pool.TensorShape;
import io.infermesh.pool.spi.Backend;
import io.infermesh.pool.spi.LoadedModel;
import io.infermesh.pool.spi.ModelSource;
import io.infermesh.store.manifest.Manifest;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class SlowedBackendTest {
    /** Busy for 20 ms of wall time per call, then echoes its input. */
    private static final class Busy implements Backend {
        final AtomicBoolean closed = new AtomicBoolean();

        @Override
        public String name() {
            return "busy";
        }

        @Override
        public boolean supports(Manifest manifest) {
            return true;
        }

        @Override
        public long estimateMemoryBytes(Manifest manifest) {
            return 7;
        }

        @Override
        public LoadedModel load(ModelSource source) {
            return new LoadedModel() {
                @Override
                public ModelSignature signature() {
                    return new ModelSignature(
                            "busy",
                            List.of(new TensorInfo("in", DataType.BYTES, TensorShape.of(-1))),
                            List.of(new TensorInfo("out", DataType.BYTES, TensorShape.of(-1))));
                }

                @Override
                public List<Tensor> infer(List<Tensor> inputs) {
                    long end = System.nanoTime() + 20_000_000L;
                    while (System.nanoTime() < end) {
                        Thread.onSpinWait();
                    }
                    return List.of(inputs.getFirst().renamed("out"));
                }

                @Override
                public long memoryBytes() {
                    return 7;
                }

                @Override
                public void close() {
                    closed.set(true);
                }
            };
        }
    }

    @Test
    void aSlowedModelAnswersTheSameAfterFactorTimesItsComputeTime() {
        Busy busy = new Busy();
        LoadedModel model = new SlowedBackend(busy, 4).load(null);
        Tensor in = Tensor.ofStrings("in", List.of("hello"));

        long start = System.nanoTime();
        List<Tensor> out = model.infer(List.of(in));
        long elapsed = System.nanoTime() - start;

        assertEquals(1, out.size());
        assertEquals("out", out.getFirst().name());
        assertEquals(List.of("hello"), out.getFirst().strings());
        // 20 ms of compute, then 3 × that asleep: never less than 4 × 20 ms.
        assertTrue(elapsed >= 80_000_000L, "answered after " + elapsed + " ns");
        assertEquals(7, model.memoryBytes());
        model.close();
        assertTrue(busy.closed.get());
    }

    @Test
    void aFactorBelowOneOrNotFiniteIsRefused() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new SlowedBackend(new Busy(), 0.5));
        assertTrue(e.getMessage().contains("≥ 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SlowedBackend(new Busy(), Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new SlowedBackend(new Busy(), Double.POSITIVE_INFINITY));
    }
}
