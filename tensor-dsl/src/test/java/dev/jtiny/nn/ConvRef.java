// Float64 references for the spatial ops, written as the plain loops of their definitions (independent of the DSL),
// plus the helpers the nn tests share: inputs, comparisons and central finite differences.
package dev.jtiny.nn;

import dev.jtiny.Tensor;

import java.util.Arrays;
import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

final class ConvRef {
    private ConvRef() {}

    /** A row-major float64 n-d array. */
    record Nd(int[] shape, double[] v) {
        static Nd zeros(int... shape) { return new Nd(shape, new double[numel(shape)]); }

        /** Values that float32 holds exactly, so the DSL and the reference see the same numbers. */
        static Nd random(Random rnd, int... shape) {
            double[] v = new double[numel(shape)];
            for (int i = 0; i < v.length; i++) v[i] = (float) (2 * rnd.nextDouble() - 1);
            return new Nd(shape, v);
        }

        Tensor tensor() {
            float[] f = new float[v.length];
            for (int i = 0; i < f.length; i++) f[i] = (float) v[i];
            return Tensor.of(f, shape);
        }

        Nd copy() { return new Nd(shape, v.clone()); }

        int at(int... idx) {
            int flat = 0;
            for (int i = 0; i < idx.length; i++) flat = flat * shape[i] + idx[i];
            return flat;
        }

        double get(int... idx) { return v[at(idx)]; }
    }

    static int numel(int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        return n;
    }

    // ================================================================ ops

    /** PyTorch's conv2d: out[n, co, oy, ox] = b[co] + sum over the group's ci, ky, kx of x[...] * w[co, ci', ky, kx]. */
    static Nd conv2d(Nd x, Nd w, Nd b, int[] stride, int[] pad, int[] dil, int groups) {
        int n = x.shape[0], cin = x.shape[1], h = x.shape[2], wd = x.shape[3];
        int cout = w.shape[0], cg = w.shape[1], kh = w.shape[2], kw = w.shape[3];
        int oh = (h + 2 * pad[0] - dil[0] * (kh - 1) - 1) / stride[0] + 1;
        int ow = (wd + 2 * pad[1] - dil[1] * (kw - 1) - 1) / stride[1] + 1;
        int cog = cout / groups;
        Nd out = Nd.zeros(n, cout, oh, ow);
        for (int ni = 0; ni < n; ni++)
            for (int co = 0; co < cout; co++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        double acc = b == null ? 0 : b.v[co];
                        int g = co / cog;
                        for (int c = 0; c < cg; c++)
                            for (int ky = 0; ky < kh; ky++)
                                for (int kx = 0; kx < kw; kx++) {
                                    int iy = oy * stride[0] - pad[0] + ky * dil[0], ix = ox * stride[1] - pad[1] + kx * dil[1];
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                                    acc += x.get(ni, g * cg + c, iy, ix) * w.get(co, c, ky, kx);
                                }
                        out.v[out.at(ni, co, oy, ox)] = acc;
                    }
        return out;
    }

    /** PyTorch's conv_transpose2d by its definition: every input pixel scatters w[ci, j] into the output. */
    static Nd convTranspose2d(Nd x, Nd w, Nd b, int[] stride, int[] pad, int[] outPad, int[] dil, int groups) {
        int n = x.shape[0], cin = x.shape[1], h = x.shape[2], wd = x.shape[3];
        int cog = w.shape[1], kh = w.shape[2], kw = w.shape[3], cig = cin / groups, cout = cog * groups;
        int oh = (h - 1) * stride[0] - 2 * pad[0] + dil[0] * (kh - 1) + outPad[0] + 1;
        int ow = (wd - 1) * stride[1] - 2 * pad[1] + dil[1] * (kw - 1) + outPad[1] + 1;
        Nd out = Nd.zeros(n, cout, oh, ow);
        for (int ni = 0; ni < n; ni++)
            for (int ci = 0; ci < cin; ci++)
                for (int iy = 0; iy < h; iy++)
                    for (int ix = 0; ix < wd; ix++)
                        for (int j = 0; j < cog; j++)
                            for (int ky = 0; ky < kh; ky++)
                                for (int kx = 0; kx < kw; kx++) {
                                    int oy = iy * stride[0] - pad[0] + ky * dil[0], ox = ix * stride[1] - pad[1] + kx * dil[1];
                                    if (oy < 0 || oy >= oh || ox < 0 || ox >= ow) continue;
                                    out.v[out.at(ni, (ci / cig) * cog + j, oy, ox)] += x.get(ni, ci, iy, ix) * w.get(ci, j, ky, kx);
                                }
        if (b != null) for (int i = 0; i < out.v.length; i++) out.v[i] += b.v[(i / (oh * ow)) % cout];
        return out;
    }

