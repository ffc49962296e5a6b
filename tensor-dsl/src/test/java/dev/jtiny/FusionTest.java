// How expressions become kernels: kernel counts on already-realized inputs, with the values checked too.
package dev.jtiny;

import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.Counters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Kernel counts are a property of the scheduler, so they hold on every device; both run in CI. */
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"JAVA", "OPENCL:0"})
class FusionTest {
    @Parameter String device;

    @BeforeEach void onDevice() {
        Config.set("DEVICE", device);
        Tensor.manualSeed(42);
    }

    @AfterEach void reset() { Config.set("DEVICE", null); }

    /** A realized input: its data is on the device before the counted work starts. */
    private static Tensor in(int... shape) { return Tensor.rand(shape).realize(); }

    /** Realizes the outputs together and returns how many kernels that took. */
    private static long kernels(Tensor... outs) {
        Counters.reset();
        Tensor.realize(outs);
        return Counters.kernelCount();
    }

    private static float[] host(Tensor t) { return t.toFloatArray(); }

    private static void close(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-4 * Math.max(1, Math.abs(expected[i])), "element " + i);
        }
    }

    @Test void elementwiseChainIsOneKernel() {
        Tensor a = in(4, 5), b = in(4, 5), c = in(4, 5);
        Tensor y = a.add(b).add(c);
        assertEquals(1, kernels(y));
        float[] ha = host(a), hb = host(b), hc = host(c), e = new float[20];
        for (int i = 0; i < 20; i++) e[i] = ha[i] + hb[i] + hc[i];
        close(e, host(y));
    }

    @Test void mulThenSumIsOneKernel() {
        Tensor a = in(64), b = in(64);
        Tensor y = a.mul(b).sum();
        assertEquals(1, kernels(y));
        float[] ha = host(a), hb = host(b);
        double s = 0;
        for (int i = 0; i < 64; i++) s += ha[i] * hb[i];
        assertEquals(s, y.item(), 1e-4);
    }

    @Test void reluAfterSumStaysInTheSameKernel() {
        Tensor a = in(64), b = in(64);
        Tensor y = a.mul(b).sum().sub(100).relu();
        assertEquals(1, kernels(y));
        assertEquals(0f, y.item());
    }

    @Test void reduceWithElementwiseEpilogueOfAnotherInput() {
        Tensor a = in(4, 5), b = in(5);
        Tensor y = a.sum(0).add(b);
        assertEquals(1, kernels(y));
        float[] ha = host(a), hb = host(b), e = new float[5];
        for (int j = 0; j < 5; j++) { e[j] = hb[j]; for (int i = 0; i < 4; i++) e[j] += ha[i * 5 + j]; }
        close(e, host(y));
    }

    @Test void diamondIsOneKernel() {
        Tensor a = in(8), b = in(8), c = in(8), d = in(8);
        Tensor ab = a.add(b);
        Tensor y = ab.add(c).add(ab.add(d));
        assertEquals(1, kernels(y));
        float[] ha = host(a), hb = host(b), hc = host(c), hd = host(d), e = new float[8];
        for (int i = 0; i < 8; i++) e[i] = (ha[i] + hb[i] + hc[i]) + (ha[i] + hb[i] + hd[i]);
        close(e, host(y));
    }

    @Test void nestedReductionsFuseIntoOneKernel() {
        Tensor x = in(3, 4, 5).sub(0.5).realize();
        Tensor y = x.sum(2).relu().sum(1);
        assertEquals(1, kernels(y));
        float[] h = host(x), e = new float[3];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) {
            float s = 0;
            for (int k = 0; k < 5; k++) s += h[(i * 4 + j) * 5 + k];
            e[i] += Math.max(s, 0);
        }
        close(e, host(y));
    }

    @Test void reducedValueBroadcastBackEndsTheKernel() {
        Tensor a = in(4, 6);
        Tensor y = a.sub(a.sum(1, true));
        assertEquals(2, kernels(y));
        float[] h = host(a), e = new float[24];
        for (int i = 0; i < 4; i++) {
            float s = 0;
            for (int j = 0; j < 6; j++) s += h[i * 6 + j];
            for (int j = 0; j < 6; j++) e[i * 6 + j] = h[i * 6 + j] - s;
        }
        close(e, host(y));
    }

    @Test void matmulBiasReluIsOneKernel() {
        Tensor x = in(3, 4).sub(0.5).realize(), w = in(4, 5).sub(0.5).realize(), bias = in(5).sub(0.5).realize();
        Tensor y = x.matmul(w).add(bias).relu();
        assertEquals(1, kernels(y));
        float[] hx = host(x), hw = host(w), hb = host(bias), e = new float[15];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 5; j++) {
            float s = hb[j];
            for (int k = 0; k < 4; k++) s += hx[i * 4 + k] * hw[k * 5 + j];
            e[i * 5 + j] = Math.max(s, 0);
        }
        close(e, host(y));
    }

    @Test void softmaxOverTheLastAxisIsAtMostThreeKernels() {
        Tensor x = in(5, 7);
        Tensor y = x.softmax(-1);
        assertTrue(kernels(y) <= 3);
        float[] r = host(y);
        for (int i = 0; i < 5; i++) {
            float s = 0;
            for (int j = 0; j < 7; j++) s += r[i * 7 + j];
            assertEquals(1f, s, 1e-5);
        }
    }

    @Test void contiguousEndsFusion() {
        Tensor a = in(6), b = in(6), c = in(6);
        Tensor y = a.add(b).contiguous().add(c);
        assertEquals(2, kernels(y));
        float[] ha = host(a), hb = host(b), hc = host(c), e = new float[6];
        for (int i = 0; i < 6; i++) e[i] = ha[i] + hb[i] + hc[i];
        close(e, host(y));
    }

    @Test void viewsOfARealizedBufferCostNoKernel() {
        Tensor a = in(4, 6);
        assertEquals(0, kernels(a.reshape(2, 12), a.permute(1, 0), a.reshape(24).reshape(3, 8), a.unsqueeze(0), a.shrink(new int[][]{{1, 3}, {0, 6}})));
    }

    @Test void constantsCostNothingUntilRealized() {
        Tensor y = Tensor.full(new int[]{3, 3}, 2).mul(4);
        Counters.reset();
        Tensor z = y.add(1);
        assertEquals(0, Counters.kernelCount());
        assertEquals(1, kernels(z));
        assertArrayEquals(new float[]{9, 9, 9, 9, 9, 9, 9, 9, 9}, host(z));
    }

    @Test void constantFoldingLeavesASingleStore() {
        Tensor y = Tensor.full(new int[]{4}, 2).add(Tensor.full(new int[]{4}, 3)).mul(Tensor.full(new int[]{4}, 10));
        assertEquals(1, kernels(y));
        assertArrayEquals(new float[]{50, 50, 50, 50}, host(y));
    }

    @Test void unaryChainIsOneKernel() {
        Tensor a = in(33).add(1).realize();
        Tensor y = a.exp().log().sqrt().sin().neg().abs();
        assertEquals(1, kernels(y));
        float[] h = host(a), r = host(y);
        for (int i = 0; i < 33; i++) assertEquals(Math.abs(Math.sin(Math.sqrt(h[i]))), r[i], 1e-5);
    }

    @Test void broadcastingIsFreeInsideAKernel() {
        Tensor a = in(3, 1), b = in(1, 4);
        Tensor y = a.add(b).mul(b);
        assertEquals(1, kernels(y));
        float[] ha = host(a), hb = host(b), r = host(y);
        for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) assertEquals((ha[i] + hb[j]) * hb[j], r[i * 4 + j], 1e-6);
    }

    @Test void padFusesIntoItsConsumer() {
        Tensor a = in(2, 3), b = in(4, 5);
        Tensor y = a.exp().pad(new int[][]{{1, 1}, {0, 2}}).add(b);
        assertEquals(1, kernels(y));
        float[] ha = host(a), hb = host(b), r = host(y);
        for (int i = 0; i < 4; i++) for (int j = 0; j < 5; j++) {
            float p = (i >= 1 && i < 3 && j < 3) ? (float) Math.exp(ha[(i - 1) * 3 + j]) : 0;
            assertEquals(p + hb[i * 5 + j], r[i * 5 + j], 1e-5);
        }
    }

    @Test void permutedInputFusesIntoOneKernel() {
        Tensor a = in(3, 4), b = in(4, 3);
        Tensor y = a.permute(1, 0).add(b);
        assertEquals(1, kernels(y));
        float[] ha = host(a), hb = host(b), r = host(y);
        for (int i = 0; i < 4; i++) for (int j = 0; j < 3; j++) assertEquals(ha[j * 4 + i] + hb[i * 3 + j], r[i * 3 + j], 1e-6);
    }

    @Test void catIsOneKernel() {
        Tensor a = in(2, 3), b = in(4, 3);
        Tensor y = a.cat(0, b);
        assertEquals(1, kernels(y));
        float[] ha = host(a), hb = host(b), r = host(y);
        for (int i = 0; i < 6; i++) assertEquals(ha[i], r[i]);
        for (int i = 0; i < 12; i++) assertEquals(hb[i], r[6 + i]);
    }

    @Test void stackIsOneKernel() {
        Tensor a = in(5), b = in(5), c = in(5);
        Tensor y = a.stack(1, b, c);
        assertEquals(1, kernels(y));
        float[] hb = host(b), r = host(y);
        for (int i = 0; i < 5; i++) assertEquals(hb[i], r[i * 3 + 1]);
    }

    @Test void meanIsOneKernel() {
        Tensor a = in(10, 10);
        Tensor y = a.mean();
        assertEquals(1, kernels(y));
        float[] h = host(a);
        double s = 0;
        for (float v : h) s += v;
        assertEquals(s / 100, y.item(), 1e-5);
    }

    @Test void varianceIsTwoKernels() {
        Tensor a = in(6, 9);
        Tensor y = a.var(1);
        assertEquals(2, kernels(y));
        float[] h = host(a), r = host(y);
        for (int i = 0; i < 6; i++) {
            double m = 0, v = 0;
            for (int j = 0; j < 9; j++) m += h[i * 9 + j] / 9.0;
            for (int j = 0; j < 9; j++) v += (h[i * 9 + j] - m) * (h[i * 9 + j] - m) / 8.0;
            assertEquals(v, r[i], 1e-5);
        }
    }

    @Test void layerNormIsThreeKernels() {
        Tensor x = in(4, 16);
        Tensor mean = x.mean(1, true);
        Tensor d = x.sub(mean);
        Tensor y = d.mul(d.mul(d).mean(1, true).add(1e-5).rsqrt());
        assertEquals(3, kernels(y));
        float[] r = host(y);
        for (int i = 0; i < 4; i++) {
            double m = 0;
            for (int j = 0; j < 16; j++) m += r[i * 16 + j];
            assertEquals(0, m, 1e-4);
        }
    }

    @Test void logsumexpIsTwoKernels() {
        Tensor x = in(3, 8);
        Tensor y = x.logsumexp(1);
        assertEquals(2, kernels(y));
        float[] h = host(x), r = host(y);
        for (int i = 0; i < 3; i++) {
            double s = 0;
            for (int j = 0; j < 8; j++) s += Math.exp(h[i * 8 + j]);
            assertEquals(Math.log(s), r[i], 1e-5);
        }
    }

    @Test void argmaxIsTwoKernels() {
        Tensor x = Tensor.of(new float[]{1, 5, 5, 2, 9, 0, 3, 3, 3}, 3, 3).realize();
        Tensor y = x.argmax(1);
        assertEquals(2, kernels(y));
        assertArrayEquals(new int[]{1, 1, 0}, y.toIntArray());
    }

    @Test void independentOutputsRealizedTogether() {
        Tensor a = in(5);
        Tensor y1 = a.add(1), y2 = a.mul(2);
        assertEquals(2, kernels(y1, y2));
        assertEquals(0, kernels(y1, y2), "realizing again runs nothing");
    }

    @Test void aReductionReadTwiceIsComputedOnce() {
        Tensor a = in(4, 8);
        Tensor s = a.sum(1);
        Tensor y1 = s.add(1), y2 = s.mul(2);
        assertEquals(3, kernels(y1, y2));
        float[] r1 = host(y1), r2 = host(y2);
        for (int i = 0; i < 4; i++) assertEquals((r1[i] - 1) * 2, r2[i], 1e-5);
    }

    @Test void chainedMatmulsNeedTwoKernels() {
        Tensor a = in(3, 4), b = in(4, 5), c = in(5, 2);
        Tensor y = a.matmul(b).matmul(c);
        assertEquals(2, kernels(y));
        float[] ha = host(a), hb = host(b), hc = host(c), r = host(y);
        for (int i = 0; i < 3; i++) for (int j = 0; j < 2; j++) {
            double s = 0;
            for (int k = 0; k < 5; k++) {
                double ab = 0;
                for (int l = 0; l < 4; l++) ab += ha[i * 4 + l] * hb[l * 5 + k];
                s += ab * hc[k * 2 + j];
            }
            assertEquals(s, r[i * 2 + j], 1e-4);
        }
    }

    @Test void comparisonsAndWhereFuse() {
        Tensor a = in(12), b = in(12);
        Tensor y = a.lt(b).where(a, b).add(a.ge(0.5).cast(T.FLOAT32));
        assertEquals(1, kernels(y));
        float[] ha = host(a), hb = host(b), r = host(y);
        for (int i = 0; i < 12; i++) assertEquals(Math.min(ha[i], hb[i]) + (ha[i] >= 0.5f ? 1 : 0), r[i], 1e-6);
    }

    @Test void reduceOfAPaddedTensorIsOneKernel() {
        Tensor a = in(3, 3);
        Tensor y = a.pad(new int[][]{{2, 2}, {1, 0}}).sum();
        assertEquals(1, kernels(y));
        double s = 0;
        for (float v : host(a)) s += v;
        assertEquals(s, y.item(), 1e-5);
    }

    @Test void flipAndStridedSliceFuse() {
        Tensor a = Tensor.arange(10).cast(T.FLOAT32).realize();
        Tensor y = a.flip(0).slice(0, 1, 9, 3).add(a.slice(0, 0, 3));
        assertEquals(1, kernels(y));
        assertArrayEquals(new float[]{8 + 0, 5 + 1, 2 + 2}, host(y));
    }

    @Test void geluIsOneKernel() {
        Tensor a = in(16).sub(0.5).realize();
        Tensor y = a.gelu();
        assertEquals(1, kernels(y));
        float[] h = host(a), r = host(y);
        for (int i = 0; i < 16; i++) {
            double x = h[i];
            double e = 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
            assertEquals(e, r[i], 1e-5);
        }
    }

    @Test void kernelLogNamesTheFusedUserOps() {
        Tensor x = in(3, 4), w = in(4, 5), bias = in(5);
        long mark = dev.jtiny.runtime.KernelLog.mark();
        x.matmul(w).add(bias).relu().realize();
        var entries = dev.jtiny.runtime.KernelLog.since(mark).stream().filter(e -> e.kind().equals("kernel")).toList();
        assertEquals(1, entries.size());
        assertEquals("r_3_5_4", entries.getFirst().name());
        assertEquals(java.util.List.of("matmul", "add", "relu"), entries.getFirst().fusedOps());
    }
}
