// A tensor as an HTML table for a notebook; runs in the engine's child JVM, where the tensor lives.
package dev.jtiny.kernel.engine;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.DType;
import java.util.Arrays;

/**
 * A header line (shape, dtype, device, lazy or realized) and the values as a table: the last dimension makes the
 * columns, all the others the rows (labelled with their indices). More than {@value #MAX} rows or columns show the
 * first and last {@value #EDGE} with a "…" between, so a large tensor costs a bounded amount of HTML.
 */
final class TensorHtml {
    static final int MAX = 20, EDGE = 10;

    private TensorHtml() {}

    /** {@code wasRealized}: the state before the display computed the values. */
    static String render(Tensor t, boolean wasRealized) {
        int[] shape = t.shape();
        var html = new StringBuilder("<div class=\"jtiny-tensor\"><div><code>Tensor</code> shape ")
                .append(Arrays.toString(shape)).append(", dtype ").append(escape(String.valueOf(t.dtype())))
                .append(", device ").append(escape(t.device())).append(", ").append(wasRealized ? "realized" : "lazy")
                .append("</div>");
        long numel = t.numel();
        if (numel == 0) return html.append("<div>(no values)</div></div>").toString();
        int cols = shape.length == 0 ? 1 : shape[shape.length - 1];
        long rows = numel / cols;
        double[] values = t.toDoubleArray();
        DType dtype = t.dtype();
        html.append("<table style=\"font-family: monospace\">");
        if (shape.length >= 1) {
            html.append("<thead><tr>").append(shape.length >= 2 ? "<th></th>" : "");
            for (long c : shown(cols)) html.append("<th>").append(c < 0 ? "…" : Long.toString(c)).append("</th>");
            html.append("</tr></thead>");
        }
        html.append("<tbody>");
        for (long r : shown(rows)) {
            html.append("<tr>");
            if (shape.length >= 2) html.append("<th>").append(r < 0 ? "…" : rowLabel(shape, r)).append("</th>");
            for (long c : shown(cols)) {
                html.append("<td>");
                if (r < 0 || c < 0) html.append("…");
                else html.append(format(dtype, values[(int) (r * cols + c)]));
                html.append("</td>");
            }
            html.append("</tr>");
        }
        return html.append("</tbody></table></div>").toString();
    }

    /** The indices to show out of n; -1 stands for the elided middle. */
    private static long[] shown(long n) {
        if (n <= MAX) {
            long[] all = new long[(int) n];
            for (int i = 0; i < n; i++) all[i] = i;
            return all;
        }
        long[] some = new long[2 * EDGE + 1];
        for (int i = 0; i < EDGE; i++) {
            some[i] = i;
            some[EDGE + 1 + i] = n - EDGE + i;
        }
        some[EDGE] = -1;
        return some;
    }

    private static String rowLabel(int[] shape, long row) {
        if (shape.length == 2) return Long.toString(row);
        long[] idx = new long[shape.length - 1];
        for (int d = shape.length - 2; d >= 0; d--) {
            idx[d] = row % shape[d];
            row /= shape[d];
        }
        return Arrays.toString(idx);
    }

    private static String format(DType dtype, double v) {
        if (dtype == DType.BOOL) return v != 0 ? "true" : "false";
        if (dtype == DType.FLOAT64) return Double.toString(v);
        if (dtype.isFloat()) return Float.toString((float) v);
        return Long.toString((long) v);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
