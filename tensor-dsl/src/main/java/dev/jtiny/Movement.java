// Movement ops: views that change how elements are indexed, never copying; cat, stack and repeat are made of them.
package dev.jtiny;

import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.graph.LazyBuffer;

import java.util.Arrays;
import java.util.stream.IntStream;

import static dev.jtiny.Tensor.op;

final class Movement {
    private Movement() {}

    /** Shapes broadcast from the right; sizes must match or be 1. */
    static int[] broadcastShape(String op, int[] a, int[] b) {
        int n = Math.max(a.length, b.length);
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            int x = i - (n - a.length) >= 0 ? a[i - (n - a.length)] : 1;
            int y = i - (n - b.length) >= 0 ? b[i - (n - b.length)] : 1;
            if (x != y && x != 1 && y != 1) {
                throw new IllegalArgumentException(op + ": shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                        + " cannot broadcast (dimension " + i + ": " + x + " vs " + y + ")");
            }
            r[i] = x == 1 ? y : x;
        }
        return r;
    }

    /** {@code op} names the user's call in errors: broadcastTo, expand, or a binary op broadcasting its operands. */
    static Tensor broadcastTo(Tensor x, String op, int[] shape) {
        int[] s = x.lb.shape();
        if (Arrays.equals(s, shape)) return x;
        if (shape.length < s.length) throw new IllegalArgumentException(op + ": cannot broadcast " + Arrays.toString(s) + " to fewer dimensions " + Arrays.toString(shape));
        broadcastShape(op, s, shape);
        int[] padded = new int[shape.length];
        Arrays.fill(padded, 1);
        System.arraycopy(s, 0, padded, shape.length - s.length, s.length);
        for (int i = 0; i < shape.length; i++) {
            if (padded[i] != shape[i] && padded[i] != 1) {
                throw new IllegalArgumentException(op + ": cannot broadcast " + Arrays.toString(s) + " to " + Arrays.toString(shape)
                        + " (dimension " + i + " has size " + padded[i] + "; only size-1 dimensions broadcast)");
            }
        }
        Tensor r = Autograd.derived(x.lb.reshape(padded), Grad.reshape(), x);
        return Autograd.derived(r.lb.expand(shape.clone()), Grad.expand(), r);
    }

