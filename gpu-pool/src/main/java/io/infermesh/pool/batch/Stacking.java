package io.infermesh.pool.batch;

import io.infermesh.pool.DataType;
import io.infermesh.pool.Tensor;
import io.infermesh.pool.WorkerException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Stacks tensors along the first dimension and splits them back: the data movement of dynamic batching. */
final class Stacking {
    private Stacking() {}

    /** One tensor holding {@code parts} one after another along dimension 0. Parts agree on name, type and tail. */
    static Tensor stack(List<Tensor> parts) {
        Tensor first = parts.getFirst();
        if (parts.size() == 1) {
            return first;
        }
        long rows = 0;
        int bytes = 0;
        for (Tensor t : parts) {
            rows += t.shape().dim(0);
            bytes = Math.addExact(bytes, t.byteSize());
        }
        ByteBuffer out = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (Tensor t : parts) {
            out.put(t.data());
        }
        return new Tensor(first.name(), first.type(), first.shape().withFirst(rows), out.flip());
    }

    /** Splits {@code stacked} into consecutive pieces of {@code rows[i]} rows along dimension 0. */
    static List<Tensor> split(Tensor stacked, long[] rows) {
        if (rows.length == 1) {
            return List.of(stacked);
        }
        long total = 0;
        for (long r : rows) {
            total += r;
        }
        if (stacked.shape().rank() == 0 || stacked.shape().dim(0) != total) {
            throw new WorkerException(
                    WorkerException.Code.INTERNAL,
                    "output '" + stacked.name() + "' has shape " + stacked.shape() + " but the batch had " + total
                            + " rows; the model does not keep the batch dimension");
        }
        List<Tensor> out = new ArrayList<>(rows.length);
        ByteBuffer data = stacked.data();
        if (stacked.type() == DataType.BYTES) {
            long perRow = total == 0 ? 0 : stacked.shape().elementCount() / total;
            for (long r : rows) {
                int start = data.position();
                for (long e = 0; e < r * perRow; e++) {
                    int len = data.getInt();
                    data.position(data.position() + len);
                }
                out.add(slice(stacked, r, data, start, data.position()));
            }
        } else {
            long rowBytes = total == 0 ? 0 : stacked.byteSize() / total;
            int start = 0;
            for (long r : rows) {
                int end = Math.toIntExact(start + r * rowBytes);
                out.add(slice(stacked, r, data, start, end));
                start = end;
            }
        }
        return out;
    }

    private static Tensor slice(Tensor stacked, long rows, ByteBuffer data, int start, int end) {
        ByteBuffer piece = data.duplicate().limit(end).position(start);
        return new Tensor(stacked.name(), stacked.type(), stacked.shape().withFirst(rows), piece);
    }
}
