// Conv2d, conv transpose, pooling and interpolation against float64 loops: values, gradients, kernel counts, errors.
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

import java.util.Random;

import static dev.jtiny.nn.ConvRef.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"JAVA", "OPENCL:0"})
class ConvTest {
    @Parameter String device;
    private final Random rnd = new Random(7);

    @BeforeEach void onDevice() {
        Config.set("DEVICE", device);
        Tensor.manualSeed(7);
    }

    @AfterEach void reset() { Config.set("DEVICE", null); }

    private static int[] p(int a, int b) { return new int[]{a, b}; }

    private void checkConv(int[] xs, int[] ws, boolean bias, int[] stride, int[] pad, int[] dil, int groups) {
        Nd x = Nd.random(rnd, xs), w = Nd.random(rnd, ws), b = bias ? Nd.random(rnd, ws[0]) : null;
        Tensor y = Conv.conv2d(x.tensor(), w.tensor(), bias ? b.tensor() : null, stride, pad, dil, groups);
        assertClose("conv2d", ConvRef.conv2d(x, w, b, stride, pad, dil, groups), y, 1e-5);
    }

    @Test void conv2dPlain() {
        checkConv(new int[]{2, 3, 7, 5}, new int[]{4, 3, 3, 3}, true, p(1, 1), p(0, 0), p(1, 1), 1);
        checkConv(new int[]{2, 3, 7, 5}, new int[]{5, 3, 1, 1}, false, p(1, 1), p(0, 0), p(1, 1), 1);
    }

    @Test void conv2dStridePaddingGroups() { checkConv(new int[]{2, 4, 7, 5}, new int[]{6, 2, 2, 3}, true, p(2, 2), p(1, 1), p(1, 1), 2); }

    @Test void conv2dDilationStridePaddingGroupsTogether() {
        checkConv(new int[]{2, 4, 9, 7}, new int[]{4, 2, 3, 3}, true, p(2, 2), p(1, 1), p(2, 2), 2);
        checkConv(new int[]{1, 3, 7, 5}, new int[]{2, 3, 3, 2}, false, p(2, 1), p(1, 0), p(2, 1), 1);
    }

    @Test void conv2dStrideLargerThanKernel() {
        checkConv(new int[]{1, 2, 7, 5}, new int[]{3, 2, 1, 1}, true, p(3, 4), p(0, 0), p(1, 1), 1);
        checkConv(new int[]{1, 2, 7, 8}, new int[]{2, 1, 2, 2}, false, p(5, 3), p(1, 0), p(1, 1), 2);
    }

    @Test void conv2dDepthwiseAndUnbatched() {
        checkConv(new int[]{1, 3, 6, 5}, new int[]{3, 1, 3, 3}, true, p(1, 1), p(1, 1), p(1, 1), 3);
        Nd x = Nd.random(rnd, 1, 2, 5, 4), w = Nd.random(rnd, 3, 2, 2, 2);
        Tensor y = Conv.conv2d(x.tensor().squeeze(0), w.tensor());
        Nd e = ConvRef.conv2d(x, w, null, p(1, 1), p(0, 0), p(1, 1), 1);
        assertClose("unbatched conv2d", new Nd(new int[]{3, 4, 3}, e.v()), y, 1e-5);
    }

    @Test void convTranspose2d() {
        Nd x = Nd.random(rnd, 2, 4, 5, 3), w = Nd.random(rnd, 4, 3, 3, 3), b = Nd.random(rnd, 3);
        Tensor y = Conv.convTranspose2d(x.tensor(), w.tensor(), b.tensor(), p(2, 2), p(1, 1), p(1, 1), p(1, 1), 1);
        Nd w1 = Nd.random(rnd, 4, 2, 2, 3);
        assertClose("convTranspose2d plain", ConvRef.convTranspose2d(x, w1, null, p(1, 1), p(0, 0), p(0, 0), p(1, 1), 1),
                Conv.convTranspose2d(x.tensor(), w1.tensor()), 1e-5);
        assertClose("convTranspose2d stride 2", ConvRef.convTranspose2d(x, w, b, p(2, 2), p(1, 1), p(1, 1), p(1, 1), 1), y, 1e-5);

        // Groups and dilation; padding 3 > dilation*(k-1) cuts into the spread input instead of padding it.
        Nd x2 = Nd.random(rnd, 1, 4, 4, 5), w2 = Nd.random(rnd, 4, 2, 2, 3);
        Tensor y2 = Conv.convTranspose2d(x2.tensor(), w2.tensor(), null, p(1, 3), p(0, 3), p(1, 0), p(2, 2), 2);
        assertClose("convTranspose2d groups+dilation", ConvRef.convTranspose2d(x2, w2, null, p(1, 3), p(0, 3), p(1, 0), p(2, 2), 2), y2, 1e-5);
    }

