// Float64 reference arrays for the numerics tests: row-major n-d arrays built with plain loops, independent of the DSL,
// plus the comparison that reports where a tensor and its reference disagree.
package dev.jtiny;

import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.engine.Devices;

import java.util.Arrays;
import java.util.Random;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.ToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

final class Reference {
    private Reference() {}

    /** Makes {@code device} the default for tensors created from now on (tests reset it with {@code Config.set("DEVICE", null)}). */
    static void use(String device) {
        if (device.startsWith("OPENCL")) assertFalse(Devices.available().stream().noneMatch(d -> d.startsWith("OPENCL")), "no OpenCL device: install pocl-opencl-icd");
        Config.set("DEVICE", device);
    }

    // ================================================================ inputs

    static float[] uniform(Random rnd, int n, double lo, double hi) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) (lo + (hi - lo) * rnd.nextDouble());
        return f;
    }

    static float[] gaussian(Random rnd, int n, double scale) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) (scale * rnd.nextGaussian());
        return f;
    }

    /** Uniform in [lo, hi) with random sign: magnitudes stay away from zero (for division, pow with negative bases). */
    static float[] awayFromZero(Random rnd, int n, double lo, double hi) {
        float[] f = uniform(rnd, n, lo, hi);
        for (int i = 0; i < n; i++) if (rnd.nextBoolean()) f[i] = -f[i];
        return f;
    }

    static int numel(int[] shape) {
        int n = 1;
        for (int s : shape) n *= s;
        return n;
    }

    // ================================================================ n-d arrays

    /** A row-major float64 array. */
    record Nd(int[] shape, double[] v) {
        Nd {
            if (v.length != numel(shape)) throw new IllegalArgumentException(v.length + " values for shape " + Arrays.toString(shape));
        }

        static Nd of(float[] data, int... shape) {
            double[] d = new double[data.length];
            for (int i = 0; i < d.length; i++) d[i] = data[i];
            return new Nd(shape.clone(), d);
        }

        static Nd of(int[] data, int... shape) {
            double[] d = new double[data.length];
            for (int i = 0; i < d.length; i++) d[i] = data[i];
            return new Nd(shape.clone(), d);
        }

        /** The array whose element at each index is {@code f(index)}. */
        static Nd build(int[] shape, ToDoubleFunction<int[]> f) {
            double[] d = new double[numel(shape)];
            int[] idx = new int[shape.length];
            for (int i = 0; i < d.length; i++) {
                unravel(i, shape, idx);
                d[i] = f.applyAsDouble(idx);
            }
            return new Nd(shape.clone(), d);
        }

        static void unravel(int flat, int[] shape, int[] idx) {
            for (int k = shape.length - 1; k >= 0; k--) {
                idx[k] = flat % shape[k];
                flat /= shape[k];
            }
        }

        int ndim() { return shape.length; }

        double at(int... idx) {
            int flat = 0;
            for (int k = 0; k < shape.length; k++) {
                if (idx[k] < 0 || idx[k] >= shape[k]) throw new IndexOutOfBoundsException(Arrays.toString(idx) + " in " + Arrays.toString(shape));
                flat = flat * shape[k] + idx[k];
            }
            return v[flat];
        }

        // ---------------------------------------------------------------- elementwise

        Nd map(DoubleUnaryOperator f) {
            double[] d = new double[v.length];
            for (int i = 0; i < d.length; i++) d[i] = f.applyAsDouble(v[i]);
            return new Nd(shape, d);
        }

        /** numpy broadcasting: shapes aligned from the right, sizes equal or 1. */
        Nd zip(Nd o, DoubleBinaryOperator f) {
            int n = Math.max(ndim(), o.ndim());
            int[] out = new int[n];
            for (int k = 0; k < n; k++) {
                int a = dimFromRight(shape, n - 1 - k), b = dimFromRight(o.shape, n - 1 - k);
                if (a != b && a != 1 && b != 1) throw new IllegalArgumentException("reference: cannot broadcast " + Arrays.toString(shape) + " and " + Arrays.toString(o.shape));
                out[k] = a == 1 ? b : a;
            }
            return build(out, idx -> f.applyAsDouble(broadcastAt(idx), o.broadcastAt(idx)));
        }

        Nd zip(double s, DoubleBinaryOperator f) { return map(x -> f.applyAsDouble(x, s)); }

        private static int dimFromRight(int[] shape, int fromRight) {
            int k = shape.length - 1 - fromRight;
            return k >= 0 ? shape[k] : 1;
        }

        /** The element that broadcasts to {@code idx} of a larger shape. */
        private double broadcastAt(int[] idx) {
            int off = idx.length - shape.length;
            int[] mine = new int[shape.length];
            for (int k = 0; k < shape.length; k++) mine[k] = shape[k] == 1 ? 0 : idx[k + off];
            return at(mine);
        }

        // ---------------------------------------------------------------- reductions

        /** Reduces over {@code axes} (all when empty) starting from {@code init}. */
        Nd reduce(int[] axes, boolean keepdim, double init, DoubleBinaryOperator f) {
            boolean[] red = reducedAxes(axes);
            int[] kept = new int[ndim()];
            for (int k = 0; k < ndim(); k++) kept[k] = red[k] ? 1 : shape[k];
            double[] acc = new double[numel(kept)];
            Arrays.fill(acc, init);
            int[] idx = new int[ndim()];
            for (int i = 0; i < v.length; i++) {
                unravel(i, shape, idx);
                int o = 0;
                for (int k = 0; k < ndim(); k++) o = o * kept[k] + (red[k] ? 0 : idx[k]);
                acc[o] = f.applyAsDouble(acc[o], v[i]);
            }
            Nd r = new Nd(kept, acc);
            return keepdim ? r : r.reshape(Arrays.stream(range(ndim())).filter(k -> !red[k]).map(k -> shape[k]).toArray());
        }

        private boolean[] reducedAxes(int[] axes) {
            boolean[] red = new boolean[ndim()];
            if (axes.length == 0) Arrays.fill(red, true);
            for (int a : axes) red[a < 0 ? a + ndim() : a] = true;
            return red;
        }

        int count(int[] axes) {
            boolean[] red = reducedAxes(axes);
            int n = 1;
            for (int k = 0; k < ndim(); k++) if (red[k]) n *= shape[k];
            return n;
        }

        Nd sum(int[] axes, boolean keepdim) { return reduce(axes, keepdim, 0, Double::sum); }
        Nd max(int[] axes, boolean keepdim) { return reduce(axes, keepdim, Double.NEGATIVE_INFINITY, Math::max); }
        Nd min(int[] axes, boolean keepdim) { return reduce(axes, keepdim, Double.POSITIVE_INFINITY, Math::min); }
        Nd prod(int[] axes, boolean keepdim) { return reduce(axes, keepdim, 1, (a, b) -> a * b); }
        Nd mean(int[] axes, boolean keepdim) { int n = count(axes); return sum(axes, keepdim).map(s -> s / n); }

        /** Variance with Bessel's correction (n - 1). */
        Nd var(int[] axes, boolean keepdim) {
            Nd d = zip(mean(axes, true), (x, m) -> (x - m) * (x - m));
            int n = count(axes);
            return d.sum(axes, keepdim).map(s -> s / (n - 1));
        }

        Nd softmax(int axis) {
            Nd e = zip(max(new int[]{axis}, true), (x, m) -> Math.exp(x - m));
            return e.zip(e.sum(new int[]{axis}, true), (a, s) -> a / s);
        }

        Nd logsumexp(int axis, boolean keepdim) {
            Nd m = max(new int[]{axis}, true);
            Nd s = zip(m, (x, mm) -> Math.exp(x - mm)).sum(new int[]{axis}, true).zip(m, (ss, mm) -> Math.log(ss) + mm);
            return keepdim ? s : s.squeezeAxis(axis);
        }

        /** Index of the first largest (or smallest) value along an axis. */
        Nd argExtreme(int axis, boolean largest) {
            int ax = axis < 0 ? axis + ndim() : axis;
            int[] out = new int[ndim() - 1];
            for (int k = 0, j = 0; k < ndim(); k++) if (k != ax) out[j++] = shape[k];
            return build(out, o -> {
                int[] idx = new int[ndim()];
                for (int k = 0, j = 0; k < ndim(); k++) if (k != ax) idx[k] = o[j++];
                int best = 0;
                double bv = Double.NaN;
                for (int i = 0; i < shape[ax]; i++) {
                    idx[ax] = i;
                    double x = at(idx);
                    if (i == 0 || (largest ? x > bv : x < bv)) { best = i; bv = x; }
                }
                return best;
            });
        }

        // ---------------------------------------------------------------- movement

        Nd reshape(int... s) {
            if (numel(s) != v.length) throw new IllegalArgumentException("reference reshape " + Arrays.toString(shape) + " -> " + Arrays.toString(s));
            return new Nd(s.clone(), v);
        }

        Nd squeezeAxis(int axis) {
            int ax = axis < 0 ? axis + ndim() : axis;
            int[] s = new int[ndim() - 1];
            for (int k = 0, j = 0; k < ndim(); k++) if (k != ax) s[j++] = shape[k];
            return reshape(s);
        }

        Nd permute(int... order) {
            int[] s = new int[ndim()];
            for (int k = 0; k < ndim(); k++) s[k] = shape[order[k]];
            return build(s, idx -> {
                int[] src = new int[ndim()];
                for (int k = 0; k < ndim(); k++) src[order[k]] = idx[k];
                return at(src);
            });
        }

        Nd transpose(int a, int b) {
            int[] o = range(ndim());
            o[a] = b;
            o[b] = a;
            return permute(o);
        }

        /** Broadcast to a shape (leading dimensions may be added). */
        Nd expand(int... s) { return build(s, this::broadcastAt); }

        Nd pad(int[][] pads, double value) {
            int[] s = new int[ndim()];
            for (int k = 0; k < ndim(); k++) s[k] = pads[k][0] + shape[k] + pads[k][1];
            return build(s, idx -> {
                int[] src = new int[ndim()];
                for (int k = 0; k < ndim(); k++) {
                    src[k] = idx[k] - pads[k][0];
                    if (src[k] < 0 || src[k] >= shape[k]) return value;
                }
                return at(src);
            });
        }

        Nd shrink(int[][] ranges) {
            int[] s = new int[ndim()];
            for (int k = 0; k < ndim(); k++) s[k] = ranges[k][1] - ranges[k][0];
            return build(s, idx -> {
                int[] src = new int[ndim()];
                for (int k = 0; k < ndim(); k++) src[k] = idx[k] + ranges[k][0];
                return at(src);
            });
        }

        Nd flip(int... axes) {
            boolean[] f = new boolean[ndim()];
            for (int a : axes) f[a < 0 ? a + ndim() : a] = true;
            return build(shape, idx -> {
                int[] src = new int[ndim()];
                for (int k = 0; k < ndim(); k++) src[k] = f[k] ? shape[k] - 1 - idx[k] : idx[k];
                return at(src);
            });
        }

        /** Python's {@code x[start:stop:step]} along one axis, with already-resolved non-negative bounds for step > 0, or
         *  for step < 0 the indices start, start+step, ... while greater than stop (stop may be -1). */
        Nd slice(int axis, int start, int stop, int step) {
            int count = 0;
            for (int i = start; step > 0 ? i < stop : i > stop; i += step) count++;
            int[] s = shape.clone();
            s[axis] = count;
            return build(s, idx -> {
                int[] src = idx.clone();
                src[axis] = start + idx[axis] * step;
                return at(src);
            });
        }

        static Nd cat(int axis, Nd... parts) {
            int[] s = parts[0].shape.clone();
            s[axis] = 0;
            for (Nd p : parts) s[axis] += p.shape[axis];
            return build(s, idx -> {
                int i = idx[axis];
                for (Nd p : parts) {
                    if (i < p.shape[axis]) {
                        int[] src = idx.clone();
                        src[axis] = i;
                        return p.at(src);
                    }
                    i -= p.shape[axis];
                }
                throw new AssertionError();
            });
        }

        Nd unsqueeze(int axis) {
            int[] s = new int[ndim() + 1];
            for (int k = 0, j = 0; k < s.length; k++) s[k] = k == axis ? 1 : shape[j++];
            return reshape(s);
        }

        Nd repeat(int... reps) {
            Nd t = this;
            while (t.ndim() < reps.length) t = t.unsqueeze(0);
            Nd src = t;
            int[] s = new int[reps.length];
            for (int k = 0; k < s.length; k++) s[k] = reps[k] * src.shape[k];
            return build(s, idx -> {
                int[] i = new int[idx.length];
                for (int k = 0; k < idx.length; k++) i[k] = idx[k] % src.shape[k];
                return src.at(i);
            });
        }

        // ---------------------------------------------------------------- matmul

        /** numpy matmul: 1-D operands are vectors, leading dimensions broadcast. */
        Nd matmul(Nd w) {
            Nd a = ndim() == 1 ? unsqueeze(0) : this, b = w.ndim() == 1 ? w.unsqueeze(1) : w;
            int n = a.shape[a.ndim() - 2], k = a.shape[a.ndim() - 1], m = b.shape[b.ndim() - 1];
            int[] ba = Arrays.copyOf(a.shape, a.ndim() - 2), bb = Arrays.copyOf(b.shape, b.ndim() - 2);
            int nb = Math.max(ba.length, bb.length);
            int[] batch = new int[nb];
            for (int i = 0; i < nb; i++) batch[i] = Math.max(dimFromRight(ba, nb - 1 - i), dimFromRight(bb, nb - 1 - i));
            int[] out = Arrays.copyOf(batch, nb + 2);
            out[nb] = n;
            out[nb + 1] = m;
            Nd ae = a.expand(concat(batch, n, k)), be = b.expand(concat(batch, k, m));
            Nd r = build(out, idx -> {
                int[] ia = idx.clone(), ib = idx.clone();
                double s = 0;
                for (int j = 0; j < k; j++) {
                    ia[nb + 1] = j;
                    ib[nb] = j;
                    s += ae.at(ia) * be.at(ib);
                }
                return s;
            });
            if (ndim() == 1) r = r.squeezeAxis(-2 + r.ndim());
            if (w.ndim() == 1) r = r.squeezeAxis(r.ndim() - 1);
            return r;
        }

        private static int[] concat(int[] a, int x, int y) {
            int[] r = Arrays.copyOf(a, a.length + 2);
            r[a.length] = x;
            r[a.length + 1] = y;
            return r;
        }

        Nd abs() { return map(Math::abs); }
    }

    static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) r[i] = i;
        return r;
    }

    // ================================================================ comparison

    /** {@code got} has {@code expected}'s shape and every value within {@code atol + rtol * |expected|} (NaN matches NaN, infinities match exactly). */
    static void assertClose(String what, Nd expected, Tensor got, double rtol, double atol) {
        assertArrayEquals(expected.shape(), got.shape(), what + ": shape");
        assertClose(what, expected.v(), got.toFloatArray(), i -> atol + rtol * Math.abs(expected.v()[i]));
    }

    /** As above with a tolerance per element (e.g. scaled by the sum of magnitudes that went into a reduction). */
    static void assertClose(String what, Nd expected, Tensor got, Nd tolerance) {
        assertArrayEquals(expected.shape(), got.shape(), what + ": shape");
        assertClose(what, expected.v(), got.toFloatArray(), i -> tolerance.v()[i]);
    }

    interface Tol { double at(int i); }

    static void assertClose(String what, double[] expected, float[] got, Tol tol) {
        if (expected.length != got.length) fail(what + ": " + got.length + " values, expected " + expected.length);
        StringBuilder bad = new StringBuilder();
        int nBad = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], g = got[i];
            boolean ok = Double.isNaN(e) ? Double.isNaN(g)
                    : Double.isInfinite(e) ? e == g
                    : Math.abs(g - e) <= tol.at(i);
            if (!ok) {
                if (nBad++ < 5) bad.append(String.format("%n  [%d] expected %.9g got %.9g (diff %.3g, tol %.3g)", i, e, g, Math.abs(g - e), tol.at(i)));
            }
        }
        if (nBad > 0) fail(what + ": " + nBad + " of " + expected.length + " values differ" + bad);
    }

    /** Exact equality, for comparisons, int ops, argmax and movement of stored values. */
    static void assertExact(String what, Nd expected, Tensor got) {
        assertArrayEquals(expected.shape(), got.shape(), what + ": shape");
        assertClose(what, expected.v(), got.toFloatArray(), i -> 0);
    }
}
