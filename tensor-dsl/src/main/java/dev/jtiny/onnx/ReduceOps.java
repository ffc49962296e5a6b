// ONNX reductions (Reduce*, ArgMax/ArgMin), scans (CumSum) and TopK over jtiny's sum, max and prod.
package dev.jtiny.onnx;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.DType;

import java.util.Arrays;
import java.util.function.BiFunction;

import static dev.jtiny.onnx.Operator.single;
import static dev.jtiny.onnx.Operators.add;

/**
 * Reductions take their axes from an attribute until the opset where they became an input (13 for ReduceSum, 18 for
 * the others); no axes means all of them, unless {@code noop_with_empty_axes} asks for the input unchanged.
 */
final class ReduceOps {
    private ReduceOps() {}

    /** A reduction over normalized, non-empty axes, keeping them as size-1 dimensions. */
    private interface Reduction extends BiFunction<Tensor, int[], Tensor> {}

    static void register() {
        reduce("ReduceSum", 13, (x, ax) -> x.sum(ax, true));
        reduce("ReduceMean", 18, (x, ax) -> x.mean(ax, true));
        reduce("ReduceMax", 18, (x, ax) -> x.max(ax, true));
        reduce("ReduceMin", 18, ReduceOps::min);
        reduce("ReduceProd", 18, (x, ax) -> {
            Tensor r = x;
            for (int a : ax) r = r.prod(a, true);
            return r;
        });
        reduce("ReduceL1", 18, (x, ax) -> x.abs().sum(ax, true));
        reduce("ReduceL2", 18, (x, ax) -> x.mul(x).sum(ax, true).sqrt());
        reduce("ReduceSumSquare", 18, (x, ax) -> x.mul(x).sum(ax, true));
        reduce("ReduceLogSum", 18, (x, ax) -> x.sum(ax, true).log());
        reduce("ReduceLogSumExp", 18, (x, ax) -> {
            Tensor m = x.max(ax, true);
            return x.sub(m).exp().sum(ax, true).log().add(m);
        });
        add("ArgMax", 1, a -> arg(a, true));
        add("ArgMin", 1, a -> arg(a, false));
        add("CumSum", 11, a -> {
            boolean exclusive = a.i("exclusive", 0) != 0, reverse = a.i("reverse", 0) != 0;
            return single(in -> {
                Tensor x = in.t(0);
                int ax = ShapeOps.axis(in, (int) in.scalarLong(1), x.ndim());
                Tensor t = reverse ? x.flip(ax) : x;
                Tensor c = t.cumsum(ax);
                if (exclusive) c = c.sub(t);
                if (reverse) c = c.flip(ax);
                return c.cast(x.dtype());
            });
        });
        add("TopK", 1, a -> {
            int axis = a.int32("axis", -1);
            long kAttr = a.opset < 10 ? a.i("k") : -1;
            boolean largest = a.opset < 11 || a.i("largest", 1) != 0;
            if (a.opset >= 11) a.i("sorted", 1);  // jtiny always returns them sorted, which sorted=0 allows
            return in -> {
                Tensor x = in.t(0);
                int ax = ShapeOps.axis(in, axis, x.ndim());
                int k = (int) (a.opset < 10 ? kAttr : in.scalarLong(1));
                Tensor moved = x.transpose(ax, -1);
                Tensor[] vi = (largest ? moved : moved.neg()).topk(k);
                Tensor values = largest ? vi[0] : vi[0].neg();
                return new Object[]{values.transpose(ax, -1), vi[1].cast(DType.INT64).transpose(ax, -1)};
            };
        });
    }

    private static Tensor min(Tensor x, int[] axes) {
        Tensor r = x;
        for (int a : axes) r = r.min(a, true);
        return r;
    }

    /** Registers a reduction whose axes are an input from opset {@code axesInputFrom} on. */
    private static void reduce(String op, int axesInputFrom, Reduction f) {
        add(op, 1, a -> {
            boolean fromInput = a.opset >= axesInputFrom;
            boolean keep = a.i("keepdims", 1) != 0;
            boolean noop = fromInput && a.i("noop_with_empty_axes", 0) != 0;
            long[] attrAxes = fromInput ? null : a.ints("axes");
            return single(in -> {
                Tensor x = in.t(0);
                long[] axes = fromInput ? (in.has(1) ? in.longs(1) : null) : attrAxes;
                if (axes == null || axes.length == 0) {
                    if (noop) return x;
                    axes = new long[x.ndim()];
                    for (int i = 0; i < axes.length; i++) axes[i] = i;
                }
                int[] ax = new int[axes.length];
                for (int i = 0; i < ax.length; i++) ax[i] = ShapeOps.axis(in, (int) axes[i], x.ndim());
                ax = Arrays.stream(ax).distinct().sorted().toArray();
                Tensor r = ax.length == 0 ? x : f.apply(x, ax);
                if (keep || ax.length == 0) return r;
                int[] s = new int[x.ndim() - ax.length];
                for (int i = 0, k = 0; i < x.ndim(); i++) {
                    int ii = i;
                    if (Arrays.stream(ax).noneMatch(v -> v == ii)) s[k++] = x.shape()[i];
                }
                return r.reshape(s);
            });
        });
    }

    private static Operator.Step arg(NodeAttrs a, boolean max) {
        int axis = a.int32("axis", 0);
        boolean keep = a.i("keepdims", 1) != 0;
        boolean last = a.opset >= 12 && a.i("select_last_index", 0) != 0;
        return single(in -> {
            Tensor x = in.t(0);
            int ax = ShapeOps.axis(in, axis, x.ndim());
            int n = x.shape()[ax];
            Tensor t = last ? x.flip(ax) : x;
            Tensor i = max ? t.argmax(ax, keep) : t.argmin(ax, keep);
            if (last) i = i.rsub(n - 1);
            return i.cast(DType.INT64);
        });
    }
}