    @Test void maxPool() {
        // Shifted below zero, so zero padding would win where -inf padding must not.
        Nd x = Nd.random(rnd, 2, 3, 7, 5);
        for (int i = 0; i < x.v().length; i++) x.v()[i] = (float) (x.v()[i] - 2);
        Tensor t = x.tensor();
        assertClose("maxPool2d k3 s2 p1", ConvRef.pool(x, p(3, 3), p(2, 2), p(1, 1), p(1, 1), true), Conv.maxPool2d(t, 3, 2, 1), 0);
        assertClose("maxPool2d k(2,3) s(1,2) p1 d(2,1)", ConvRef.pool(x, p(2, 3), p(1, 2), p(1, 1), p(2, 1), true),
                Conv.maxPool2d(t, p(2, 3), p(1, 2), p(1, 1), p(2, 1)), 0);
        assertClose("maxPool2d 2", ConvRef.pool(x, p(2, 2), p(2, 2), p(0, 0), p(1, 1), true), Conv.maxPool2d(t, 2), 0);
        // Windows that do not overlap are one reshaped view: rows cut short (7 = 2*3 + 1), columns padded (5 < 2*3).
        assertClose("maxPool2d k2 s3", ConvRef.pool(x, p(2, 2), p(3, 3), p(0, 0), p(1, 1), true), Conv.maxPool2d(t, 2, 3, 0), 0);
    }

    @Test void avgPool() {
        Nd x = Nd.random(rnd, 2, 3, 7, 5);
        Tensor t = x.tensor();
        assertClose("avgPool2d k3 s2 p1", ConvRef.pool(x, p(3, 3), p(2, 2), p(1, 1), p(1, 1), false), Conv.avgPool2d(t, 3, 2, 1), 1e-6);
        assertClose("avgPool2d k(2,3) s1 p1", ConvRef.pool(x, p(2, 3), p(1, 1), p(1, 1), p(1, 1), false),
                Conv.avgPool2d(t, p(2, 3), p(1, 1), p(1, 1)), 1e-6);
        assertClose("avgPool2d 2", ConvRef.pool(x, p(2, 2), p(2, 2), p(0, 0), p(1, 1), false), Conv.avgPool2d(t, 2), 1e-6);
    }

    @Test void interpolate() {
        Nd x = Nd.random(rnd, 2, 3, 7, 5);
        Tensor t = x.tensor();
        for (String mode : new String[]{"nearest", "bilinear"}) {
            for (int[] size : new int[][]{{10, 8}, {3, 2}, {14, 10}, {7, 11}}) {
                assertClose(mode + " to " + size[0] + "x" + size[1], ConvRef.interpolate(x, size[0], size[1], mode),
                        Conv.interpolate(t, size[0], size[1], mode), 1e-5);
            }
        }
    }

