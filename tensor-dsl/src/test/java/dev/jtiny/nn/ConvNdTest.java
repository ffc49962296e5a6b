// Conv.conv/convTranspose/maxPool/avgPool over 1, 2 and 3 spatial dimensions against plain float64 loops.
package dev.jtiny.nn;

import dev.jtiny.Tensor;
import dev.jtiny.nn.ConvRef.Nd;
import dev.jtiny.runtime.Config;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.Random;

import static dev.jtiny.nn.ConvRef.assertClose;
import static org.junit.jupiter.api.Assertions.assertThrows;

@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"JAVA", "OPENCL:0"})
class ConvNdTest {
    @Parameter String device;
    private final Random rnd = new Random(11);

    @BeforeEach void onDevice() { Config.set("DEVICE", device); }
    @AfterEach void reset() { Config.set("DEVICE", null); }

    // ---------------------------------------------------------------- references (any number of spatial dims)

    /** Row-major offset of multi-index idx in shape. */
    private static int at(int[] shape, int... idx) {
        int o = 0;
        for (int i = 0; i < shape.length; i++) o = o * shape[i] + idx[i];
        return o;
    }

    /** Iterates multi-indices of shape. */
    private static boolean next(int[] idx, int[] shape) {
        for (int i = shape.length - 1; i >= 0; i--) {
            if (++idx[i] < shape[i]) return true;
            idx[i] = 0;
        }
        return false;
    }

    static Nd conv(Nd x, Nd w, Nd b, int[] s, int[][] p, int[] d, int groups) {
        int k = w.shape().length - 2, n = x.shape()[0], cout = w.shape()[0], cg = w.shape()[1];
        int[] in = Arrays.copyOfRange(x.shape(), 2, 2 + k), ker = Arrays.copyOfRange(w.shape(), 2, 2 + k), o = new int[k];
        for (int i = 0; i < k; i++) o[i] = (in[i] + p[i][0] + p[i][1] - d[i] * (ker[i] - 1) - 1) / s[i] + 1;
        int[] outShape = new int[k + 2];
        outShape[0] = n;
        outShape[1] = cout;
        System.arraycopy(o, 0, outShape, 2, k);
        Nd y = Nd.zeros(outShape);
        int[] oi = new int[k + 2];
        do {
            int co = oi[1], g = co / (cout / groups);
            double acc = b == null ? 0 : b.v()[co];
            for (int ci = 0; ci < cg; ci++) {
                int[] kk = new int[k];
                do {
                    int[] xi = new int[k + 2];
                    xi[0] = oi[0];
                    xi[1] = g * cg + ci;
                    boolean inside = true;
                    for (int i = 0; i < k; i++) {
                        xi[2 + i] = oi[2 + i] * s[i] + kk[i] * d[i] - p[i][0];
                        inside &= xi[2 + i] >= 0 && xi[2 + i] < in[i];
                    }
                    if (!inside) continue;
                    int[] wi = new int[k + 2];
                    wi[0] = co;
                    wi[1] = ci;
                    System.arraycopy(kk, 0, wi, 2, k);
                    acc += x.v()[at(x.shape(), xi)] * w.v()[at(w.shape(), wi)];
                } while (next(kk, ker));
            }
            y.v()[at(outShape, oi)] = acc;
        } while (next(oi, outShape));
        return y;
    }

    /** Pools over the last k dims with ONNX/PyTorch ceil-mode rules; avg divides by the counted positions. */
    static Nd pool(Nd x, int[] ker, int[] s, int[][] p, int[] d, boolean max, boolean countPad, boolean ceil) {
        int k = ker.length, r = x.shape().length;
        int[] in = Arrays.copyOfRange(x.shape(), r - k, r), o = new int[k];
        for (int i = 0; i < k; i++) {
            int span = in[i] + p[i][0] + p[i][1] - d[i] * (ker[i] - 1) - 1;
            o[i] = (ceil ? (span + s[i] - 1) / s[i] : span / s[i]) + 1;
            if (ceil && (o[i] - 1) * s[i] >= in[i] + p[i][0]) o[i]--;
        }
        int[] outShape = x.shape().clone();
        System.arraycopy(o, 0, outShape, r - k, k);
        Nd y = Nd.zeros(outShape);
        int[] oi = new int[r];
        do {
            double acc = max ? Double.NEGATIVE_INFINITY : 0;
            int count = 0;
            int[] kk = new int[k];
            do {
                int[] xi = oi.clone();
                boolean inside = true, inPadded = true;
                for (int i = 0; i < k; i++) {
                    int pos = oi[r - k + i] * s[i] + kk[i] * d[i] - p[i][0];
                    xi[r - k + i] = pos;
                    inside &= pos >= 0 && pos < in[i];
                    inPadded &= pos >= -p[i][0] && pos < in[i] + p[i][1];
                }
                if (inside) {
                    double v = x.v()[at(x.shape(), xi)];
                    acc = max ? Math.max(acc, v) : acc + v;
                }
                if (countPad ? inPadded : inside) count++;
            } while (next(kk, ker));
            y.v()[at(outShape, oi)] = max ? acc : acc / count;
        } while (next(oi, outShape));
        return y;
    }

    private static int[][] pads(int... beforeAfter) {
        int[][] p = new int[beforeAfter.length / 2][];
        for (int i = 0; i < p.length; i++) p[i] = new int[]{beforeAfter[2 * i], beforeAfter[2 * i + 1]};
        return p;
    }

    // ---------------------------------------------------------------- tests

