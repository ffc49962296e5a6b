// Optimizers and schedules against their formulas, computed in double on the host.
package dev.jtiny.optim;

import dev.jtiny.Tensor;
import dev.jtiny.nn.Linear;
import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.Counters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"JAVA", "OPENCL:0"})
class OptimTest {
    @Parameter String device;

    @AfterEach void reset() { Config.set("DEVICE", null); }

    private static final float[] W0 = {0.5f, -1.5f, 2.0f};

    /** Loss sum(w * c + w^2 / 2): its gradient is c + w, known in closed form. */
    private static final double[] C = {0.3, -0.7, 1.1};

    private Tensor param() {
        Config.set("DEVICE", device);
        return Tensor.of(W0.clone(), 3).contiguous().realize().detach().requiresGrad(true);
    }

    private static void loss(Tensor w) {
        w.mul(Tensor.of(new float[]{0.3f, -0.7f, 1.1f}, 3).to(w.device())).add(w.mul(w).mul(0.5)).sum().backward();
    }

    private static double grad(double w, int i) { return (float) C[i] + w; }

    private static void close(double[] expected, Tensor w) {
        float[] got = w.toFloatArray();
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], got[i], 1e-5 * Math.max(1, Math.abs(expected[i])), "element " + i);
        }
    }

    private static void run(Optimizer opt, Tensor w, int steps) {
        for (int s = 0; s < steps; s++) {
            opt.zeroGrad();
            loss(w);
            opt.step();
        }
    }

    @Test void plainSgd() {
        Tensor w = param();
        run(new SGD(List.of(w), 0.1), w, 4);
        double[] e = new double[3];
        for (int i = 0; i < 3; i++) {
            double x = W0[i];
            for (int s = 0; s < 4; s++) x -= 0.1 * grad(x, i);
            e[i] = x;
        }
        close(e, w);
    }

    @Test void sgdWithMomentumNesterovAndWeightDecay() {
        for (boolean nesterov : new boolean[]{false, true}) {
            Tensor w = param();
            run(new SGD(List.of(w), 0.05, 0.9, nesterov, 0.01), w, 5);
            double[] e = new double[3];
            for (int i = 0; i < 3; i++) {
                double x = W0[i], v = 0;
                for (int s = 0; s < 5; s++) {
                    double g = grad(x, i) + 0.01 * x;
                    v = 0.9 * v + g;
                    x -= 0.05 * (nesterov ? g + 0.9 * v : v);
                }
                e[i] = x;
            }
            close(e, w);
        }
    }

    @Test void adamAndAdamW() {
        for (double wd : new double[]{0, 0.1}) {
            Tensor w = param();
            run(wd == 0 ? new Adam(List.of(w), 0.01) : Adam.adamW(List.of(w), 0.01, wd), w, 6);
            double[] e = new double[3];
            for (int i = 0; i < 3; i++) {
                double x = W0[i], m = 0, v = 0;
                for (int t = 1; t <= 6; t++) {
                    double g = grad(x, i);
                    m = 0.9 * m + 0.1 * g;
                    v = 0.999 * v + 0.001 * g * g;
                    double mh = m / (1 - Math.pow(0.9, t)), vh = v / (1 - Math.pow(0.999, t));
                    x -= 0.01 * (mh / (Math.sqrt(vh) + 1e-8) + wd * x);
                }
                e[i] = x;
            }
            close(e, w);
        }
    }

    @Test void schedulesChangeTheRateWithoutNewKernels() {
        Tensor w = param();
        SGD opt = new SGD(List.of(w), 0.1);
        run(opt, w, 1);
        double[] x = {W0[0], W0[1], W0[2]};
        for (int i = 0; i < 3; i++) x[i] -= 0.1 * grad(x[i], i);
        run(opt, w, 1); // every kernel of a step is compiled by now
        for (int i = 0; i < 3; i++) x[i] -= 0.1 * grad(x[i], i);
        long compiled = Counters.compileCount();
        for (int s = 1; s <= 4; s++) {
            Schedules.cosine(opt, 0.1, 0.01, s, 4);
            double lr = 0.01 + 0.5 * 0.09 * (1 + Math.cos(Math.PI * s / 4));
            assertEquals(lr, opt.learningRate(), 1e-12);
            run(opt, w, 1);
            for (int i = 0; i < 3; i++) x[i] -= (float) lr * grad(x[i], i);
        }
        close(x, w);
        assertEquals(compiled, Counters.compileCount(), "a new learning rate is data, not code");
        Schedules.step(opt, 0.1, 25, 10, 0.5);
        assertEquals(0.025, opt.learningRate(), 1e-12);
    }

    @Test void anAdamStepOnALinearLayerIsAFewFusedKernels() {
        Config.set("DEVICE", device);
        Tensor.manualSeed(2);
        Linear lin = new Linear(32, 128);
        Adam opt = new Adam(dev.jtiny.nn.Layer.parameters(lin), 1e-3);
        assertEquals(List.of(lin.weight, lin.bias), opt.params);
        Tensor x = Tensor.rand(16, 32).realize();
        lin.forward(x).sum().backward();
        Tensor.realize(lin.weight.grad(), lin.bias.grad());
        Counters.reset();
        opt.step();
        // weight, its two moments, bias, its two moments, and the two bias-correction powers; tinygrad needs 13.
        assertEquals(8, Counters.kernelCount());
        opt.zeroGrad();
        lin.forward(x).sum().backward();
        Counters.reset();
        opt.step();
        assertEquals(10, Counters.kernelCount(), "the two gradient kernels join the same schedule");
    }

    @Test void badInputIsNamed() {
        Config.set("DEVICE", device);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(Tensor.ones(2)), 0.1));
        assertTrue(e.getMessage().contains("does not require a gradient"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(), 0.1));
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(param()), 0.1, 0, true, 0));
    }
}
