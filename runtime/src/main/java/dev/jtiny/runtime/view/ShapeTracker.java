// A stack of views: the outermost gives the shape users see; each inner view reinterprets the one above.
package dev.jtiny.runtime.view;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

public record ShapeTracker(List<View> views) {

    public static ShapeTracker contiguous(int... shape) {
        return new ShapeTracker(List.of(View.contiguous(shape)));
    }

    public View top() { return views.getLast(); }

    // Written out: a record's generated equals goes through a method handle, and every movement op compares trackers.
    @Override public boolean equals(Object o) {
        return o == this || o instanceof ShapeTracker t && views.equals(t.views);
    }

    @Override public int hashCode() { return views.hashCode(); }

    public int[] shape() { return top().shape(); }

    public long numel() { return View.numel(shape()); }

    public boolean isContiguous() { return views.size() == 1 && top().isContiguous(); }

    /**
     * True when no two indices read the same element of the base (padding, which reads nothing, is allowed): a
     * dimension of more than one index that all share an element (stride 0) makes it false.
     */
    public boolean isInjective() {
        for (View v : views) {
            for (int i = 0; i < v.ndim(); i++) {
                int used = v.mask() == null ? v.shape()[i] : v.mask()[i][1] - v.mask()[i][0];
                if (used > 1 && v.strides()[i] == 0) return false;
            }
        }
        return true;
    }

    /** Flat index into the base and validity, for the given per-dimension indices of this tracker's shape. */
    public Expr[] expr(Expr[] idx) {
        Expr[] r = top().expr(idx);
        Expr flat = r[0], valid = r[1];
        for (int i = views.size() - 2; i >= 0; i--) {
            Expr[] inner = views.get(i).expr(unravel(Expr.within(flat, valid), views.get(i).shape()));
            flat = inner[0];
            valid = Expr.and(valid, inner[1]);
        }
        return new Expr[]{flat, valid};
    }

    /** Splits a flat (row-major) index into per-dimension indices of {@code shape}. */
    public static Expr[] unravel(Expr flat, int[] shape) {
        Expr[] idx = new Expr[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            idx[i] = shape[i] == 1 ? Expr.num(0) : Expr.mod(Expr.div(flat, acc), shape[i]);
            acc *= shape[i];
        }
        return idx;
    }

    private ShapeTracker replaceTop(View v) {
        List<View> vs = new ArrayList<>(views);
        vs.set(vs.size() - 1, v);
        return new ShapeTracker(List.copyOf(vs));
    }

    public ShapeTracker reshape(int[] newShape) {
        if (Arrays.equals(shape(), newShape)) return this;
        View v = top().reshape(newShape);
        if (v != null) return replaceTop(v);
        List<View> vs = new ArrayList<>(views);
        vs.add(View.contiguous(newShape));
        return new ShapeTracker(List.copyOf(vs));
    }

    public ShapeTracker permute(int[] order) { return replaceTop(top().permute(order)); }
    public ShapeTracker expand(int[] shape) { return replaceTop(top().expand(shape)); }
    public ShapeTracker shrink(int[][] ranges) { return replaceTop(top().shrink(ranges)); }
    public ShapeTracker pad(int[][] pads) { return replaceTop(top().pad(pads)); }
    public ShapeTracker flip(boolean[] axes) { return replaceTop(top().flip(axes)); }
}
