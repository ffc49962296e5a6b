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
        float[] v = t.toFloatArray();
        boolean summarise = v.length > THRESHOLD;
        String[] cells = new String[v.length];
        int width = 0;
        for (int i = 0; i < v.length; i++) {
            cells[i] = cell(v[i], t.dtype());
            width = Math.max(width, cells[i].length());
        }
        StringBuilder b = new StringBuilder(header).append('\n');
        int[] shape = t.shape();
        if (shape.length == 0) return b.append(cells[0]).toString();
        rows(b, cells, width, shape, 0, 0, summarise);
        return b.toString();
    }

    private static String cell(float x, DType dtype) {
        return switch (dtype) {
            case BOOL -> x != 0 ? "true" : "false";
            case INT32 -> Integer.toString((int) x);
            case FLOAT32 -> {
                if (Float.isNaN(x)) yield "nan";
                if (Float.isInfinite(x)) yield x > 0 ? "inf" : "-inf";
                if (x == Math.rint(x) && Math.abs(x) < 1e7) yield String.format("%.1f", x);
                float a = Math.abs(x);
                yield a != 0 && (a < 1e-4 || a >= 1e7) ? String.format("%.4e", x) : String.format("%.4f", x);
            }
        };
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