    static Tensor reshape(Tensor x, int... shape) {
        int[] s = shape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("reshape: only one dimension can be -1, got " + Arrays.toString(shape));
                infer = i;
            } else if (s[i] < 0) {
                throw new IllegalArgumentException("reshape: negative dimension " + s[i] + " in " + Arrays.toString(shape));
            } else known *= s[i];
        }
        if (infer >= 0) {
            if (known == 0 || x.numel() % known != 0) {
                throw new IllegalArgumentException("reshape: cannot infer -1 in " + Arrays.toString(shape) + " for " + x.numel() + " elements of shape " + Arrays.toString(x.shape()));
            }
            s[infer] = (int) (x.numel() / known);
        }
        return Autograd.derived(x.lb.reshape(s), Grad.reshape(), x);
    }

    static Tensor permute(Tensor x, int... order) {
        int n = x.ndim();
        if (order.length != n) throw new IllegalArgumentException("permute: order " + Arrays.toString(order) + " has " + order.length + " axes, the tensor has " + n + " (shape " + Arrays.toString(x.shape()) + ")");
        int[] o = new int[n];
        boolean[] seen = new boolean[n];
        for (int i = 0; i < n; i++) {
            o[i] = x.axis(order[i]);
            if (seen[o[i]]) throw new IllegalArgumentException("permute: axis " + order[i] + " repeats in " + Arrays.toString(order));
            seen[o[i]] = true;
        }
        return Autograd.derived(x.lb.permute(o), Grad.permute(o), x);
    }

    static Tensor transpose(Tensor x, int a, int b) {
        int[] o = new int[x.ndim()];
        for (int i = 0; i < o.length; i++) o[i] = i;
        int p = x.axis(a), q = x.axis(b);
        o[p] = q;
        o[q] = p;
        return x.permute(o);
    }

    static Tensor expand(Tensor x, int... shape) {
        int[] s = shape.clone();
        int off = s.length - x.ndim();
        if (off < 0) throw new IllegalArgumentException("expand: target " + Arrays.toString(shape) + " has fewer dimensions than " + Arrays.toString(x.shape()));
        for (int i = 0; i < s.length; i++) if (s[i] == -1) s[i] = x.lb.shape()[i - off];
        return broadcastTo(x, "expand", s);
    }

    static Tensor pad(Tensor x, int[][] pads) {
        if (pads.length != x.ndim()) throw new IllegalArgumentException("pad: " + pads.length + " pairs for a tensor of " + x.ndim() + " dimensions (shape " + Arrays.toString(x.shape()) + ")");
        for (int[] p : pads) if (p.length != 2 || p[0] < 0 || p[1] < 0) throw new IllegalArgumentException("pad: each pair must be {before, after} with non-negative sizes, got " + Arrays.deepToString(pads));
        return Autograd.derived(x.lb.pad(pads), Grad.pad(pads), x);
    }

    /** The view pads with zeros only: other values are chosen where a padded mask of ones is false. */
    static Tensor pad(Tensor x, int[][] pads, double value) {
        if (value == 0) return x.pad(pads);
        return op("pad", () -> {
            Tensor mask = new Tensor(LazyBuffer.constant(1, DType.BOOL, x.lb.shape(), x.lb.device)).pad(pads);
            return mask.where(x.pad(pads), value);
        });
    }

    static Tensor shrink(Tensor x, int[][] ranges) {
        if (ranges.length != x.ndim()) throw new IllegalArgumentException("shrink: " + ranges.length + " ranges for a tensor of " + x.ndim() + " dimensions (shape " + Arrays.toString(x.shape()) + ")");
        for (int i = 0; i < ranges.length; i++) {
            int[] r = ranges[i];
            if (r.length != 2 || r[0] < 0 || r[1] > x.lb.shape()[i] || r[0] > r[1]) {
                throw new IllegalArgumentException("shrink: range " + Arrays.toString(r) + " does not fit dimension " + i + " of size " + x.lb.shape()[i]);
            }
        }
        return Autograd.derived(x.lb.shrink(ranges), Grad.shrink(ranges), x);
    }

    static Tensor slice(Tensor x, int axis, int start, int end, int step) {
        int ax = x.axis(axis), n = x.lb.shape()[ax];
        if (step == 0) throw new IllegalArgumentException("slice: step must not be 0");
        if (step < 0) {
            // Reverse, then slice forwards: x[a:b:-s] == flip(x)[n-1-a : n-1-b : s].
            int s = start < 0 ? start + n : Math.min(start, n - 1);
            int e = end < -n ? -1 : end < 0 ? end + n : end;
            return x.flip(ax).slice(ax, n - 1 - s, n - 1 - e, -step);
        }
        int s = Math.clamp(start < 0 ? start + n : start, 0, n);
        int e = Math.clamp(end < 0 ? end + n : end, 0, n);
        if (e < s) e = s;
        int[][] ranges = fullRanges(x);
        ranges[ax] = new int[]{s, e};
        Tensor t = x.shrink(ranges);
        if (step == 1 || e - s <= 1) return t;
        // Take every step-th element: pad to a multiple of step, split the axis in two, keep index 0 of the inner.
        int len = e - s, m = (len + step - 1) / step;
        int[][] pads = new int[x.ndim()][2];
        pads[ax][1] = m * step - len;
        int[] split = new int[x.ndim() + 1];
        for (int i = 0, k = 0; i < x.ndim(); i++) {
            if (i == ax) { split[k++] = m; split[k++] = step; }
            else split[k++] = x.lb.shape()[i];
        }
        Tensor two = t.pad(pads).reshape(split);
        int[][] keep = fullRanges(two);
        keep[ax + 1] = new int[]{0, 1};
        int[] out = x.lb.shape().clone();
        out[ax] = m;
        return two.shrink(keep).reshape(out);
    }

    /** Every dimension whole, for shrink: callers narrow the ones they need. */
    static int[][] fullRanges(Tensor x) {
        int[][] r = new int[x.ndim()][];
        for (int i = 0; i < r.length; i++) r[i] = new int[]{0, x.lb.shape()[i]};
        return r;
    }

    static Tensor get(Tensor x, int i) {
        int n = x.lb.shape().length == 0 ? 0 : x.lb.shape()[0];
        int k = i < 0 ? i + n : i;
        if (k < 0 || k >= n) throw new IndexOutOfBoundsException("get: index " + i + " is out of range for dimension 0 of size " + n);
        return x.slice(0, k, k + 1).squeeze(0);
    }

    static Tensor flip(Tensor x, int... axes) {
        boolean[] f = new boolean[x.ndim()];
        for (int a : axes) f[x.axis(a)] = true;
        int[] flipped = IntStream.range(0, f.length).filter(i -> f[i]).toArray();
        return Autograd.derived(x.lb.flip(f), Grad.flip(flipped), x);
    }

    static Tensor flatten(Tensor x, int start) {
        int s = x.axis(start);
        int[] shape = new int[s + 1];
        System.arraycopy(x.lb.shape(), 0, shape, 0, s);
        shape[s] = -1;
        return x.reshape(shape);
    }

    static Tensor squeeze(Tensor x) { return x.reshape(Arrays.stream(x.lb.shape()).filter(d -> d != 1).toArray()); }

    static Tensor squeeze(Tensor x, int axis) {
        int a = x.axis(axis);
        if (x.lb.shape()[a] != 1) return x;
        int[] s = new int[x.ndim() - 1];
        for (int i = 0, k = 0; i < x.ndim(); i++) if (i != a) s[k++] = x.lb.shape()[i];
        return x.reshape(s);
    }

    static Tensor unsqueeze(Tensor x, int axis) {
        int n = x.ndim() + 1;
        int a = axis < 0 ? axis + n : axis;
        if (a < 0 || a >= n) throw new IllegalArgumentException("unsqueeze: axis " + axis + " is out of range for " + x.ndim() + " dimensions");
        int[] s = new int[n];
        for (int i = 0, k = 0; i < n; i++) s[i] = i == a ? 1 : x.lb.shape()[k++];
        return x.reshape(s);
    }

    static Tensor cat(Tensor x, int axis, Tensor... others) {
        Tensor[] ts = new Tensor[others.length + 1];
        ts[0] = x;
        System.arraycopy(others, 0, ts, 1, others.length);
        return op("cat", () -> {
            Tensor first = ts[0];
            int ax = first.axis(axis);
            int total = 0;
            for (Tensor t : ts) {
                if (t.ndim() != first.ndim()) throw new IllegalArgumentException("cat: shapes " + Arrays.toString(first.shape()) + " and " + Arrays.toString(t.shape()) + " have different numbers of dimensions");
                for (int i = 0; i < t.ndim(); i++) {
                    if (i != ax && t.lb.shape()[i] != first.lb.shape()[i]) {
                        throw new IllegalArgumentException("cat: shapes " + Arrays.toString(first.shape()) + " and " + Arrays.toString(t.shape()) + " differ in dimension " + i + " (only dimension " + ax + " may differ)");
                    }
                }
                first.sameDevice("cat", t);
                total += t.lb.shape()[ax];
            }
            DType dt = ts[0].dtype();
            for (Tensor t : ts) dt = DType.promote(dt, t.dtype());
            Tensor out = null;
            int at = 0;
            for (Tensor t : ts) {
                int[][] pads = new int[t.ndim()][2];
                pads[ax][0] = at;
                pads[ax][1] = total - at - t.lb.shape()[ax];
                at += t.lb.shape()[ax];
                Tensor p = t.cast(dt).pad(pads);
                out = out == null ? p : out.add(p);
            }
            return out;
        });
    }

    static Tensor stack(Tensor x, int axis, Tensor... others) {
        Tensor[] ts = new Tensor[others.length + 1];
        ts[0] = x;
        System.arraycopy(others, 0, ts, 1, others.length);
        return op("stack", () -> {
            Tensor[] u = new Tensor[ts.length];
            for (int i = 0; i < ts.length; i++) {
                if (!Arrays.equals(ts[i].lb.shape(), ts[0].lb.shape())) {
                    throw new IllegalArgumentException("stack: shapes " + Arrays.toString(ts[0].shape()) + " and " + Arrays.toString(ts[i].shape()) + " differ");
                }
                u[i] = ts[i].unsqueeze(axis);
            }
            return u[0].cat(axis, Arrays.copyOfRange(u, 1, u.length));
        });
    }

    static Tensor repeat(Tensor x, int... repeats) {
        if (repeats.length < x.ndim()) throw new IllegalArgumentException("repeat: " + repeats.length + " repeat counts for " + x.ndim() + " dimensions");
        return op("repeat", () -> {
            Tensor t = x;
            while (t.ndim() < repeats.length) t = t.unsqueeze(0);
            int n = t.ndim();
            int[] inter = new int[2 * n], expanded = new int[2 * n], fin = new int[n];
            for (int i = 0; i < n; i++) {
                inter[2 * i] = 1;
                inter[2 * i + 1] = t.lb.shape()[i];
                expanded[2 * i] = repeats[i];
                expanded[2 * i + 1] = t.lb.shape()[i];
                fin[i] = repeats[i] * t.lb.shape()[i];
            }
            return t.reshape(inter).expand(expanded).reshape(fin);
        });
    }
}