    @Test void aRememberedWindowViewIsRightForNewDataAndOtherLayouts() {
        // The second call with an input of the same layout reuses the first call's window view; a permuted input
        // of the same shape has another tracker and gets its own.
        int[] st = p(2, 1), pd = p(1, 1), dl = p(1, 2);
        Nd w = Nd.random(rnd, 4, 3, 3, 2), b = Nd.random(rnd, 4);
        for (int call = 0; call < 3; call++) {
            Nd x = Nd.random(rnd, 2, 3, 7, 6);
            assertClose("conv2d call " + call, ConvRef.conv2d(x, w, b, st, pd, dl, 1),
                    Conv.conv2d(x.tensor(), w.tensor(), b.tensor(), st, pd, dl, 1), 1e-5);
        }
        Nd xt = Nd.random(rnd, 2, 3, 6, 7);
        Tensor permuted = xt.tensor().permute(0, 1, 3, 2); // shape (2, 3, 7, 6), strided
        float[] pf = permuted.contiguous().toFloatArray();
        double[] pv = new double[pf.length];
        for (int i = 0; i < pv.length; i++) pv[i] = pf[i];
        Nd xp = new Nd(new int[]{2, 3, 7, 6}, pv);
        assertClose("conv2d of a permuted input", ConvRef.conv2d(xp, w, b, st, pd, dl, 1),
                Conv.conv2d(permuted, w.tensor(), b.tensor(), st, pd, dl, 1), 1e-5);
        // An input that tracks a gradient builds its windows from movement ops, and its gradient is right.
        Nd x = Nd.random(rnd, 2, 3, 7, 6);
        Tensor tx = x.tensor().requiresGrad(true);
        Tensor y = Conv.conv2d(tx, w.tensor(), b.tensor(), st, pd, dl, 1);
        Nd up = Nd.random(rnd, y.shape());
        y.mul(up.tensor()).sum().backward();
        assertClose("d/dx after remembered views", ConvRef.numericGrad(x, up, q -> ConvRef.conv2d(q, w, b, st, pd, dl, 1)),
                tx.grad().toFloatArray(), 1e-4);
    }

    // ================================================================ gradients against central differences

    @Test void conv2dGradients() {
        int[] st = p(2, 1), pd = p(1, 1), dl = p(2, 1);
        Nd x = Nd.random(rnd, 1, 4, 7, 5), w = Nd.random(rnd, 4, 2, 3, 2), b = Nd.random(rnd, 4);
        Tensor tx = x.tensor().requiresGrad(true), tw = w.tensor().requiresGrad(true), tb = b.tensor().requiresGrad(true);
        Tensor y = Conv.conv2d(tx, tw, tb, st, pd, dl, 2);
        Nd up = Nd.random(rnd, y.shape());
        y.mul(up.tensor()).sum().backward();
        assertClose("d/dx", ConvRef.numericGrad(x, up, q -> ConvRef.conv2d(q, w, b, st, pd, dl, 2)), tx.grad().toFloatArray(), 1e-4);
        assertClose("d/dw", ConvRef.numericGrad(w, up, q -> ConvRef.conv2d(x, q, b, st, pd, dl, 2)), tw.grad().toFloatArray(), 1e-4);
        assertClose("d/db", ConvRef.numericGrad(b, up, q -> ConvRef.conv2d(x, w, q, st, pd, dl, 2)), tb.grad().toFloatArray(), 1e-4);
    }

    @Test void convTranspose2dGradients() {
        Nd x = Nd.random(rnd, 1, 2, 4, 3), w = Nd.random(rnd, 2, 3, 3, 2);
        Tensor tx = x.tensor().requiresGrad(true), tw = w.tensor().requiresGrad(true);
        Tensor y = Conv.convTranspose2d(tx, tw, null, p(2, 2), p(1, 0), p(1, 0), p(1, 1), 1);
        Nd up = Nd.random(rnd, y.shape());
        y.mul(up.tensor()).sum().backward();
        assertClose("d/dx", ConvRef.numericGrad(x, up, q -> ConvRef.convTranspose2d(q, w, null, p(2, 2), p(1, 0), p(1, 0), p(1, 1), 1)), tx.grad().toFloatArray(), 1e-4);
        assertClose("d/dw", ConvRef.numericGrad(w, up, q -> ConvRef.convTranspose2d(x, q, null, p(2, 2), p(1, 0), p(1, 0), p(1, 1), 1)), tw.grad().toFloatArray(), 1e-4);
    }

