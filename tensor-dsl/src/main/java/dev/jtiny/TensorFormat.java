// Text form of a tensor, numpy-style: a header line, then nested rows, summarised with "..." when large.
package dev.jtiny;

import dev.jtiny.runtime.DType;

import java.util.Arrays;

final class TensorFormat {
    /** Above this many elements, only the first and last EDGE items of each dimension are shown. */
    static final int THRESHOLD = 1000;
    static final int EDGE = 3;

    private TensorFormat() {}

    static String format(Tensor t) {
        String header = "Tensor(shape=" + Arrays.toString(t.shape()) + ", dtype=" + t.dtype() + ", device=" + t.device() + ")";
        // int64 is read as longs (a double would round beyond 2^53), everything else as doubles.
        long[] longs = t.dtype() == DType.INT64 ? t.toLongArray() : null;
        double[] v = longs == null ? t.toDoubleArray() : null;
        int n = longs != null ? longs.length : v.length;
        boolean summarise = n > THRESHOLD;
        String[] cells = new String[n];
        int width = 0;
        for (int i = 0; i < n; i++) {
            cells[i] = longs != null ? Long.toString(longs[i]) : cell(v[i], t.dtype());
            width = Math.max(width, cells[i].length());
        }
        StringBuilder b = new StringBuilder(header).append('\n');
        int[] shape = t.shape();
        if (shape.length == 0) return b.append(cells[0]).toString();
        rows(b, cells, width, shape, 0, 0, summarise);
        return b.toString();
    }

    /** One value: bools as true/false, integers exactly, floats of every width with 4 decimals like numpy's default. */
    private static String cell(double x, DType dtype) {
        if (dtype == DType.BOOL) return x != 0 ? "true" : "false";
        if (!dtype.isFloat()) return Long.toString((long) x);
        if (Double.isNaN(x)) return "nan";
        if (Double.isInfinite(x)) return x > 0 ? "inf" : "-inf";
        if (x == Math.rint(x) && Math.abs(x) < 1e7) return String.format("%.1f", x);
        double a = Math.abs(x);
        return a != 0 && (a < 1e-4 || a >= 1e7) ? String.format("%.4e", x) : String.format("%.4f", x);
    }

    private static void rows(StringBuilder b, String[] cells, int width, int[] shape, int dim, int offset, boolean summarise) {
        int n = shape[dim];
        int stride = 1;
        for (int i = dim + 1; i < shape.length; i++) stride *= shape[i];
        b.append('[');
        for (int i = 0; i < n; i++) {
            if (summarise && n > 2 * EDGE && i == EDGE) {
                b.append(dim == shape.length - 1 ? "..., " : "...,\n" + " ".repeat(dim + 1));
                i = n - EDGE;
            }
            if (dim == shape.length - 1) {
                String c = cells[offset + i];
                b.append(" ".repeat(width - c.length())).append(c);
            } else {
                rows(b, cells, width, shape, dim + 1, offset + i * stride, summarise);
            }
            if (i < n - 1) b.append(dim == shape.length - 1 ? ", " : ",\n" + (dim < shape.length - 2 ? "\n" : "") + " ".repeat(dim + 1));
        }
        b.append(']');
    }
}
