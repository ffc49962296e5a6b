// Making tensors: from Java arrays (copied, so later writes to the array do not show), constants and ranges.
package dev.jtiny;

import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.engine.Devices;
import dev.jtiny.runtime.graph.LazyBuffer;
import dev.jtiny.runtime.view.View;

import java.util.Arrays;

import static dev.jtiny.Tensor.op;

final class Creation {
    private Creation() {}

    static Tensor of(float[] data, int... shape) {
        checkSize("of", data.length, shape);
        return fromHost(data.clone(), DType.FLOAT32, shape);
    }

    static Tensor of(float[][] rows) {
        int n = rows.length, m = n == 0 ? 0 : rows[0].length;
        float[] flat = new float[n * m];
        for (int i = 0; i < n; i++) {
            if (rows[i].length != m) throw new IllegalArgumentException("of: row " + i + " has " + rows[i].length + " values, expected " + m + " like row 0");
            System.arraycopy(rows[i], 0, flat, i * m, m);
        }
        return fromHost(flat, DType.FLOAT32, new int[]{n, m});
    }

    static Tensor of(float[][][] planes) {
        int a = planes.length, b = a == 0 ? 0 : planes[0].length, c = b == 0 ? 0 : planes[0][0].length;
        float[] flat = new float[a * b * c];
        for (int i = 0; i < a; i++) {
            if (planes[i].length != b) throw new IllegalArgumentException("of: plane " + i + " has " + planes[i].length + " rows, expected " + b);
            for (int j = 0; j < b; j++) {
                if (planes[i][j].length != c) throw new IllegalArgumentException("of: row [" + i + "][" + j + "] has " + planes[i][j].length + " values, expected " + c);
                System.arraycopy(planes[i][j], 0, flat, (i * b + j) * c, c);
            }
        }
        return fromHost(flat, DType.FLOAT32, new int[]{a, b, c});
    }

    static Tensor of(double[] data, int... shape) {
        float[] f = new float[data.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) data[i];
        return of(f, shape);
    }

    static Tensor of(double[] data, DType dtype, int... shape) {
        checkSize("of", data.length, shape);
        Object host = dtype.newHostArray(data.length);
        for (int i = 0; i < data.length; i++) dtype.write(host, i, data[i]);
        return fromHost(host, dtype, shape);
    }

    static Tensor of(float[] data, DType dtype, int... shape) {
        double[] d = new double[data.length];
        for (int i = 0; i < d.length; i++) d[i] = data[i];
        return of(d, dtype, shape);
    }

    static Tensor ofDoubles(double[] data, int... shape) {
        checkSize("ofDoubles", data.length, shape);
        return fromHost(data.clone(), DType.FLOAT64, shape);
    }

    static Tensor of(long[] data, int... shape) {
        checkSize("of", data.length, shape);
        return fromHost(data.clone(), DType.INT64, shape);
    }

    static Tensor of(byte[] data, DType dtype, int... shape) {
        if (dtype != DType.INT8 && dtype != DType.UINT8 && dtype != DType.BOOL) {
            throw new IllegalArgumentException("of: byte[] data makes an int8, uint8 or bool tensor, not " + dtype
                    + "; convert with of(double[], dtype, shape) instead");
        }
        checkSize("of", data.length, shape);
        byte[] b = data.clone();
        if (dtype == DType.BOOL) for (int i = 0; i < b.length; i++) b[i] = (byte) (b[i] != 0 ? 1 : 0);
        return fromHost(b, dtype, shape);
    }

    static Tensor ofBits(short[] bits, DType dtype, int... shape) {
        if (dtype != DType.FLOAT16 && dtype != DType.BFLOAT16) {
            throw new IllegalArgumentException("ofBits: 16-bit patterns make a float16 or bfloat16 tensor, not " + dtype);
        }
        checkSize("ofBits", bits.length, shape);
        return fromHost(bits.clone(), dtype, shape);
    }

    static Tensor of(int[] data, int... shape) {
        checkSize("of", data.length, shape);
        return fromHost(data.clone(), DType.INT32, shape);
    }

    static Tensor of(boolean[] data, int... shape) {
        checkSize("of", data.length, shape);
        byte[] b = new byte[data.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (data[i] ? 1 : 0);
        return fromHost(b, DType.BOOL, shape);
    }

    static Tensor full(int[] shape, double value, DType dtype) {
        checkShape("full", shape);
        return new Tensor(LazyBuffer.constant(value, dtype, shape.clone(), Devices.defaultName()));
    }

    static Tensor full(int[] shape, double value, DType dtype, String device) {
        checkShape("full", shape);
        return new Tensor(LazyBuffer.constant(value, dtype, shape.clone(), Devices.canonical(device)));
    }

    static Tensor arange(int start, int stop, int step) {
        if (step == 0) throw new IllegalArgumentException("arange: step must not be 0");
        int n = Math.max(0, (int) Math.ceil((stop - start) / (double) step));
        int[] values = new int[n];
        for (int i = 0; i < n; i++) values[i] = start + i * step;
        return of(values, n);
    }

    static Tensor arange(double start, double stop, double step) {
        if (step == 0) throw new IllegalArgumentException("arange: step must not be 0");
        int n = Math.max(0, (int) Math.ceil((stop - start) / step));
        return op("arange", () -> Tensor.arange(n).cast(DType.FLOAT32).mul(step).add(start));
    }

    static Tensor linspace(double start, double stop, int steps) {
        if (steps < 1) throw new IllegalArgumentException("linspace: steps must be at least 1, got " + steps);
        if (steps == 1) return Tensor.full(new int[]{1}, start);
        double step = (stop - start) / (steps - 1);
        return op("linspace", () -> Tensor.arange(steps).cast(DType.FLOAT32).mul(step).add(start));
    }

    static Tensor eye(int n, int m) {
        return op("eye", () -> Tensor.arange(n).reshape(n, 1).eq(Tensor.arange(m).reshape(1, m)).cast(DType.FLOAT32));
    }

    static void checkShape(String op, int[] shape) {
        for (int s : shape) if (s < 0) throw new IllegalArgumentException(op + ": negative dimension in shape " + Arrays.toString(shape));
    }

    private static void checkSize(String op, int n, int[] shape) {
        checkShape(op, shape);
        if (View.numel(shape) != n) {
            throw new IllegalArgumentException(op + ": " + n + " values do not fill shape " + Arrays.toString(shape) + " (" + View.numel(shape) + " elements)");
        }
    }

    /** {@code data} becomes the tensor's storage: callers pass an array nobody else holds. */
    static Tensor fromHost(Object data, DType dtype, int[] shape) {
        return new Tensor(LazyBuffer.fromHost(data, dtype, shape.clone(), Devices.defaultName()));
    }
}
