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

    public int[] shape() { return top().shape(); }

    public long numel() { return View.numel(shape()); }

    public boolean isContiguous() { return views.size() == 1 && top().isContiguous(); }

    /** True where every index maps to a distinct element and nothing is padding: the base is read at most once. */
    public boolean isInjective() {
        for (View v : views) {
            if (v.mask() != null) continue; // masked elements read nothing
            for (int i = 0; i < v.ndim(); i++) if (v.shape()[i] > 1 && v.strides()[i] == 0) return false;
        }
        for (View v : views) {
            if (v.mask() == null) continue;
            for (int i = 0; i < v.ndim(); i++) {
                int valid = v.mask()[i][1] - v.mask()[i][0];
                if (valid > 1 && v.strides()[i] == 0) return false;
            }
        }
        return true;
    }

    /** Flat index into the base and validity, for the given per-dimension indices of this tracker's shape. */
    public Expr[] expr(Expr[] idx) {
        Expr[] r = top().expr(idx);
        Expr flat = r[0], valid = r[1];
        for (int i = views.size() - 2; i >= 0; i--) {
            Expr[] inner = views.get(i).expr(unravel(flat, views.get(i).shape()));
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

    /** This tracker applied on top of {@code inner}: first inner's mapping, then this one's. */
    public ShapeTracker onTopOf(ShapeTracker inner) {
        if (views.size() == 1 && top().isContiguous() && View.numel(shape()) == inner.numel()) return inner.reshape(shape());
        List<View> vs = new ArrayList<>(inner.views);
        // Replay this tracker's views over inner: a contiguous bottom view is just a reshape of inner.
        View first = views.getFirst();
        ShapeTracker r = first.isContiguous() ? inner.reshape(first.shape()) : null;
        if (r == null) { vs.addAll(views); return new ShapeTracker(List.copyOf(vs)); }
        List<View> out = new ArrayList<>(r.views);
        for (int i = 1; i < views.size(); i++) out.add(views.get(i));
        return new ShapeTracker(List.copyOf(out));
    }
}