    @Test void conv1dWithAsymmetricPaddingStrideDilationGroups() {
        Nd x = Nd.random(rnd, 2, 4, 11), w = Nd.random(rnd, 6, 2, 3), b = Nd.random(rnd, 6);
        int[] s = {2}, d = {2};
        int[][] p = pads(1, 3);
        assertClose("conv1d", conv(x, w, b, s, p, d, 2), Conv.conv(x.tensor(), w.tensor(), b.tensor(), s, p, d, 2), 1e-5);
    }

    @Test void conv2dMatchesConv2dAndConv3dMatchesLoops() {
        Nd x = Nd.random(rnd, 1, 3, 7, 6), w = Nd.random(rnd, 4, 3, 3, 2);
        int[] s = {2, 1}, d = {1, 2};
        int[][] p = pads(1, 1, 2, 2);
        assertClose("conv 2-D", ConvRef.conv2d(x, w, null, s, new int[]{1, 2}, d, 1),
                Conv.conv(x.tensor(), w.tensor(), null, s, p, d, 1), 1e-5);
        Nd x3 = Nd.random(rnd, 1, 2, 4, 5, 3), w3 = Nd.random(rnd, 2, 2, 2, 3, 2), b3 = Nd.random(rnd, 2);
        int[] s3 = {1, 2, 1}, d3 = {1, 1, 2};
        int[][] p3 = pads(0, 1, 1, 0, 1, 1);
        assertClose("conv 3-D", conv(x3, w3, b3, s3, p3, d3, 1), Conv.conv(x3.tensor(), w3.tensor(), b3.tensor(), s3, p3, d3, 1), 1e-5);
    }

    @Test void convTransposeMatchesConvTranspose2dAndWorksIn1d() {
        Nd x = Nd.random(rnd, 2, 4, 5, 3), w = Nd.random(rnd, 4, 3, 3, 3), b = Nd.random(rnd, 3);
        Tensor y = Conv.convTranspose(x.tensor(), w.tensor(), b.tensor(), new int[]{2, 3}, pads(1, 1, 0, 0), new int[]{1, 2}, new int[]{1, 1}, 1);
        assertClose("convTranspose 2-D", ConvRef.convTranspose2d(x, w, b, new int[]{2, 3}, new int[]{1, 0}, new int[]{1, 2}, new int[]{1, 1}, 1), y, 1e-5);
        // 1-D is 2-D with a unit height.
        Nd x1 = Nd.random(rnd, 1, 4, 6), w1 = Nd.random(rnd, 4, 1, 3);
        Nd x2 = new Nd(new int[]{1, 4, 1, 6}, x1.v()), w2 = new Nd(new int[]{4, 1, 1, 3}, w1.v());
        Nd e = ConvRef.convTranspose2d(x2, w2, null, new int[]{1, 2}, new int[]{0, 1}, new int[]{0, 1}, new int[]{1, 2}, 2);
        Tensor y1 = Conv.convTranspose(x1.tensor(), w1.tensor(), null, new int[]{2}, pads(1, 1), new int[]{1}, new int[]{2}, 2);
        assertClose("convTranspose 1-D", new Nd(new int[]{1, 2, e.shape()[3]}, e.v()), y1, 1e-5);
    }

    @Test void poolsWithAsymmetricPaddingCeilModeAndDilation() {
        Nd x = Nd.random(rnd, 2, 3, 10);
        int[] k = {3}, s = {2}, d = {2};
        int[][] p = pads(2, 1);
        assertClose("maxPool 1-D ceil", pool(x, k, s, p, d, true, false, true), Conv.maxPool(x.tensor(), k, s, p, d, true), 0);
        Nd x2 = Nd.random(rnd, 1, 2, 7, 6);
        int[] k2 = {3, 2}, s2 = {2, 2}, d2 = {1, 1};
        int[][] p2 = pads(1, 0, 0, 1);
        for (boolean countPad : new boolean[]{true, false}) {
            for (boolean ceil : new boolean[]{true, false}) {
                assertClose("avgPool 2-D countPad=" + countPad + " ceil=" + ceil, pool(x2, k2, s2, p2, d2, false, countPad, ceil),
                        Conv.avgPool(x2.tensor(), k2, s2, p2, d2, countPad, ceil), 1e-6);
            }
        }
        Nd x3 = Nd.random(rnd, 1, 1, 4, 4, 5);
        int[] k3 = {2, 2, 3}, s3 = {1, 2, 2}, d3 = {1, 1, 1};
        int[][] p3 = pads(0, 0, 1, 1, 1, 1);
        assertClose("maxPool 3-D", pool(x3, k3, s3, p3, d3, true, false, false), Conv.maxPool(x3.tensor(), k3, s3, p3, d3, false), 0);
        assertClose("avgPool 3-D", pool(x3, k3, s3, p3, d3, false, false, false), Conv.avgPool(x3.tensor(), k3, s3, p3, d3, false, false), 1e-6);
    }

    @Test void mismatchedArgumentsAreNamed() {
        Tensor x = Tensor.zeros(1, 2, 5), w = Tensor.zeros(3, 2, 2);
        assertThrows(IllegalArgumentException.class, () -> Conv.conv(x, w, null, new int[]{1, 1}, pads(0, 0), new int[]{1}, 1));
        assertThrows(IllegalArgumentException.class, () -> Conv.conv(x, Tensor.zeros(3, 2, 2, 2), null, new int[]{1}, pads(0, 0), new int[]{1}, 1));
        assertThrows(IllegalArgumentException.class, () -> Conv.maxPool(x, new int[]{7}, new int[]{1}, pads(0, 0), new int[]{1}, false));
    }
}