    @Test void poolGradients() {
        Nd x = Nd.random(rnd, 1, 2, 7, 5);
        for (boolean max : new boolean[]{true, false}) {
            Tensor tx = x.tensor().requiresGrad(true);
            Tensor y = max ? Conv.maxPool2d(tx, 3, 2, 1) : Conv.avgPool2d(tx, 3, 2, 1);
            Nd up = Nd.random(rnd, y.shape());
            y.mul(up.tensor()).sum().backward();
            assertClose((max ? "maxPool2d" : "avgPool2d") + " d/dx",
                    ConvRef.numericGrad(x, up, q -> ConvRef.pool(q, p(3, 3), p(2, 2), p(1, 1), p(1, 1), max)), tx.grad().toFloatArray(), 1e-4);
        }
        // Windows that do not overlap (their gradient is a reshape back): 2x2 of stride 2 and of stride 3.
        for (int stride : new int[]{2, 3}) {
            Tensor tx = x.tensor().requiresGrad(true);
            Tensor y = Conv.maxPool2d(tx, 2, stride, 0);
            Nd up = Nd.random(rnd, y.shape());
            y.mul(up.tensor()).sum().backward();
            assertClose("maxPool2d k2 s" + stride + " d/dx",
                    ConvRef.numericGrad(x, up, q -> ConvRef.pool(q, p(2, 2), p(stride, stride), p(0, 0), p(1, 1), true)), tx.grad().toFloatArray(), 1e-4);
        }
    }

    // ================================================================ kernel counts (inputs realized first)

    private static long kernels(Tensor t) {
        Counters.reset();
        t.realize();
        return Counters.kernelCount();
    }

    @Test void convBiasReluIsOneKernel() {
        Nd x = Nd.random(rnd, 2, 4, 7, 5), w = Nd.random(rnd, 6, 2, 3, 3), b = Nd.random(rnd, 6);
        Tensor tx = x.tensor().realize(), tw = w.tensor().realize(), tb = b.tensor().realize();
        Tensor y = Conv.conv2d(tx, tw, tb, p(2, 2), p(1, 1), p(1, 1), 2).relu();
        assertEquals(1, kernels(y));
        Nd e = ConvRef.conv2d(x, w, b, p(2, 2), p(1, 1), p(1, 1), 2);
        for (int i = 0; i < e.v().length; i++) e.v()[i] = Math.max(e.v()[i], 0);
        assertClose("conv2d+bias+relu", e, y, 1e-5);
    }

    @Test void poolsAndConvTransposeAreOneKernelEach() {
        Nd x = Nd.random(rnd, 2, 4, 7, 5), w = Nd.random(rnd, 4, 3, 3, 3);
        Tensor tx = x.tensor().realize(), tw = w.tensor().realize();
        assertEquals(1, kernels(Conv.maxPool2d(tx, 3, 2, 1)));
        assertEquals(1, kernels(Conv.avgPool2d(tx, 3, 2, 1)));
        assertEquals(1, kernels(Conv.convTranspose2d(tx, tw, null, 2, 1)));
    }

    // ================================================================ errors

    @Test void errorsNameTheOpAndShapes() {
        Tensor x = Tensor.zeros(2, 3, 7, 5);
        var e = assertThrows(IllegalArgumentException.class, () -> Conv.conv2d(x, Tensor.zeros(8, 4, 3, 3)));
        assertEquals("conv2d: input has 3 channels but the weight expects 4 (weight shape (8,4,3,3), groups 1)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Conv.conv2d(x, Tensor.zeros(8, 3, 9, 3)));
        assertEquals("conv2d: kernel 9x3 is larger than the padded input 7x5 (input shape (2,3,7,5), padding [0, 0])", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Conv.conv2d(x, Tensor.zeros(8, 3, 3, 3), null, p(1, 1), p(1, 1), p(5, 1), 1));
        assertEquals("conv2d: kernel 3x3 (dilated 11x3) is larger than the padded input 9x7 (input shape (2,3,7,5), padding [1, 1])", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Conv.conv2d(x, Tensor.zeros(8, 1, 3, 3), null, 1, 0, 1, 3));
        assertEquals("conv2d: groups 3 does not divide the weight's 8 output channels (weight shape (8,1,3,3))", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Conv.conv2d(x, Tensor.zeros(8, 3, 3, 3), Tensor.zeros(4), 1, 0));
        assertEquals("conv2d: bias must have shape (8,) for weight shape (8,3,3,3), got (4,)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Conv.maxPool2d(x, 2, 2, 2));
        assertEquals("maxPool2d: padding [2, 2] must be at most half the kernel [2, 2]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Conv.interpolate(x, 4, 4, "bicubic"));
        assertEquals("interpolate: mode must be \"nearest\" or \"bilinear\", got \"bicubic\"", e.getMessage());
    }
}
