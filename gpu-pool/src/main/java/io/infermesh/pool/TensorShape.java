package io.infermesh.pool;

import java.util.Arrays;
import java.util.List;

/**
 * A tensor shape. In {@link TensorInfo metadata} a dimension of {@code -1} is dynamic; in a {@link Tensor} every
 * dimension is concrete ({@code >= 0}).
 */
public final class TensorShape {
    private static final TensorShape SCALAR = new TensorShape(new long[0]);
    private final long[] dims;

    private TensorShape(long[] dims) {
        this.dims = dims;
    }

    public static TensorShape of(long... dims) {
        for (long d : dims) {
            if (d < -1) {
                throw WorkerException.invalidArgument("shape " + Arrays.toString(dims) + " has a dimension below -1");
            }
        }
        return dims.length == 0 ? SCALAR : new TensorShape(dims.clone());
    }

    public static TensorShape of(List<Long> dims) {
        return of(dims.stream().mapToLong(Long::longValue).toArray());
    }

    public int rank() {
        return dims.length;
    }

    public long dim(int i) {
        return dims[i];
    }

    public long[] toArray() {
        return dims.clone();
    }

    public List<Long> toList() {
        return Arrays.stream(dims).boxed().toList();
    }

    /** True when no dimension is dynamic. */
    public boolean isConcrete() {
        return Arrays.stream(dims).allMatch(d -> d >= 0);
    }

    /**
     * Number of elements of a concrete shape.
     *
     * @throws WorkerException INVALID_ARGUMENT if it is dynamic or the count overflows a {@code long}
     */
    public long elementCount() {
        long n = 1;
        for (long d : dims) {
            if (d < 0) {
                throw WorkerException.invalidArgument("shape " + this + " is not concrete");
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw WorkerException.invalidArgument("shape " + this + " has more elements than a long can count");
            }
        }
        return n;
    }

    /** The same shape with the first dimension replaced. */
    public TensorShape withFirst(long first) {
        long[] copy = dims.clone();
        copy[0] = first;
        return new TensorShape(copy);
    }

    /** True when a concrete shape fits this (possibly dynamic) one: same rank, equal fixed dimensions. */
    public boolean accepts(TensorShape concrete) {
        if (concrete.dims.length != dims.length) {
            return false;
        }
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] != -1 && dims[i] != concrete.dims[i]) {
                return false;
            }
        }
        return true;
    }

    /** True when both shapes agree on every dimension but the first. */
    public boolean sameTail(TensorShape other) {
        return dims.length == other.dims.length
                && dims.length > 0
                && Arrays.equals(dims, 1, dims.length, other.dims, 1, other.dims.length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorShape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
