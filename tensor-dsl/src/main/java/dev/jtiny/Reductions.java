// Reductions over axes: sum, prod and max are the runtime's primitives; min, mean, var, std and argmax are made of them.
package dev.jtiny;

import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.Op;
import dev.jtiny.runtime.graph.LazyBuffer;

import java.util.Arrays;

import static dev.jtiny.Tensor.op;

final class Reductions {
    private Reductions() {}

    /** The axes to reduce, normalised; none given means all of them. */
    private static int[] axes(Tensor x, int[] axes) {
        if (axes.length == 0) {
            int[] all = new int[x.ndim()];
            for (int i = 0; i < all.length; i++) all[i] = i;
            return all;
        }
        int[] r = new int[axes.length];
        for (int i = 0; i < axes.length; i++) r[i] = x.axis(axes[i]);
        if (Arrays.stream(r).distinct().count() != r.length) throw new IllegalArgumentException("reduce: repeated axis in " + Arrays.toString(axes));
        return r;
    }

    /** The primitive keeps the reduced axes as size 1; dropping them is a reshape of its own (with its own gradient). */
    private static Tensor reduce(Tensor x, Op op, int[] axes, boolean keepdim) {
        int[] ax = axes(x, axes);
        Tensor kept = Autograd.derived(x.lb.reduce(op, ax), Grad.reduce(op, ax), x);
        if (keepdim) return kept;
        LazyBuffer r = kept.lb;
        int[] s = r.shape();
        int[] out = new int[s.length - ax.length];
        for (int i = 0, k = 0; i < s.length; i++) {
            int ii = i;
            if (Arrays.stream(ax).noneMatch(a -> a == ii)) out[k++] = s[i];
        }
        return Autograd.derived(r.reshape(out), Grad.reshape(), kept);
    }

    /** Sums and products of bools, int8 and uint8 accumulate in int32 (as numpy's and torch's do in a wider int). */
    private static Tensor sumInput(Tensor x) { return x.lb.dtype == DType.BOOL || x.lb.dtype.isInt() && x.lb.dtype.itemSize < 4 ? x.cast(DType.INT32) : x; }

    private static Tensor maxInput(Tensor x) { return x.lb.dtype == DType.BOOL ? x.cast(DType.INT32) : x; }

    static Tensor sum(Tensor x, int[] axes, boolean keepdim) { return op("sum", () -> reduce(sumInput(x), Op.SUM, axes, keepdim)); }
    static Tensor prod(Tensor x, int[] axes, boolean keepdim) { return op("prod", () -> reduce(sumInput(x), Op.PROD, axes, keepdim)); }
    static Tensor max(Tensor x, int[] axes, boolean keepdim) { return op("max", () -> reduce(maxInput(x), Op.RMAX, axes, keepdim)); }

    static Tensor min(Tensor x, int... axes) { return op("min", () -> Elementwise.flipOrder(Elementwise.flipOrder(maxInput(x)).max(axes))); }
    static Tensor min(Tensor x, int axis, boolean keepdim) { return op("min", () -> Elementwise.flipOrder(Elementwise.flipOrder(maxInput(x)).max(axis, keepdim))); }

    /** How many values each output of a reduction over {@code axes} combines. */
    private static long count(Tensor x, int[] axes) {
        long n = 1;
        for (int a : axes(x, axes)) n *= x.lb.shape()[a];
        return n;
    }

    static Tensor mean(Tensor x, int... axes) { return op("mean", () -> x.sum(axes).div((double) Math.max(count(x, axes), 1))); }
    static Tensor mean(Tensor x, int axis, boolean keepdim) { return op("mean", () -> x.sum(axis, keepdim).div((double) Math.max(count(x, new int[]{axis}), 1))); }
    static Tensor mean(Tensor x, int[] axes, boolean keepdim) { return op("mean", () -> x.sum(axes, keepdim).div((double) Math.max(count(x, axes), 1))); }

    static Tensor var(Tensor x, int[] axes, boolean keepdim, int correction) {
        return op("var", () -> Elementwise.inFloat(x, f -> {
            Tensor d = f.sub(f.mean(axes, true));
            long n = count(x, axes);
            return d.mul(d).sum(axes, keepdim).div((double) Math.max(n - correction, 0));
        }));
    }

    static Tensor std(Tensor x, int... axes) { return op("std", () -> x.var(axes).sqrt()); }
    static Tensor std(Tensor x, int axis, boolean keepdim) { return op("std", () -> x.var(axis, keepdim).sqrt()); }

    static Tensor argmax(Tensor x) { return op("argmax", () -> x.flatten().argmax(0, false)); }

    static Tensor argmax(Tensor x, int axis, boolean keepdim) {
        return op("argmax", () -> {
            int ax = x.axis(axis);
            int n = x.lb.shape()[ax];
            int[] s = new int[x.ndim()];
            Arrays.fill(s, 1);
            s[ax] = n;
            // Largest (n - i) among maxima picks the first maximum.
            Tensor rev = Tensor.arange(n, 0, -1).reshape(s);
            Tensor isMax = x.eq(x.max(ax, true));
            Tensor best = isMax.cast(DType.INT32).mul(rev).max(ax, keepdim);
            return best.rsub(n).cast(DType.INT32);
        });
    }

    static Tensor argmin(Tensor x) { return op("argmin", () -> x.flatten().argmin(0, false)); }
    static Tensor argmin(Tensor x, int axis, boolean keepdim) { return op("argmin", () -> x.neg().argmax(axis, keepdim)); }
}
