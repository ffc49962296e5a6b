// Static-import facade: `import static dev.jtiny.T.*;` gives the shortest spelling for notebooks and scripts.
package dev.jtiny;

import dev.jtiny.runtime.DType;

/** {@code var x = rand(3, 4); var y = x.matmul(eye(4)).relu();} — creation functions and dtypes without a prefix. */
public final class T {
    public static final DType FLOAT32 = DType.FLOAT32;
    public static final DType INT32 = DType.INT32;
    public static final DType BOOL = DType.BOOL;
    public static final DType FLOAT64 = DType.FLOAT64;
    public static final DType FLOAT16 = DType.FLOAT16;
    public static final DType BFLOAT16 = DType.BFLOAT16;
    public static final DType INT8 = DType.INT8;
    public static final DType UINT8 = DType.UINT8;
    public static final DType INT64 = DType.INT64;

    private T() {}

    public static Tensor tensor(float... data) { return Tensor.of(data); }
    public static Tensor tensor(float[] data, int... shape) { return Tensor.of(data, shape); }
    public static Tensor tensor(float[][] rows) { return Tensor.of(rows); }
    public static Tensor tensor(int[] data, int... shape) { return Tensor.of(data, shape); }
    public static Tensor scalar(double v) { return Tensor.scalar(v); }
    public static Tensor zeros(int... shape) { return Tensor.zeros(shape); }
    public static Tensor ones(int... shape) { return Tensor.ones(shape); }
    public static Tensor full(int[] shape, double value) { return Tensor.full(shape, value); }
    public static Tensor arange(int n) { return Tensor.arange(n); }
    public static Tensor arange(int start, int stop, int step) { return Tensor.arange(start, stop, step); }
    public static Tensor arange(double start, double stop, double step) { return Tensor.arange(start, stop, step); }
    public static Tensor linspace(double start, double stop, int steps) { return Tensor.linspace(start, stop, steps); }
    public static Tensor eye(int n) { return Tensor.eye(n); }
    public static Tensor rand(int... shape) { return Tensor.rand(shape); }
    public static Tensor randn(int... shape) { return Tensor.randn(shape); }
    public static void manualSeed(long seed) { Tensor.manualSeed(seed); }
    /** Joins tensors along an existing axis: {@code cat(0, a, b, c)}. */
    public static Tensor cat(int axis, Tensor... ts) {
        if (ts.length == 0) throw new IllegalArgumentException("cat: no tensors given; expected at least one");
        return ts[0].cat(axis, java.util.Arrays.copyOfRange(ts, 1, ts.length));
    }

    /** Joins same-shaped tensors along a new axis: {@code stack(0, a, b)}. */
    public static Tensor stack(int axis, Tensor... ts) {
        if (ts.length == 0) throw new IllegalArgumentException("stack: no tensors given; expected at least one");
        return ts[0].stack(axis, java.util.Arrays.copyOfRange(ts, 1, ts.length));
    }

    /** A shape literal: {@code full(shape(2, 3), 7)}. */
    public static int[] shape(int... dims) { return dims; }
}
