// Dtype behaviour on every device: int32 arithmetic is exact, comparisons give bool, bools count as ints,
// int division gives floats, float-to-int casts truncate toward zero, argmax gives the first maximum as int32.
package dev.jtiny;

import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.DType;
import org.junit.jupiter.api.AfterEach;

import static org.junit.jupiter.api.Assertions.*;

class DTypeTest {
    @AfterEach
    void resetDevice() { Config.set("DEVICE", null); }

    /** Values beyond float32's 24-bit mantissa: a float detour would change them. */
    static final int BIG = 16_777_217; // 2^24 + 1

    static void assertInts(String what, int[] expected, Tensor got) {
        assertEquals(DType.INT32, got.dtype(), what + ": dtype");
        assertArrayEquals(expected, got.toIntArray(), what);
    }

    @OnEachDevice
    void int32ArithmeticIsExact(String device) {
        Reference.use(device);
        int[] a = {BIG, -7, 7, 0, 123_456_789, -2_000_000_000, 46_340, 3};
        int[] b = {1, 2, -2, 5, 987_654_321, -147_483_647, 46_340, 3};
        Tensor ta = Tensor.of(a, a.length), tb = Tensor.of(b, b.length);
        int n = a.length;
        int[] add = new int[n], sub = new int[n], mul = new int[n], max = new int[n], min = new int[n], neg = new int[n], abs = new int[n], sign = new int[n];
        for (int i = 0; i < n; i++) {
            add[i] = a[i] + b[i];
            sub[i] = a[i] - b[i];
            mul[i] = i == 4 || i == 5 ? 0 : a[i] * b[i];
            max[i] = Math.max(a[i], b[i]);
            min[i] = Math.min(a[i], b[i]);
            neg[i] = -a[i];
            abs[i] = Math.abs(a[i]);
            sign[i] = Integer.signum(a[i]);
        }
        assertInts(device + " add", add, ta.add(tb));
        assertInts(device + " sub", sub, ta.sub(tb));
        // Products that overflow are left out (mask them to 0 on both sides).
        boolean[] keep = {true, true, true, true, false, false, true, true};
        assertInts(device + " mul", mul, Tensor.of(keep, n).where(ta.mul(tb), 0));
        assertInts(device + " maximum", max, ta.maximum(tb));
        assertInts(device + " minimum", min, ta.minimum(tb));
        assertInts(device + " neg", neg, ta.neg());
        assertInts(device + " abs", abs, ta.abs());
        assertInts(device + " sign", sign, ta.sign());
        assertInts(device + " add(1) keeps int", new int[]{BIG + 1, -6, 8, 1, 123_456_790, -1_999_999_999, 46_341, 4}, ta.add(1));
        assertInts(device + " mul(3)", new int[]{3 * BIG, -21, 21, 0, 0, 0, 139_020, 9}, Tensor.of(keep, n).where(ta.mul(3), 0));
        assertInts(device + " where of ints", new int[]{BIG, 2, 7, 5, 987_654_321, -147_483_647, 46_340, 3}, ta.gt(tb).where(ta, tb));
        assertInts(device + " clamp of ints", new int[]{100, -7, 7, 0, 100, -100, 100, 3}, ta.clamp(-100, 100));
        assertInts(device + " sum", new int[]{BIG + 3}, Tensor.of(new int[]{BIG - 1, 1, 1, 1, 1}, 5).sum().reshape(1));
        assertInts(device + " sum over an axis", new int[]{BIG + 1, 6}, Tensor.of(new int[]{BIG, 1, 0, 6}, 2, 2).sum(1));
        assertInts(device + " max", new int[]{BIG}, Tensor.of(new int[]{BIG - 1, BIG, -BIG}, 3).max().reshape(1));
        assertInts(device + " min", new int[]{-BIG}, Tensor.of(new int[]{BIG - 1, BIG, -BIG}, 3).min().reshape(1));
        assertInts(device + " prod", new int[]{-5040}, Tensor.of(new int[]{1, -2, 3, 4, 5, 6, 7}, 7).prod().reshape(1));
        // Comparisons of ints that one float cannot tell apart.
        assertArrayEquals(new boolean[]{true, false, false}, Tensor.of(new int[]{BIG, BIG - 1, BIG}, 3).gt(Tensor.of(new int[]{BIG - 1, BIG - 1, BIG}, 3)).toBooleanArray(), device + " int gt");
        assertArrayEquals(new boolean[]{false, true}, Tensor.of(new int[]{BIG, BIG - 1}, 2).eq(BIG - 1).toBooleanArray(), device + " int eq scalar");
        assertEquals(1, (int) Tensor.of(new int[]{BIG - 1, BIG, BIG - 1}, 3).argmax().item(), device + " argmax of ints one float apart");
    }