    /** Max or mean (count_include_pad) over windows of the last two dimensions of a 4-D array. */
    static Nd pool(Nd x, int[] k, int[] stride, int[] pad, int[] dil, boolean max) {
        int n = x.shape[0], c = x.shape[1], h = x.shape[2], wd = x.shape[3];
        int oh = (h + 2 * pad[0] - dil[0] * (k[0] - 1) - 1) / stride[0] + 1;
        int ow = (wd + 2 * pad[1] - dil[1] * (k[1] - 1) - 1) / stride[1] + 1;
        Nd out = Nd.zeros(n, c, oh, ow);
        for (int ni = 0; ni < n; ni++)
            for (int ci = 0; ci < c; ci++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        double acc = max ? Double.NEGATIVE_INFINITY : 0;
                        for (int ky = 0; ky < k[0]; ky++)
                            for (int kx = 0; kx < k[1]; kx++) {
                                int iy = oy * stride[0] - pad[0] + ky * dil[0], ix = ox * stride[1] - pad[1] + kx * dil[1];
                                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                                double v = x.get(ni, ci, iy, ix);
                                acc = max ? Math.max(acc, v) : acc + v;
                            }
                        out.v[out.at(ni, ci, oy, ox)] = max ? acc : acc / (k[0] * k[1]);
                    }
        return out;
    }

    /** PyTorch's nearest (floor(dst * in/out) in float32) and bilinear (align_corners=False) resizing of a 4-D array. */
    static Nd interpolate(Nd x, int oh, int ow, String mode) {
        int n = x.shape[0], c = x.shape[1], h = x.shape[2], wd = x.shape[3];
        Nd out = Nd.zeros(n, c, oh, ow);
        for (int ni = 0; ni < n; ni++)
            for (int ci = 0; ci < c; ci++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        double v;
                        if (mode.equals("nearest")) {
                            int iy = Math.min((int) Math.floor(oy * ((float) h / oh)), h - 1);
                            int ix = Math.min((int) Math.floor(ox * ((float) wd / ow)), wd - 1);
                            v = x.get(ni, ci, iy, ix);
                        } else {
                            double sy = Math.max((oy + 0.5) * h / oh - 0.5, 0), sx = Math.max((ox + 0.5) * wd / ow - 0.5, 0);
                            int y0 = (int) sy, x0 = (int) sx, y1 = Math.min(y0 + 1, h - 1), x1 = Math.min(x0 + 1, wd - 1);
                            double ly = sy - y0, lx = sx - x0;
                            v = (1 - ly) * ((1 - lx) * x.get(ni, ci, y0, x0) + lx * x.get(ni, ci, y0, x1))
                                    + ly * ((1 - lx) * x.get(ni, ci, y1, x0) + lx * x.get(ni, ci, y1, x1));
                        }
                        out.v[out.at(ni, ci, oy, ox)] = v;
                    }
        return out;
    }

    // ================================================================ comparisons and gradients

    static void assertClose(String what, Nd expected, Tensor got, double tol) {
        assertArrayEquals(expected.shape, got.shape(), what + ": shape");
        assertClose(what, expected.v, got.toFloatArray(), tol);
    }

    static void assertClose(String what, double[] expected, float[] got, double tol) {
        if (expected.length != got.length) fail(what + ": " + got.length + " values, expected " + expected.length);
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(got[i] - expected[i]);
            if (!(err <= tol * Math.max(1, Math.abs(expected[i])))) {
                fail(what + ": element " + i + " is " + got[i] + ", expected " + expected[i] + " (error " + err + ", tolerance " + tol + ")");
            }
        }
    }

    /** The reference gradient of sum(f(p) * upstream) with respect to {@code p}, by central differences. */
    static double[] numericGrad(Nd p, Nd upstream, Function<Nd, Nd> f) {
        double h = 1e-6;
        double[] g = new double[p.v.length];
        Nd q = p.copy();
        for (int i = 0; i < g.length; i++) {
            double keep = q.v[i];
            q.v[i] = keep + h;
            double plus = dot(f.apply(q), upstream);
            q.v[i] = keep - h;
            double minus = dot(f.apply(q), upstream);
            q.v[i] = keep;
            g[i] = (plus - minus) / (2 * h);
        }
        return g;
    }

    private static double dot(Nd a, Nd b) {
        if (!Arrays.equals(a.shape, b.shape)) throw new IllegalArgumentException(Arrays.toString(a.shape) + " vs " + Arrays.toString(b.shape));
        double s = 0;
        for (int i = 0; i < a.v.length; i++) s += a.v[i] * b.v[i];
        return s;
    }
}
