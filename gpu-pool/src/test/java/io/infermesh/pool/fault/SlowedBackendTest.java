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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SlowedBackendTest {
    /** Takes 20 ms on {@link #clock} per call, then echoes its input. */
    private static final class Busy implements Backend {
        final AtomicBoolean closed = new AtomicBoolean();
        final AtomicLong clock = new AtomicLong(1_000);

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
                    clock.addAndGet(20_000_000L);
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
        List<Long> slept = new ArrayList<>();
        LoadedModel model = new SlowedBackend(busy, 4, busy.clock::get, slept::add).load(null);
        Tensor in = Tensor.ofStrings("in", List.of("hello"));

        List<Tensor> out = model.infer(List.of(in));

        assertEquals(1, out.size());
        assertEquals("out", out.getFirst().name());
        assertEquals(List.of("hello"), out.getFirst().strings());
        // 20 ms of compute, then 3 × that asleep before the answer: 4 × 20 ms in all.
        assertEquals(List.of(60_000_000L), slept);
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