    @OnEachDevice
    void promotion(String device) {
        Reference.use(device);
        Tensor i = Tensor.of(new int[]{1, 2, 3}, 3);
        Tensor f = Tensor.of(new float[]{0.5f, 0.25f, 2f}, 3);
        Tensor b = Tensor.of(new boolean[]{true, false, true}, 3);
        assertEquals(DType.FLOAT32, i.add(f).dtype());
        assertArrayEquals(new float[]{1.5f, 2.25f, 5f}, i.add(f).toFloatArray());
        assertEquals(DType.FLOAT32, i.add(0.5).dtype(), "an int plus a fractional scalar is float");
        assertArrayEquals(new float[]{1.5f, 2.5f, 3.5f}, i.add(0.5).toFloatArray());
        assertEquals(DType.INT32, i.mul(2).dtype(), "an int times a whole scalar stays int");
        assertEquals(DType.INT32, b.add(i).dtype(), "bool + int is int");
        assertArrayEquals(new int[]{2, 2, 4}, b.add(i).toIntArray());
        assertEquals(DType.FLOAT32, b.mul(f).dtype());
        assertArrayEquals(new float[]{0.5f, 0, 2}, b.mul(f).toFloatArray());
        assertEquals(DType.FLOAT32, i.exp().dtype(), "transcendental ops of ints are float");
        assertEquals((float) Math.E, Tensor.of(new int[]{1}, 1).exp().item(), 1e-6);
        assertEquals(DType.FLOAT32, i.sqrt().dtype());
        assertEquals(DType.FLOAT32, i.mean().dtype(), "mean of ints is float");
        assertEquals(2f, i.mean().item());
        assertEquals(1.5f, Tensor.arange(4).mean().item());
        assertEquals(DType.FLOAT32, Tensor.arange(4).softmax(0).dtype());
        assertEquals(DType.FLOAT32, Tensor.of(new boolean[]{true, false}, 2).where(i.reshape(3, 1).get(0), f.get(1)).dtype(),
                "where promotes its two branches");
    }

    @OnEachDevice
    void comparisonsGiveBoolAndBoolsCountAsInts(String device) {
        Reference.use(device);
        Tensor x = Tensor.of(new float[]{-1, 0, 2, 2, 5, -3, 0.5f}, 7);
        Tensor c = x.gt(0);
        assertEquals(DType.BOOL, c.dtype());
        for (Tensor t : new Tensor[]{x.eq(2), x.ne(2), x.lt(0), x.le(0), x.ge(2), x.gt(x.flip(0)), Tensor.of(new int[]{1, 2}, 2).lt(2)}) {
            assertEquals(DType.BOOL, t.dtype());
        }
        assertArrayEquals(new boolean[]{false, false, true, true, true, false, true}, c.toBooleanArray());
        Tensor count = c.sum();
        assertEquals(DType.INT32, count.dtype(), "sum of bools is an int count");
        assertEquals(4, (int) count.item());
        assertEquals(DType.INT32, x.eq(2).sum().dtype());
        assertEquals(2, (int) x.eq(2).sum().item());
        Tensor big = Tensor.arange(1023).lt(700);
        assertEquals(700, (int) big.sum().item(), "count over 1023 elements (more than a uchar holds)");
        assertArrayEquals(new int[]{2, 1}, Tensor.of(new boolean[]{true, true, false, true, false, false}, 2, 3).sum(1).toIntArray(), "count per row");
        assertEquals(4f / 7, c.mean().item(), 1e-6, "mean of bools is the fraction true");
        assertEquals(1, (int) c.max().item());
        // logical ops
        Tensor p = Tensor.of(new boolean[]{true, true, false, false}, 4), q = Tensor.of(new boolean[]{true, false, true, false}, 4);
        assertArrayEquals(new boolean[]{true, false, false, false}, p.logicalAnd(q).toBooleanArray());
        assertArrayEquals(new boolean[]{true, true, true, false}, p.logicalOr(q).toBooleanArray());
        assertArrayEquals(new boolean[]{false, false, true, true}, p.logicalNot().toBooleanArray());
        assertEquals(DType.BOOL, p.logicalAnd(q).dtype());
        assertArrayEquals(new boolean[]{false, false, true, true}, p.eq(0).toBooleanArray(), "bool == 0");
    }

    @OnEachDevice
    void intDivisionGivesFloats(String device) {
        Reference.use(device);
        Tensor a = Tensor.of(new int[]{7, -7, 1, 6, 0, BIG}, 6), b = Tensor.of(new int[]{2, 2, 3, -4, 5, 1}, 6);
        Tensor q = a.div(b);
        assertEquals(DType.FLOAT32, q.dtype());
        double[] want = {3.5, -3.5, 1 / 3.0, -1.5, 0, BIG};
        Reference.assertClose(device + " int/int", want, q.toFloatArray(), i -> 1e-6 * Math.max(1, Math.abs(want[i])));
        assertEquals(DType.FLOAT32, Tensor.arange(5).div(2).dtype(), "int / whole scalar is float");
        assertArrayEquals(new float[]{0, 0.5f, 1, 1.5f, 2}, Tensor.arange(5).div(2).toFloatArray());
        assertArrayEquals(new float[]{Float.POSITIVE_INFINITY}, Tensor.of(new int[]{1}, 1).div(Tensor.of(new int[]{0}, 1)).toFloatArray(), "int 1/0 is float inf, not a crash");
    }

