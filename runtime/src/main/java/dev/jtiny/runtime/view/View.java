// One strided window onto a flat buffer: what each movement op does to an index is defined here, once.
package dev.jtiny.runtime.view;

import java.util.Arrays;

/**
 * A view maps an index (i0..in-1) over {@code shape} to the flat position {@code offset + sum(ik*strides[k])},
 * valid where every ik lies in {@code mask[k]} = [lo, hi) (outside the mask the value reads as zero: padding).
 * Views are immutable; every movement op returns a new one, or null where it cannot be expressed as one view.
 */
public record View(int[] shape, int[] strides, int offset, int[][] mask) {

    public static View contiguous(int... shape) {
        return new View(shape.clone(), canonicalStrides(shape), 0, null);
    }

    public static int[] canonicalStrides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = shape[i] == 1 ? 0 : acc;
            acc *= shape[i];
        }
        return s;
    }

    public static long numel(int[] shape) {
        long n = 1;
        for (int s : shape) n *= s;
        return n;
    }

    /** Row-major over its own shape, no offset, no mask: {@link #canonicalStrides}, checked without making them. */
    public boolean isContiguous() {
        if (offset != 0 || mask != null) return false;
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (strides[i] != (shape[i] == 1 ? 0 : acc)) return false;
            acc *= shape[i];
        }
        return true;
    }

    public int ndim() { return shape.length; }

    /** Flat index and validity for the given per-dimension indices. */
    public Expr[] expr(Expr[] idx) {
        Expr flat = Expr.num(offset);
        Expr valid = Expr.TRUE;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] != 1 && strides[i] != 0) flat = Expr.add(flat, Expr.mul(idx[i], strides[i]));
            if (mask != null) {
                int lo = mask[i][0], hi = mask[i][1];
                if (lo >= hi) return new Expr[]{Expr.num(0), Expr.FALSE};
                if (lo > 0) valid = Expr.and(valid, Expr.ge(idx[i], lo));
                if (hi < shape[i]) valid = Expr.and(valid, Expr.lt(idx[i], hi));
            }
        }
        return new Expr[]{flat, valid};
    }

    public View permute(int[] order) {
        int n = order.length;
        int[] sh = new int[n], st = new int[n];
        int[][] m = mask == null ? null : new int[n][];
        for (int i = 0; i < n; i++) {
            sh[i] = shape[order[i]];
            st[i] = strides[order[i]];
            if (m != null) m[i] = mask[order[i]].clone();
        }
        return new View(sh, st, offset, m);
    }

    /** Broadcasts dimensions of size 1 to the new sizes. */
    public View expand(int[] newShape) {
        int[][] m = null;
        if (mask != null) {
            m = new int[newShape.length][];
            for (int i = 0; i < newShape.length; i++) {
                if (shape[i] == newShape[i]) m[i] = mask[i].clone();
                else m[i] = mask[i][0] == 0 && mask[i][1] == 1 ? new int[]{0, newShape[i]} : new int[]{0, 0};
            }
        }
        int[] st = strides.clone();
        for (int i = 0; i < newShape.length; i++) if (shape[i] != newShape[i]) st[i] = 0;
        return new View(newShape.clone(), st, offset, m);
    }

    /** Keeps [lo, hi) of each dimension. */
    public View shrink(int[][] ranges) {
        int n = shape.length;
        int[] sh = new int[n];
        int off = offset;
        int[][] m = mask == null ? null : new int[n][];
        boolean anyMask = false;
        for (int i = 0; i < n; i++) {
            int lo = ranges[i][0], hi = ranges[i][1];
            sh[i] = hi - lo;
            off += lo * strides[i];
            if (m != null) {
                int mlo = Math.max(0, Math.min(mask[i][0] - lo, sh[i]));
                int mhi = Math.max(0, Math.min(mask[i][1] - lo, sh[i]));
                if (mlo >= mhi) { mlo = 0; mhi = 0; }
                m[i] = new int[]{mlo, mhi};
                anyMask |= mlo != 0 || mhi != sh[i];
            }
        }
        return new View(sh, strides.clone(), off, anyMask ? m : null);
    }

    /** Adds {@code pads[i][0]} zeros before and {@code pads[i][1]} after each dimension. */
    public View pad(int[][] pads) {
        int n = shape.length;
        int[] sh = new int[n];
        int off = offset;
        int[][] m = new int[n][];
        for (int i = 0; i < n; i++) {
            int before = pads[i][0], after = pads[i][1];
            sh[i] = shape[i] + before + after;
            off -= before * strides[i];
            int lo = mask == null ? 0 : mask[i][0], hi = mask == null ? shape[i] : mask[i][1];
            m[i] = new int[]{lo + before, hi + before};
        }
        return new View(sh, strides.clone(), off, m);
    }

    /** Reverses the given dimensions. */
    public View flip(boolean[] axes) {
        int n = shape.length;
        int[] st = strides.clone();
        int off = offset;
        int[][] m = mask == null ? null : new int[n][];
        for (int i = 0; i < n; i++) {
            if (axes[i]) {
                off += (shape[i] - 1) * strides[i];
                st[i] = -strides[i];
            }
            if (m != null) m[i] = axes[i] ? new int[]{shape[i] - mask[i][1], shape[i] - mask[i][0]} : mask[i].clone();
        }
        return new View(shape.clone(), st, off, m);
    }

    /**
     * The same elements under a new shape of equal size, or null where no single view can say it
     * (the caller then stacks a new view on top).
     */
    public View reshape(int[] newShape) {
        if (Arrays.equals(shape, newShape)) return this;
        if (isContiguous()) return contiguous(newShape);
        // Only adding or removing dimensions of size 1 keeps a mask exact.
        int[] keptOld = nonUnitDims(shape), keptNew = nonUnitDims(newShape);
        if (mask != null || Arrays.equals(dimsOf(shape, keptOld), dimsOf(newShape, keptNew))) {
            if (!Arrays.equals(dimsOf(shape, keptOld), dimsOf(newShape, keptNew))) return null;
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] == 1 && mask != null && mask[i][0] >= mask[i][1]) return null;
            }
            int[] st = new int[newShape.length];
            int[][] m = mask == null ? null : new int[newShape.length][];
            for (int j = 0, k = 0; j < newShape.length; j++) {
                if (newShape[j] == 1) { st[j] = 0; if (m != null) m[j] = new int[]{0, 1}; continue; }
                int oi = keptOld[k++];
                st[j] = strides[oi];
                if (m != null) m[j] = mask[oi].clone();
            }
            return new View(newShape.clone(), st, offset, m);
        }
        int[] st = noCopyStrides(newShape);
        return st == null ? null : new View(newShape.clone(), st, offset, null);
    }

    private static int[] nonUnitDims(int[] shape) {
        return java.util.stream.IntStream.range(0, shape.length).filter(i -> shape[i] != 1).toArray();
    }

    private static int[] dimsOf(int[] shape, int[] idx) {
        int[] r = new int[idx.length];
        for (int i = 0; i < idx.length; i++) r[i] = shape[idx[i]];
        return r;
    }

    /** numpy's no-copy reshape: merge or split runs of old dimensions whose strides chain. */
    private int[] noCopyStrides(int[] newShape) {
        int[] os = nonUnitDims(shape);
        int[] oldShape = dimsOf(shape, os), oldStrides = dimsOf(strides, os);
        int[] ns = new int[newShape.length];
        int oi = 0, ni = 0;
        int on = oldShape.length, nn = newShape.length;
        while (ni < nn && oi < on) {
            if (newShape[ni] == 1) { ns[ni++] = 0; continue; }
            int oj = oi + 1, nj = ni + 1;
            long np = newShape[ni], op = oldShape[oi];
            while (np != op) {
                if (np < op) { while (nj < nn && newShape[nj] == 1) nj++; if (nj >= nn) return null; np *= newShape[nj++]; }
                else { if (oj >= on) return null; op *= oldShape[oj++]; }
            }
            for (int k = oi; k < oj - 1; k++) {
                if (oldStrides[k] != oldStrides[k + 1] * oldShape[k + 1]) return null;
            }
            ns[nj - 1] = oldStrides[oj - 1];
            for (int k = nj - 1; k > ni; k--) ns[k - 1] = newShape[k] == 1 ? ns[k] : ns[k] * newShape[k];
            for (int k = ni; k < nj; k++) if (newShape[k] == 1) ns[k] = 0;
            ni = nj;
            oi = oj;
        }
        while (ni < nn) { if (newShape[ni] != 1) return null; ns[ni++] = 0; }
        if (oi != on) return null;
        return ns;
    }

    @Override public boolean equals(Object o) {
        return o == this || o instanceof View v && Arrays.equals(shape, v.shape) && Arrays.equals(strides, v.strides)
                && offset == v.offset && Arrays.deepEquals(mask, v.mask);
    }

    @Override public int hashCode() {
        return Arrays.hashCode(shape) * 31 + Arrays.hashCode(strides) * 17 + offset + Arrays.deepHashCode(mask);
    }

    @Override public String toString() {
        return "View(shape=" + Arrays.toString(shape) + ", strides=" + Arrays.toString(strides) + ", offset=" + offset
                + (mask == null ? "" : ", mask=" + Arrays.deepToString(mask)) + ")";
    }
}
