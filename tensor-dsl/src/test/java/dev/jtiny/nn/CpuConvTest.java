// Convolutions on the Java backend as a copy of their windows and a register-tiled matmul (schedule.Im2col): values
// and gradients against float64 loops, for the layouts that rewrite has to get right.
package dev.jtiny.nn;

import dev.jtiny.Tensor;
import dev.jtiny.nn.ConvRef.Nd;
import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.KernelLog;
import dev.jtiny.runtime.device.VectorSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static dev.jtiny.nn.ConvRef.assertClose;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CpuConvTest {
    private final Random rnd = new Random(11);

    @BeforeEach void java() { Config.set("DEVICE", "JAVA"); }

    @AfterEach void reset() { Config.set("DEVICE", null); }

    private static int[] p(int a, int b) { return new int[]{a, b}; }

    /**
     * Whether these convolutions' products have rows of an even number of vectors, as the CPU's register tiles need:
     * with 8 lanes (AVX2, and the 4-lane NEON) their 368 and 784 columns do; with AVX-512's 16 they are 23 and 49
     * vectors, which no tile covers yet, so there only the values are checked.
     */
    private static boolean twoVectorTilesFit() {
        int lanes = VectorSupport.floatLanes();
        return lanes > 0 && 368 % (2 * lanes) == 0 && 784 % (2 * lanes) == 0;
    }

    /** The convolution's values, and that it ran as a copy of its windows and a tiled matmul (the kernel log's plans). */
    private void check(int[] xs, int[] ws, int[] stride, int[] pad, int[] dil, int groups) {
        Nd x = Nd.random(rnd, xs), w = Nd.random(rnd, ws), b = Nd.random(rnd, ws[0]);
        long mark = KernelLog.mark();
        Tensor y = Conv.conv2d(x.tensor(), w.tensor(), b.tensor(), stride, pad, dil, groups).realize();
        assertClose("conv2d " + java.util.Arrays.toString(xs) + " * " + java.util.Arrays.toString(ws), ConvRef.conv2d(x, w, b, stride, pad, dil, groups), y, 1e-4);
        List<KernelLog.Entry> ran = KernelLog.since(mark);
        if (twoVectorTilesFit()) assertTrue(ran.stream().anyMatch(e -> e.opts().stream().anyMatch(o -> o.contains("upcast output axes"))),
                "a register-tiled matmul ran: " + ran.stream().map(e -> e.name() + " " + e.opts()).toList());
    }

    @Test void paddedConvolutionWithPixelsInWholePanels() {
        check(new int[]{1, 16, 16, 16}, new int[]{32, 16, 3, 3}, p(1, 1), p(1, 1), p(1, 1), 1); // 256 pixels: 16 panels
    }

    @Test void batchAndPixelsThatDoNotFillTheLastPanel() {
        check(new int[]{2, 8, 13, 11}, new int[]{16, 8, 3, 3}, p(1, 1), p(1, 1), p(1, 1), 1); // 286 columns
    }

    @Test void rowsOfPixelsPaddedToWholePanels() {
        // 13 x 13 pixels: each row padded to 16 columns (a quarter or less added), so the windows are copied as 13
        // panels, one per row, whose index needs no division per lane; 169 columns padded as one run would be 11.
        long mark = KernelLog.mark();
        check(new int[]{1, 16, 13, 13}, new int[]{32, 16, 3, 3}, p(1, 1), p(1, 1), p(1, 1), 1);
        List<String> names = KernelLog.since(mark).stream().map(KernelLog.Entry::name).toList();
        assertTrue(names.contains("E_13_144_16"), () -> "the windows as 13 panels of 144 x 16: " + names);
    }

    @Test void strideDilationAndGroups() {
        check(new int[]{2, 16, 19, 17}, new int[]{16, 8, 3, 2}, p(2, 1), p(2, 1), p(2, 1), 2);
        check(new int[]{1, 12, 20, 20}, new int[]{24, 4, 3, 3}, p(1, 1), p(1, 1), p(1, 1), 3);
    }

    @Test void gradientsOfWeightsAndInputs() {
        // The weight gradient is itself a sum of windows times the output's gradient, lowered the same way.
        int[] st = p(1, 1), pd = p(1, 1), dl = p(1, 1);
        Nd x = Nd.random(rnd, 2, 6, 12, 10), w = Nd.random(rnd, 8, 6, 3, 3);
        Tensor tx = x.tensor().requiresGrad(true), tw = w.tensor().requiresGrad(true);
        Tensor y = Conv.conv2d(tx, tw, null, st, pd, dl, 1);
        Nd up = Nd.random(rnd, y.shape());
        y.mul(up.tensor()).sum().backward();
        // d/dw[co, ci, kh, kw] = sum over n, oh, ow of up[n, co, oh, ow] * x[n, ci, oh + kh - 1, ow + kw - 1]
        double[] dw = new double[8 * 6 * 9];
        for (int co = 0; co < 8; co++)
            for (int ci = 0; ci < 6; ci++)
                for (int kh = 0; kh < 3; kh++)
                    for (int kw = 0; kw < 3; kw++) {
                        double s = 0;
                        for (int n = 0; n < 2; n++)
                            for (int oh = 0; oh < 12; oh++)
                                for (int ow = 0; ow < 10; ow++) {
                                    int h = oh + kh - 1, c = ow + kw - 1;
                                    if (h >= 0 && h < 12 && c >= 0 && c < 10) s += up.get(n, co, oh, ow) * x.get(n, ci, h, c);
                                }
                        dw[((co * 6 + ci) * 3 + kh) * 3 + kw] = s;
                    }
        assertClose("d/dw", dw, tw.grad().toFloatArray(), 1e-4);
        // d/dx[n, ci, h, c] = sum over co, kh, kw of up[n, co, h - kh + 1, c - kw + 1] * w[co, ci, kh, kw]
        double[] dx = new double[2 * 6 * 12 * 10];
        for (int n = 0; n < 2; n++)
            for (int ci = 0; ci < 6; ci++)
                for (int h = 0; h < 12; h++)
                    for (int c = 0; c < 10; c++) {
                        double s = 0;
                        for (int co = 0; co < 8; co++)
                            for (int kh = 0; kh < 3; kh++)
                                for (int kw = 0; kw < 3; kw++) {
                                    int oh = h - kh + 1, ow = c - kw + 1;
                                    if (oh >= 0 && oh < 12 && ow >= 0 && ow < 10) s += up.get(n, co, oh, ow) * w.get(co, ci, kh, kw);
                                }
                        dx[((n * 6 + ci) * 12 + h) * 10 + c] = s;
                    }
        assertClose("d/dx", dx, tx.grad().toFloatArray(), 1e-4);
    }

    @Test void trainingStepGradientsThroughPoolingRunTiled() {
        // A training step's convolution large enough for every product to be lowered: the forward sum, the input's
        // gradient (the output's gradient times the weights summed over output channels, per channel and tap, then
        // summed back over the windows) and the weights' gradient (windows read along rows of pixels, so they are
        // made as rows and the output's gradient is copied into panels), with ReLU and a 2x2 max pool after it.
        // Reference: the same step in float64, which no rewrite touches (it only lowers float32 products).
        Nd x = Nd.random(rnd, 4, 16, 14, 14), w = Nd.random(rnd, 32, 16, 3, 3), b = Nd.random(rnd, 32), up = Nd.random(rnd, 4, 32, 7, 7);
        long mark = KernelLog.mark();
        Tensor[] f32 = step(x.tensor(), w.tensor(), b.tensor(), up.tensor());
        long tiled = KernelLog.since(mark).stream().filter(e -> e.opts().stream().anyMatch(o -> o.contains("upcast output axes"))).count();
        if (twoVectorTilesFit()) assertTrue(tiled >= 3, "forward, input gradient and weight gradient each ran a tiled matmul: " + KernelLog.since(mark).stream().map(e -> e.name() + " " + e.opts()).toList());
        Tensor[] f64 = step(f64(x), f64(w), f64(b), f64(up));
        String[] names = {"d/dx", "d/dw", "d/db"};
        for (int i = 0; i < 3; i++) assertClose(names[i], f64[i].toDoubleArray(), f32[i].toFloatArray(), 1e-4);
    }

    private static Tensor f64(Nd a) { return Tensor.of(a.v(), dev.jtiny.runtime.DType.FLOAT64, a.shape()); }

    /** Gradients of sum(maxPool2d(relu(conv(x, w) + b), 2) * up) for x, w and b. */
    private static Tensor[] step(Tensor x, Tensor w, Tensor b, Tensor up) {
        x.requiresGrad(true);
        w.requiresGrad(true);
        b.requiresGrad(true);
        Tensor y = Conv.conv2d(x, w, b, p(1, 1), p(1, 1), p(1, 1), 1).relu();
        Conv.maxPool2d(y, 2).mul(up).sum().backward();
        Tensor[] grads = {x.grad(), w.grad(), b.grad()};
        Tensor.realize(grads);
        return grads;
    }
}