    @OnEachDevice
    void castsTruncateTowardZeroAndRoundTrip(String device) {
        Reference.use(device);
        float[] f = {-2.7f, -2.5f, -0.5f, -0.0f, 0.5f, 2.5f, 2.7f, 1_000_000.5f, -1e9f, 3f, -3f};
        int[] truncated = {-2, -2, 0, 0, 0, 2, 2, 1_000_000, -1_000_000_000, 3, -3};
        Tensor t = Tensor.of(f, f.length);
        Tensor i = t.cast(DType.INT32);
        assertEquals(DType.INT32, i.dtype());
        assertArrayEquals(truncated, i.toIntArray(), device + " float -> int truncates toward zero");
        // Done on the device (inside a kernel, followed by more work), not only by the host read-back.
        assertArrayEquals(new int[]{-1, -1, 1, 1, 1, 3, 3, 1_000_001, -999_999_999, 4, -2}, t.cast(DType.INT32).add(1).toIntArray());
        float[] back = t.cast(DType.INT32).cast(DType.FLOAT32).mul(1).toFloatArray();
        for (int k = 0; k < f.length; k++) assertEquals((float) truncated[k], back[k], device + " int -> float [" + k + "]");
        assertArrayEquals(new float[]{16_777_216f, -3f}, Tensor.of(new int[]{BIG, -3}, 2).cast(DType.FLOAT32).toFloatArray(), "int -> float rounds to nearest");
        assertArrayEquals(new boolean[]{true, true, true, false, true, true, true, true, true, true, true}, t.cast(DType.BOOL).toBooleanArray(), "float -> bool is != 0");
        assertArrayEquals(new boolean[]{true, false, true}, Tensor.of(new int[]{-5, 0, 9}, 3).cast(DType.BOOL).toBooleanArray(), "int -> bool is != 0");
        Tensor bf = Tensor.of(new boolean[]{true, false}, 2).cast(DType.FLOAT32);
        assertEquals(DType.FLOAT32, bf.dtype());
        assertArrayEquals(new float[]{1, 0}, bf.add(0).toFloatArray());
        assertArrayEquals(new int[]{1, 0}, Tensor.of(new boolean[]{true, false}, 2).cast(DType.INT32).mul(1).toIntArray());
        assertSame(t, t.cast(DType.FLOAT32), "a cast to the same dtype is the tensor itself");
    }

    @OnEachDevice
    void argmaxGivesTheFirstMaximumAsInt32(String device) {
        Reference.use(device);
        Tensor t = Tensor.of(new float[]{1, 3, 3, 2, 3}, 5);
        assertEquals(DType.INT32, t.argmax().dtype());
        assertEquals(1, (int) t.argmax().item(), "first of three equal maxima");
        assertEquals(0, (int) t.argmin().item());
        assertEquals(0, (int) Tensor.full(new int[]{9}, 4).argmax().item(), "all equal: index 0");
        assertEquals(8, (int) Tensor.of(new float[]{0, 0, 0, 0, 0, 0, 0, 0, 1}, 9).argmax().item(), "the last element");
        Tensor m = Tensor.of(new float[][]{{5, 1, 5}, {0, 2, 2}, {7, 7, 7}, {-1, -3, -3}});
        assertArrayEquals(new int[]{0, 1, 0, 0}, m.argmax(1).toIntArray(), "per row, first maximum");
        assertArrayEquals(new int[]{1, 0, 0, 1}, m.argmin(1).toIntArray(), "per row, first minimum");
        assertArrayEquals(new int[]{2, 2, 2}, m.argmax(0).toIntArray(), "per column");
        assertArrayEquals(new int[]{4, 1}, m.argmax(1, true).shape());
        assertEquals(6, (int) m.argmax().item(), "over all: flattened index of the first 7");
        assertEquals(10, (int) m.argmin().item(), "over all: flattened index of the first -3");
        assertEquals(DType.INT32, m.argmax(0).dtype());
        assertEquals(1, (int) Tensor.of(new int[]{-4, BIG, BIG, 2}, 4).argmax().item(), "argmax of ints");
        assertEquals(1, (int) Tensor.of(new boolean[]{false, true, true}, 3).argmax().item(), "argmax of bools: first true");
        assertEquals(0, (int) Tensor.of(new float[]{Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY}, 2).argmax().item(), "all -inf");
    }
}
