// Conv2d, ConvTranspose2d, BatchNorm2d, GroupNorm and Embedding layers against float64 loops: init, values, state, errors.
package dev.jtiny.nn;

import dev.jtiny.Tensor;
import dev.jtiny.nn.ConvRef.Nd;
import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.Counters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Random;

import static dev.jtiny.nn.ConvRef.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"JAVA", "OPENCL:0"})
class SpatialLayersTest {
    @Parameter String device;
    private final Random rnd = new Random(11);

    @BeforeEach void onDevice() {
        Config.set("DEVICE", device);
        Tensor.manualSeed(11);
    }

    @AfterEach void reset() { Config.set("DEVICE", null); }

    private static int[] p(int a, int b) { return new int[]{a, b}; }

    private static Nd read(Tensor t) {
        float[] f = t.toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return new Nd(t.shape(), d);
    }

    /** Every value within ±bound and, where there are enough to tell, some near it: uniform init with that bound. */
    private static void assertUniformInit(String what, Tensor t, double bound) {
        double max = 0;
        float[] v = t.toFloatArray();
        for (float f : v) {
            assertTrue(Math.abs(f) <= bound, what + ": " + f + " outside ±" + bound);
            max = Math.max(max, Math.abs(f));
        }
        if (v.length >= 50) assertTrue(max > 0.9 * bound, what + ": largest |value| " + max + " is far below the bound " + bound);
    }

