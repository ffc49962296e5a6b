// Ops that pick by position: oneHot, gather, take, the triangles, cumsum and sorting.
package dev.jtiny;

import dev.jtiny.runtime.DType;

import java.util.Arrays;

import static dev.jtiny.Tensor.op;

/**
 * Each is built as comparisons against arange, masked and summed rather than as data-dependent loads, so it fuses
 * like any elementwise op and has a gradient; the price is a pass over the axis per output element.
 */
final class Indexing {
    private Indexing() {}

    static Tensor oneHot(Tensor x, int classes) {
        if (x.lb.dtype != DType.INT32) throw new IllegalArgumentException("oneHot: indices must be int32, got " + x.lb.dtype);
        return op("oneHot", () -> {
            int[] row = new int[x.ndim() + 1];
            Arrays.fill(row, 1);
            row[x.ndim()] = classes;
            return x.unsqueeze(-1).eq(Tensor.arange(classes).to(x.device()).reshape(row)).cast(DType.FLOAT32);
        });
    }

    static Tensor gather(Tensor x, int axis, Tensor index) {
        return op("gather", () -> {
            int a = x.axis(axis);
            checkIndex(x, "gather", index);
            int[] xs = x.lb.shape(), is = index.lb.shape();
            if (is.length != xs.length) {
                throw new IllegalArgumentException("gather: index of shape " + Arrays.toString(is) + " must have the same rank as the input " + Arrays.toString(xs));
            }
            int[][] keep = new int[xs.length][];
            for (int d = 0; d < xs.length; d++) {
                if (d != a && is[d] > xs[d]) {
                    throw new IllegalArgumentException("gather: index of shape " + Arrays.toString(is) + " is larger than the input " + Arrays.toString(xs) + " in dimension " + d);
                }
                keep[d] = new int[]{0, d == a ? xs[d] : is[d]};
            }
            Tensor v = x.shrink(keep).unsqueeze(a);                      // (..., 1, S_a, ...)
            int[] ex = v.shape();
            ex[a] = is[a];
            Tensor hot = selector(index, a, xs[a]);                      // (..., I_a, S_a, ...) bool
            return hot.where(v.expand(ex), 0.0).sum(a + 1);
        });
    }

    static Tensor take(Tensor x, int axis, Tensor index) {
        return op("take", () -> {
            int a = x.axis(axis);
            checkIndex(x, "take", index);
            if (index.ndim() != 1) throw new IllegalArgumentException("take: index must be 1-D, got shape " + Arrays.toString(index.shape()));
            int n = index.shape()[0], size = x.lb.shape()[a];
            int[] hotShape = new int[x.ndim() + 1];
            Arrays.fill(hotShape, 1);
            hotShape[a] = n;
            hotShape[a + 1] = size;
            Tensor hot = index.reshape(n, 1).eq(Tensor.arange(size).to(x.device()).reshape(1, size)).reshape(hotShape);
            Tensor v = x.unsqueeze(a);
            int[] ex = v.shape();
            ex[a] = n;
            int[] full = ex.clone();
            return hot.expand(full).where(v.expand(ex), 0.0).sum(a + 1);
        });
    }

    /** index (..., I_a, ...) compared against every position 0..size-1 on a new axis after {@code a}. */
    private static Tensor selector(Tensor index, int a, int size) {
        int[] is = index.shape();
        int[] pos = new int[is.length + 1];
        Arrays.fill(pos, 1);
        pos[a + 1] = size;
        Tensor positions = Tensor.arange(size).to(index.device()).reshape(pos);
        return index.unsqueeze(a + 1).eq(positions);
    }

    private static void checkIndex(Tensor x, String op, Tensor index) {
        if (index.dtype() != DType.INT32) throw new IllegalArgumentException(op + ": indices must be int32, got " + index.dtype());
        x.sameDevice(op, index);
    }

    static Tensor cumsum(Tensor x, int axis) {
        return op("cumsum", () -> {
            int a = x.axis(axis);
            int n = x.lb.shape()[a];
            Tensor t = x.transpose(a, -1);                               // (..., n)
            Tensor tri = Tensor.arange(n).to(x.device()).reshape(n, 1).ge(Tensor.arange(n).to(x.device()).reshape(1, n)); // [i, j]: j <= i
            int[] ex = t.unsqueeze(-2).shape();
            ex[ex.length - 2] = n;
            return tri.where(t.unsqueeze(-2).expand(ex), 0.0).sum(-1).transpose(a, -1);
        });
    }

    static Tensor triu(Tensor x, int k) { return op("triu", () -> triangle(x, k, true)); }
    static Tensor tril(Tensor x, int k) { return op("tril", () -> triangle(x, k, false)); }

    private static Tensor triangle(Tensor x, int k, boolean upper) {
        if (x.ndim() < 2) throw new IllegalArgumentException((upper ? "triu" : "tril") + ": needs at least 2 dimensions, got shape " + Arrays.toString(x.shape()));
        int r = x.lb.shape()[x.ndim() - 2], c = x.lb.shape()[x.ndim() - 1];
        Tensor rows = Tensor.arange(r).to(x.device()).reshape(r, 1), cols = Tensor.arange(c).to(x.device()).reshape(1, c);
        Tensor diff = cols.sub(rows);                                    // j - i
        Tensor mask = upper ? diff.ge(k) : diff.le(k);
        return mask.where(x, x.zerosLike());
    }

    static Tensor argsort(Tensor x, boolean descending) {
        return op("argsort", () -> {
            int n = x.lb.shape()[x.ndim() - 1];
            Tensor v = descending ? x.neg() : x;
            Tensor vi = v.unsqueeze(-1), vj = v.unsqueeze(-2);           // [.., i, 1] and [.., 1, j]
            Tensor idx = Tensor.arange(n).to(x.device());
            Tensor before = idx.reshape(1, n).lt(idx.reshape(n, 1));     // j < i
            Tensor rank = vj.lt(vi).logicalOr(vj.eq(vi).logicalAnd(before)).sum(-1); // (.., n) int
            // position p holds the i whose rank is p
            Tensor hit = rank.unsqueeze(-2).eq(idx.reshape(n, 1));       // [.., p, i]
            return hit.cast(DType.INT32).mul(idx.reshape(1, n)).sum(-1);
        });
    }

    static Tensor sort(Tensor x, boolean descending) { return op("sort", () -> x.gather(-1, x.argsort(descending))); }

    static Tensor[] topk(Tensor x, int k) {
        int n = x.lb.shape()[x.ndim() - 1];
        if (k < 1 || k > n) throw new IllegalArgumentException("topk: k must be in [1, " + n + "], got " + k);
        Tensor order = x.argsort(true);
        int[][] keep = Movement.fullRanges(x);
        keep[x.ndim() - 1] = new int[]{0, k};
        Tensor idx = order.shrink(keep);
        return new Tensor[]{x.gather(-1, idx), idx};
    }
}
