// Integer-tensor indexing, scans, triangles, sorting, einsum and attention against plain-Java references.
package dev.jtiny;

import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.DType;
import org.junit.jupiter.api.AfterEach;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IndexingTest {
    private final Random rnd = new Random(7);

    @AfterEach void reset() { Config.set("DEVICE", null); }

    private float[] randoms(int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = rnd.nextFloat() * 2 - 1;
        return f;
    }

    private static void close(float[] e, float[] a, double tol) {
        assertEquals(e.length, a.length, "length");
        for (int i = 0; i < e.length; i++) assertEquals(e[i], a[i], tol * Math.max(1, Math.abs(e[i])), "element " + i);
    }

    @OnEachDevice void gatherAlongEachAxis(String device) {
        Config.set("DEVICE", device);
        float[] x = randoms(3 * 5);
        int[] idx = {4, 0, 2, 1, 1, 3, 0, 0, 4};          // (3, 3) indices into axis 1 (size 5)
        Tensor g = Tensor.of(x, 3, 5).gather(1, Tensor.of(idx, 3, 3));
        float[] e = new float[9];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) e[i * 3 + j] = x[i * 5 + idx[i * 3 + j]];
        assertArrayEquals(e, g.toFloatArray());
        int[] idx0 = {2, 0, 1, 1, 2, 0};                    // (2, 3) indices into axis 0 (size 3)
        Tensor g0 = Tensor.of(x, 3, 5).gather(0, Tensor.of(idx0, 2, 3));
        float[] e0 = new float[6];
        for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) e0[i * 3 + j] = x[idx0[i * 3 + j] * 5 + j];
        assertArrayEquals(e0, g0.toFloatArray());
    }

    @OnEachDevice void gatherHasAGradient(String device) {
        Config.set("DEVICE", device);
        Tensor x = Tensor.of(new float[]{1, 2, 3, 4, 5, 6}, 2, 3).requiresGrad(true);
        x.gather(1, Tensor.of(new int[]{2, 2, 0, 1}, 2, 2)).sum().backward();
        assertArrayEquals(new float[]{0, 0, 2, 1, 1, 0}, x.grad().toFloatArray());
    }

    @OnEachDevice void takeSelectsRows(String device) {
        Config.set("DEVICE", device);
        float[] x = randoms(4 * 3);
        Tensor t = Tensor.of(x, 4, 3).take(0, Tensor.ofInts(3, 3, 0));
        float[] e = new float[9];
        for (int r = 0; r < 3; r++) System.arraycopy(x, new int[]{3, 3, 0}[r] * 3, e, r * 3, 3);
        assertArrayEquals(e, t.toFloatArray());
        assertArrayEquals(new float[]{x[2], x[0], x[5], x[3], x[8], x[6], x[11], x[9]}, Tensor.of(x, 4, 3).take(1, Tensor.ofInts(2, 0)).toFloatArray());
    }

    @OnEachDevice void oneHotRows(String device) {
        Config.set("DEVICE", device);
        assertArrayEquals(new float[]{0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0}, Tensor.ofInts(1, 3, 0).oneHot(4).toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[]{1}, 1).oneHot(2));
    }

    @OnEachDevice void cumsumAlongAxes(String device) {
        Config.set("DEVICE", device);
        float[] x = randoms(2 * 7);
        float[] r1 = Tensor.of(x, 2, 7).cumsum(1).toFloatArray(), r0 = Tensor.of(x, 2, 7).cumsum(0).toFloatArray();
        for (int i = 0; i < 2; i++) {
            double s = 0;
            for (int j = 0; j < 7; j++) { s += x[i * 7 + j]; assertEquals(s, r1[i * 7 + j], 1e-5); }
        }
        for (int j = 0; j < 7; j++) { assertEquals(x[j], r0[j], 1e-6); assertEquals(x[j] + x[7 + j], r0[7 + j], 1e-5); }
    }

    @OnEachDevice void triangles(String device) {
        Config.set("DEVICE", device);
        Tensor ones = Tensor.ones(3, 4);
        assertArrayEquals(new float[]{1, 1, 1, 1, 0, 1, 1, 1, 0, 0, 1, 1}, ones.triu(0).toFloatArray());
        assertArrayEquals(new float[]{1, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 1}, ones.tril(1).toFloatArray());
        assertArrayEquals(new float[]{0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0}, ones.tril(-1).toFloatArray());
    }

    @OnEachDevice void argsortSortAndTopk(String device) {
        Config.set("DEVICE", device);
        float[] x = {3, 1, 2, 1, 5, 0.5f, 4, 2};  // ties keep their order
        Tensor t = Tensor.of(x, 2, 4);
        assertArrayEquals(new int[]{1, 3, 2, 0, 1, 3, 2, 0}, t.argsort().toIntArray());
        assertArrayEquals(new int[]{0, 2, 1, 3, 0, 2, 3, 1}, t.argsort(true).toIntArray());
        assertArrayEquals(new float[]{1, 1, 2, 3, 0.5f, 2, 4, 5}, t.sort(false).toFloatArray());
        Tensor[] top = t.topk(2);
        assertArrayEquals(new float[]{3, 2, 5, 4}, top[0].toFloatArray());
        assertArrayEquals(new int[]{0, 2, 0, 2}, top[1].toIntArray());
        float[] big = randoms(300);
        float[] sorted = Tensor.of(big, 300).sort(false).toFloatArray();
        float[] ref = big.clone();
        Arrays.sort(ref);
        assertArrayEquals(ref, sorted);
    }

    @OnEachDevice void einsumMatchesLoops(String device) {
        Config.set("DEVICE", device);
        float[] a = randoms(2 * 3 * 4), b = randoms(2 * 4 * 5);
        float[] r = Tensor.einsum("bij,bjk->bik", Tensor.of(a, 2, 3, 4), Tensor.of(b, 2, 4, 5)).toFloatArray();
        float[] e = new float[2 * 3 * 5];
        for (int n = 0; n < 2; n++) for (int i = 0; i < 3; i++) for (int k = 0; k < 5; k++) {
            double s = 0;
            for (int j = 0; j < 4; j++) s += a[n * 12 + i * 4 + j] * b[n * 20 + j * 5 + k];
            e[n * 15 + i * 5 + k] = (float) s;
        }
        close(e, r, 1e-5);
        float[] m = randoms(12);
        close(Tensor.of(m, 3, 4).transpose().toFloatArray(), Tensor.einsum("ij->ji", Tensor.of(m, 3, 4)).toFloatArray(), 0);
        double total = 0;
        for (float v : m) total += v;
        assertEquals(total, Tensor.einsum("ij->", Tensor.of(m, 3, 4)).item(), 1e-5);
        float[] u = randoms(3), v = randoms(4);
        float[] outer = Tensor.einsum("i,j", Tensor.of(u, 3), Tensor.of(v, 4)).toFloatArray();
        for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) assertEquals(u[i] * v[j], outer[i * 4 + j], 1e-6);
        IllegalArgumentException err = assertThrows(IllegalArgumentException.class, () -> Tensor.einsum("ij,jk->ik", Tensor.of(a, 2, 3, 4), Tensor.of(b, 2, 4, 5)));
        assertTrue(err.getMessage().contains("einsum: operand 0"), err.getMessage());
    }

    @OnEachDevice void attentionMatchesReference(String device) {
        Config.set("DEVICE", device);
        int l = 4, d = 3;
        float[] q = randoms(l * d), k = randoms(l * d), v = randoms(l * d);
        float[] got = Tensor.scaledDotProductAttention(Tensor.of(q, l, d), Tensor.of(k, l, d), Tensor.of(v, l, d), null, true).toFloatArray();
        for (int i = 0; i < l; i++) {
            double[] w = new double[l];
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j <= i; j++) {
                for (int c = 0; c < d; c++) w[j] += q[i * d + c] * k[j * d + c];
                w[j] /= Math.sqrt(d);
                max = Math.max(max, w[j]);
            }
            for (int j = 0; j <= i; j++) { w[j] = Math.exp(w[j] - max); sum += w[j]; }
            for (int c = 0; c < d; c++) {
                double o = 0;
                for (int j = 0; j <= i; j++) o += w[j] / sum * v[j * d + c];
                assertEquals(o, got[i * d + c], 1e-5);
            }
        }
    }

    @OnEachDevice void dropoutKeepsTheMeanAndZeroesAFraction(String device) {
        Config.set("DEVICE", device);
        Tensor.manualSeed(3);
        float[] r = Tensor.ones(20000).dropout(0.25).toFloatArray();
        int zeros = 0;
        double sum = 0;
        for (float f : r) { if (f == 0) zeros++; else assertEquals(1 / 0.75, f, 1e-6); sum += f; }
        assertEquals(0.25, zeros / 20000.0, 0.02);
        assertEquals(1.0, sum / 20000, 0.03);
    }

    @OnEachDevice void integerIndicesAreRequired(String device) {
        Config.set("DEVICE", device);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.ones(3, 3).gather(1, Tensor.ones(3, 3)));
        assertTrue(e.getMessage().contains("gather: indices must be int32"), e.getMessage());
        assertEquals(DType.INT32, Tensor.of(new float[]{2, 1}, 2).argsort().dtype());
    }
}
