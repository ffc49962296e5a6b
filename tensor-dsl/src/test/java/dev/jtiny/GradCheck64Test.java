// Gradients of the composite ops added for training, checked in float64 against central differences of the same
// float64 computation: precise enough (1e-6) to catch any wrong rule without a hand-written reference per op.
package dev.jtiny;

import dev.jtiny.nn.Conv;
import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.DType;
import org.junit.jupiter.api.AfterEach;

import java.util.Random;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;

class GradCheck64Test {
    @AfterEach void reset() { Config.set("DEVICE", null); }

    /** Checks d/dx sum(f(x) * r) for a float64 x of the given shape, element by element. */
    private static void check(String name, UnaryOperator<Tensor> f, int... shape) {
        Random rnd = new Random(name.hashCode());
        int n = 1;
        for (int s : shape) n *= s;
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = rnd.nextDouble() * 2 - 1;
        Tensor probe = f.apply(Tensor.of(x, DType.FLOAT64, shape));
        double[] r = new double[(int) probe.numel()];
        for (int i = 0; i < r.length; i++) r[i] = rnd.nextDouble() * 2 - 1;
        Tensor weights = Tensor.of(r, DType.FLOAT64, probe.shape());

        Tensor xt = Tensor.of(x, DType.FLOAT64, shape).requiresGrad(true);
        f.apply(xt).mul(weights).sum().backward();
        double[] analytic = xt.grad().toDoubleArray();

        double h = 1e-6;
        for (int i = 0; i < n; i++) {
            double[] up = x.clone(), down = x.clone();
            up[i] += h;
            down[i] -= h;
            double fu = f.apply(Tensor.of(up, DType.FLOAT64, shape)).mul(weights).sum().toDoubleArray()[0];
            double fd = f.apply(Tensor.of(down, DType.FLOAT64, shape)).mul(weights).sum().toDoubleArray()[0];
            double numeric = (fu - fd) / (2 * h);
            assertEquals(numeric, analytic[i], 1e-6 * Math.max(1, Math.abs(numeric)), name + ": d/dx[" + i + "]");
        }
    }

    @OnEachDevice void indexingScansAndTriangles(String device) {
        Config.set("DEVICE", device);
        check("gather", x -> x.gather(1, Tensor.of(new int[]{2, 0, 0, 1, 3, 3}, 2, 3)), 2, 4);
        check("take", x -> x.take(0, Tensor.ofInts(2, 0, 2)), 3, 2);
        check("cumsum", x -> x.cumsum(1), 2, 5);
        check("triu", x -> x.triu(1).mul(x), 3, 4);
        check("tril", x -> x.tril(0).exp(), 3, 3);
    }

    @OnEachDevice void einsumAndAttention(String device) {
        Config.set("DEVICE", device);
        Tensor b = Tensor.of(new double[]{0.5, -1, 2, 0.25, 1.5, -0.75}, DType.FLOAT64, 3, 2);
        check("einsum ij,jk->ik", x -> Tensor.einsum("ij,jk->ik", x, b), 2, 3);
        check("einsum ij->ji", x -> Tensor.einsum("ij->ji", x.mul(x)), 2, 3);
        Tensor k = Tensor.of(new double[]{0.1, 0.4, -0.3, 0.8, 0.5, -0.2, 0.7, 0.0, -0.6, 0.3, 0.2, 0.9}, DType.FLOAT64, 4, 3);
        check("attention (causal)", q -> Tensor.scaledDotProductAttention(q, k, k.mul(2), null, true), 4, 3);
        check("attention (keys)", kk -> Tensor.scaledDotProductAttention(k, kk, kk, null, false), 4, 3);
    }

    @OnEachDevice void spatialOps(String device) {
        Config.set("DEVICE", device);
        check("interpolate bilinear", x -> Conv.interpolate(x, 5, 3, "bilinear"), 1, 1, 3, 2);
        check("avgPool2d", x -> Conv.avgPool2d(x, 2, 1, 1), 1, 1, 3, 3);
        Tensor w = Tensor.of(new double[]{0.2, -0.1, 0.4, 0.3, -0.5, 0.1, 0.6, 0.2}, DType.FLOAT64, 2, 1, 2, 2);
        check("conv2d stride 2 dilation 1", x -> Conv.conv2d(x, w, null, 2, 1), 1, 1, 4, 3);
    }
}
