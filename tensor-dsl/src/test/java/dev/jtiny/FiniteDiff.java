// Central finite differences in float64 for the gradient checks: derivatives of a scalar function of n-d arrays,
// taken through a float64 reference on the host so that float32 rounding never enters a difference quotient.
package dev.jtiny;

import dev.jtiny.Reference.Nd;

import java.util.function.ToDoubleFunction;

final class FiniteDiff {
    private FiniteDiff() {}

    /**
     * Relative step. Truncation error is about h² (1e-10) and rounding about 1e-16 / h (1e-11), both far below the
     * float32 noise of the gradients under test; inputs keep further than 100 h from any kink (relu, abs, max, clamp).
     */
    static final double H = 1e-5;

    /** d f / d inputs[k] at every element of inputs[k]: (f(x + h) - f(x - h)) / 2h. The inputs are left as they were. */
    static double[] gradient(ToDoubleFunction<Nd[]> f, Nd[] inputs, int k) {
        return gradient(f, inputs, k, java.util.stream.IntStream.range(0, inputs[k].v().length).toArray());
    }

    /** The same at the listed elements only (for inputs too large to difference element by element). */
    static double[] gradient(ToDoubleFunction<Nd[]> f, Nd[] inputs, int k, int[] at) {
        Nd[] xs = inputs.clone();
        double[] v = inputs[k].v().clone();
        xs[k] = new Nd(inputs[k].shape(), v);
        double[] g = new double[at.length];
        for (int j = 0; j < at.length; j++) {
            int i = at[j];
            double x = v[i], h = H * Math.max(1, Math.abs(x));
            v[i] = x + h;
            double up = f.applyAsDouble(xs);
            v[i] = x - h;
            double down = f.applyAsDouble(xs);
            v[i] = x;
            g[j] = (up - down) / (2 * h);
        }
        return g;
    }

    /** The derivative along {@code direction} (all elements of inputs[k] moved at once): the gradient dotted with it. */
    static double directional(ToDoubleFunction<Nd[]> f, Nd[] inputs, int k, double[] direction) {
        Nd[] xs = inputs.clone();
        double[] base = inputs[k].v(), v = new double[base.length];
        xs[k] = new Nd(inputs[k].shape(), v);
        for (int i = 0; i < v.length; i++) v[i] = base[i] + H * direction[i];
        double up = f.applyAsDouble(xs);
        for (int i = 0; i < v.length; i++) v[i] = base[i] - H * direction[i];
        double down = f.applyAsDouble(xs);
        return (up - down) / (2 * H);
    }

    /** {@code sum(out * weights)}: a scalar in which every output element counts, with its own weight. */
    static double weightedSum(Nd out, Nd weights) {
        if (out.v().length != weights.v().length) throw new IllegalArgumentException("reference output has " + out.v().length + " values, weights " + weights.v().length);
        double s = 0;
        for (int i = 0; i < out.v().length; i++) s += out.v()[i] * weights.v()[i];
        return s;
    }

    static double maxAbs(double[] v) {
        double m = 0;
        for (double x : v) m = Math.max(m, Math.abs(x));
        return m;
    }
}