    @Test void conv2dLayer() {
        Conv2d conv = new Conv2d(4, 6, 3, 2, 1, 1, 2, true);
        assertEquals("Conv2d(4, 6, 3, stride=2, padding=1, groups=2)", conv.toString());
        assertEquals(List.of("weight", "bias"), List.copyOf(conv.namedParameters().keySet()));
        assertEquals(List.of(6, 2, 3, 3), List.of(conv.weight.shape()[0], conv.weight.shape()[1], conv.weight.shape()[2], conv.weight.shape()[3]));
        double bound = 1 / Math.sqrt(2 * 9);
        assertUniformInit("weight", conv.weight, bound);
        assertUniformInit("bias", conv.bias, bound);
        assertTrue(conv.weight.requiresGrad() && conv.bias.requiresGrad());

        Nd x = Nd.random(rnd, 2, 4, 7, 5);
        assertClose("Conv2d forward", ConvRef.conv2d(x, read(conv.weight), read(conv.bias), p(2, 2), p(1, 1), p(1, 1), 2), conv.forward(x.tensor()), 1e-5);
        Conv2d noBias = new Conv2d(3, 2, new int[]{2, 3}, p(1, 2), p(0, 1), p(2, 1), 1, false);
        assertEquals("Conv2d(3, 2, (2, 3), stride=(1, 2), padding=(0, 1), dilation=(2, 1), bias=false)", noBias.toString());
        assertEquals(List.of("weight"), List.copyOf(noBias.namedParameters().keySet()));

        var e = assertThrows(IllegalArgumentException.class, () -> new Conv2d(3, 8, 3).forward(Tensor.zeros(2, 4, 28, 28)));
        assertEquals("Conv2d(3, 8, 3): input of shape [2, 4, 28, 28] has 4 channels, expected 3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Conv2d(4, 6, 3, 1, 0, 1, 4, true));
        assertEquals("Conv2d(4, 6, 3, groups=4): groups 4 must divide both 4 input and 6 output channels", e.getMessage());
    }

    @Test void convTranspose2dLayer() {
        ConvTranspose2d up = new ConvTranspose2d(4, 6, 3, 2, 1, 1, 1, 2, true);
        assertEquals("ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2)", up.toString());
        assertEquals(4, up.weight.shape()[0]);
        assertEquals(3, up.weight.shape()[1]);
        double bound = 1 / Math.sqrt(3 * 9);
        assertUniformInit("weight", up.weight, bound);
        assertUniformInit("bias", up.bias, bound);
        Nd x = Nd.random(rnd, 2, 4, 5, 3);
        Tensor y = up.forward(x.tensor());
        assertEquals(List.of(2, 6, 10, 6), List.of(y.shape()[0], y.shape()[1], y.shape()[2], y.shape()[3]));
        assertClose("ConvTranspose2d forward", ConvRef.convTranspose2d(x, read(up.weight), read(up.bias), p(2, 2), p(1, 1), p(1, 1), p(1, 1), 2), y, 1e-5);
        var e = assertThrows(IllegalArgumentException.class, () -> up.forward(Tensor.zeros(1, 3, 4, 4)));
        assertEquals("ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2): input of shape [1, 3, 4, 4] has 3 channels, expected 4", e.getMessage());
    }

    // ================================================================ batch norm

    /** (x - mean) / sqrt(var + eps) * w + b per channel of a 4-D array. */
    private static Nd normalise(Nd x, double[] mean, double[] var, Nd w, Nd b, double eps) {
        int c = x.shape()[1], hw = x.shape()[2] * x.shape()[3];
        double[] y = new double[x.v().length];
        for (int i = 0; i < y.length; i++) {
            int ch = (i / hw) % c;
            y[i] = (x.v()[i] - mean[ch]) / Math.sqrt(var[ch] + eps) * w.v()[ch] + b.v()[ch];
        }
        return new Nd(x.shape(), y);
    }

    /** Per-channel mean and variance over (N, H, W) with divisor n - correction. */
    private static double[][] channelStats(Nd x, int correction) {
        int n = x.shape()[0], c = x.shape()[1], hw = x.shape()[2] * x.shape()[3];
        double[] mean = new double[c], var = new double[c];
        for (int i = 0; i < x.v().length; i++) mean[(i / hw) % c] += x.v()[i] / (n * hw);
        for (int i = 0; i < x.v().length; i++) {
            double d = x.v()[i] - mean[(i / hw) % c];
            var[(i / hw) % c] += d * d / (n * hw - correction);
        }
        return new double[][]{mean, var};
    }

    private static Nd shifted(Nd x, double scale, double shift) {
        double[] v = x.v().clone();
        for (int i = 0; i < v.length; i++) v[i] = (float) (v[i] * scale + shift);
        return new Nd(x.shape(), v);
    }

    @Test void batchNormTrainingAndEval() {
        BatchNorm2d bn = new BatchNorm2d(4);
        assertEquals(List.of("weight", "bias"), List.copyOf(bn.namedParameters().keySet()));
        assertEquals(List.of("weight", "bias", "running_mean", "running_var"), List.copyOf(bn.stateDict().keySet()));
        assertFalse(bn.runningMean.requiresGrad());
        Nd w = Nd.random(rnd, 4), b = Nd.random(rnd, 4);
        bn.weight.assign(w.tensor()).realize();
        bn.bias.assign(b.tensor()).realize();

        double[] rm = {0, 0, 0, 0}, rv = {1, 1, 1, 1};
        for (int step = 0; step < 2; step++) {
            Nd x = shifted(Nd.random(rnd, 3, 4, 5, 3), 2, 0.5 + step);
            double[][] biased = channelStats(x, 0), unbiased = channelStats(x, 1);
            assertClose("training step " + step, normalise(x, biased[0], biased[1], w, b, 1e-5), bn.forward(x.tensor()), 1e-4);
            for (int c = 0; c < 4; c++) {
                rm[c] = 0.9 * rm[c] + 0.1 * unbiased[0][c];
                rv[c] = 0.9 * rv[c] + 0.1 * unbiased[1][c];
            }
            assertClose("running_mean after step " + step, rm, bn.runningMean.toFloatArray(), 1e-5);
            assertClose("running_var after step " + step, rv, bn.runningVar.toFloatArray(), 1e-5);
        }

        bn.train(false);
        Nd x = Nd.random(rnd, 2, 4, 3, 5);
        assertClose("eval", normalise(x, rm, rv, w, b, 1e-5), bn.forward(x.tensor()), 1e-5);
        assertClose("eval leaves running_mean", rm, bn.runningMean.toFloatArray(), 1e-5);

        var e = assertThrows(IllegalArgumentException.class, () -> bn.forward(Tensor.zeros(2, 3, 4, 4)));
        assertEquals("BatchNorm2d(4): input of shape [2, 3, 4, 4] has 3 channels, expected 4", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new BatchNorm2d(4).forward(Tensor.zeros(1, 4, 1, 1)));
        assertEquals("BatchNorm2d(4): training needs more than one value per channel, got input of shape [1, 4, 1, 1]", e.getMessage());
    }

    @Test void batchNormTrainingGradient() {
        BatchNorm2d bn = new BatchNorm2d(3);
        Nd w = Nd.random(rnd, 3), b = Nd.random(rnd, 3);
        bn.weight.assign(w.tensor()).realize();
        bn.bias.assign(b.tensor()).realize();
        Nd x = Nd.random(rnd, 2, 3, 4, 3);
        Tensor tx = x.tensor().requiresGrad(true);
        Tensor y = bn.forward(tx);
        Nd up = Nd.random(rnd, y.shape());
        y.mul(up.tensor()).sum().backward();
        assertClose("d/dx", ConvRef.numericGrad(x, up, q -> {
            double[][] st = channelStats(q, 0);
            return normalise(q, st[0], st[1], w, b, 1e-5);
        }), tx.grad().toFloatArray(), 1e-3);
        double[][] st = channelStats(x, 0);
        assertClose("d/dweight", ConvRef.numericGrad(w, up, q -> normalise(x, st[0], st[1], q, b, 1e-5)), bn.weight.grad().toFloatArray(), 1e-4);
        assertClose("d/dbias", ConvRef.numericGrad(b, up, q -> normalise(x, st[0], st[1], w, q, 1e-5)), bn.bias.grad().toFloatArray(), 1e-4);
    }

    @Test void batchNormKernels() {
        BatchNorm2d bn = new BatchNorm2d(4);
        Tensor x = Tensor.rand(8, 4, 6, 5).realize();
        Counters.reset();
        Tensor y = bn.forward(x);
        long statistics = Counters.kernelCount();
        y.realize();
        long output = Counters.kernelCount() - statistics;
        bn.train(false);
        Counters.reset();
        bn.forward(x).realize();
        long eval = Counters.kernelCount();
        System.out.println("BatchNorm2d kernels on " + device + ": training " + statistics + " (statistics, running update) + " + output + " (output); eval " + eval);
        assertEquals(1, output);
        assertEquals(1, eval);
    }

    // ================================================================ group norm

    @Test void groupNorm() {
        GroupNorm gn = new GroupNorm(2, 6);
        assertEquals(List.of("weight", "bias"), List.copyOf(gn.namedParameters().keySet()));
        Nd w = Nd.random(rnd, 6), b = Nd.random(rnd, 6);
        gn.weight.assign(w.tensor()).realize();
        gn.bias.assign(b.tensor()).realize();
        for (int[] shape : new int[][]{{2, 6, 5, 3}, {3, 6, 7}}) {
            Nd x = shifted(Nd.random(rnd, shape), 3, 1);
            int n = shape[0], per = x.v().length / n / 2, spatial = per / 3;
            double[] y = new double[x.v().length];
            for (int s = 0; s < n; s++) {
                for (int g = 0; g < 2; g++) {
                    int base = (s * 2 + g) * per;
                    double mean = 0, var = 0;
                    for (int i = 0; i < per; i++) mean += x.v()[base + i] / per;
                    for (int i = 0; i < per; i++) var += (x.v()[base + i] - mean) * (x.v()[base + i] - mean) / per;
                    for (int i = 0; i < per; i++) {
                        int ch = g * 3 + i / spatial;
                        y[base + i] = (x.v()[base + i] - mean) / Math.sqrt(var + 1e-5) * w.v()[ch] + b.v()[ch];
                    }
                }
            }
            assertClose("GroupNorm " + java.util.Arrays.toString(shape), new Nd(shape, y), gn.forward(x.tensor()), 1e-4);
        }
        var e = assertThrows(IllegalArgumentException.class, () -> new GroupNorm(4, 6));
        assertEquals("GroupNorm(4, 6): groups must be positive and divide the channels", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> gn.forward(Tensor.zeros(2, 4, 3, 3)));
        assertEquals("GroupNorm(2, 6): input of shape [2, 4, 3, 3] has 4 channels, expected 6", e.getMessage());
    }

    // ================================================================ embedding

    @Test void embeddingLookupAndGradient() {
        Embedding emb = new Embedding(7, 5);
        assertEquals(List.of("weight"), List.copyOf(emb.namedParameters().keySet()));
        int[] idx = {3, 0, 6, 3, 3, 1};
        Nd w = read(emb.weight);
        Tensor y = emb.forward(Tensor.of(idx, 2, 3));
        double[] e = new double[idx.length * 5];
        for (int i = 0; i < idx.length; i++) for (int d = 0; d < 5; d++) e[i * 5 + d] = w.get(idx[i], d);
        assertClose("lookup", new Nd(new int[]{2, 3, 5}, e), y, 0);

        Nd up = Nd.random(rnd, 2, 3, 5);
        y.mul(up.tensor()).sum().backward();
        double[] g = new double[7 * 5];
        for (int i = 0; i < idx.length; i++) for (int d = 0; d < 5; d++) g[idx[i] * 5 + d] += up.v()[i * 5 + d];
        assertClose("d/dweight (rows summed over repeated indices)", g, emb.weight.grad().toFloatArray(), 1e-6);

        var ex = assertThrows(IllegalArgumentException.class, () -> emb.forward(Tensor.zeros(2, 3)));
        assertEquals("Embedding(7, 5): indices must be int32, got a float tensor of shape [2, 3]", ex.getMessage());
    }
}
