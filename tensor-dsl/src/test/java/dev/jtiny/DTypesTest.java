// The wider dtypes on every device: float64, float16, bfloat16, int8, uint8 and int64 round-trip, compute like Java
// (float16/bfloat16 in float32, rounded once when stored; integers wrapping like C), cast between every pair, promote
// as DType.promote documents, and carry gradients (float64 to 1e-9).
package dev.jtiny;

import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.HalfPrecision;
import dev.jtiny.runtime.KernelLog;
import dev.jtiny.runtime.codegen.OpenCLRenderer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;

import static dev.jtiny.runtime.DType.*;
import static org.junit.jupiter.api.Assertions.*;

class DTypesTest {
    @AfterEach
    void resetDevice() { Config.set("DEVICE", null); }

    static final List<DType> ALL = List.of(BOOL, UINT8, INT8, INT32, INT64, FLOAT16, BFLOAT16, FLOAT32, FLOAT64);

    /** Reads back after a kernel: a flip of a flip is a view, so reading it copies through a load and a store. */
    static Tensor throughKernel(Tensor t) { return t.flip(0).contiguous().flip(0); }

    static double f16(double v) { return Float.float16ToFloat(HalfPrecision.f16(v)); }

    static double bf16(double v) { return HalfPrecision.bf16ToFloat(HalfPrecision.bf16(v)); }

    static void assertClose(String what, double[] expected, double[] got, double rtol, double atol) {
        assertEquals(expected.length, got.length, what + ": length");
        StringBuilder bad = new StringBuilder();
        int n = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], g = got[i];
            boolean ok = Double.isNaN(e) ? Double.isNaN(g) : Double.isInfinite(e) ? e == g : Math.abs(g - e) <= atol + rtol * Math.abs(e);
            if (!ok && n++ < 5) bad.append(String.format("%n  [%d] expected %.17g got %.17g", i, e, g));
        }
        if (n > 0) fail(what + ": " + n + " of " + expected.length + " values differ" + bad);
    }

    // ================================================================ round trips

    @OnEachDevice
    void float64RoundTripsEveryBit(String device) {
        Reference.use(device);
        double[] v = {0, -0.0, 1.0 / 3, Math.PI, 1e300, -1e-300, Double.MIN_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE,
                Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, 1 + Math.ulp(1.0)};
        Tensor t = Tensor.ofDoubles(v);
        assertEquals(FLOAT64, t.dtype());
        assertArrayEquals(v, t.toDoubleArray(), device + " host round trip");
        assertArrayEquals(v, throughKernel(t).toDoubleArray(), device + " through a kernel");
        assertArrayEquals(v, Tensor.of(v, FLOAT64, v.length).toDoubleArray(), "of(double[], FLOAT64)");
        assertEquals(FLOAT32, Tensor.of(v, v.length).dtype(), "of(double[], shape) stays float32");
        // Precision a float would lose.
        assertEquals((1 + 1e-10) - 1, Tensor.ofDoubles(1.0).add(1e-10).sub(1).toDoubleArray()[0], device + " (1 + 1e-10) - 1");
    }

    @OnEachDevice
    void int64RoundTripsBeyondInt32(String device) {
        Reference.use(device);
        long[] v = {0, 1, -1, 1L << 31, -(1L << 31) - 1, (1L << 40) + 7, (1L << 53) + 1, Long.MAX_VALUE, Long.MIN_VALUE, -123_456_789_012L};
        Tensor t = Tensor.ofLongs(v);
        assertEquals(INT64, t.dtype());
        assertArrayEquals(v, t.toLongArray(), device + " host round trip");
        assertArrayEquals(v, throughKernel(t).toLongArray(), device + " through a kernel");
        assertArrayEquals(new int[]{0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 7, 1, -1, 0, (int) -123_456_789_012L}, t.toIntArray(),
                "toIntArray keeps the low 32 bits");
        assertEquals((float) (1L << 40), t.toFloatArray()[5]);
    }

    @OnEachDevice
    void int8AndUint8RoundTripTheirWholeRange(String device) {
        Reference.use(device);
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) all[i] = (byte) (i - 128);
        Tensor s = Tensor.of(all, INT8, 256), u = Tensor.of(all, UINT8, 256);
        int[] signed = new int[256], unsigned = new int[256];
        for (int i = 0; i < 256; i++) {
            signed[i] = i - 128;
            unsigned[i] = (i - 128) & 0xFF;
        }
        assertArrayEquals(signed, s.toIntArray(), device + " int8");
        assertArrayEquals(signed, throughKernel(s).toIntArray(), device + " int8 through a kernel");
        assertArrayEquals(unsigned, u.toIntArray(), device + " uint8 reads 0..255");
        assertArrayEquals(unsigned, throughKernel(u).toIntArray(), device + " uint8 through a kernel");
        assertEquals(255, (int) Tensor.of(new byte[]{(byte) 255}, UINT8, 1).item());
        assertEquals(-128, (int) Tensor.of(new byte[]{-128}, INT8, 1).item());
        assertArrayEquals(new long[]{255, 0, 128}, Tensor.of(new double[]{255, 256, 128}, UINT8, 3).toLongArray(), "of(double[], UINT8) wraps like a cast");
    }

    @OnEachDevice
    void float16KeepsItsExtremesAndRoundsToNearestEven(String device) {
        Reference.use(device);
        short[] bits = {0x0000, (short) 0x8000, 0x3c00, 0x7bff, (short) 0xfbff, 0x0001, 0x03ff, 0x0400, 0x7c00, (short) 0xfc00, 0x7e00, 0x3555};
        double[] want = new double[bits.length];
        for (int i = 0; i < bits.length; i++) want[i] = Float.float16ToFloat(bits[i]);
        assertEquals(65504, want[3]);
        assertEquals(Math.pow(2, -24), want[5], "smallest subnormal");
        Tensor t = Tensor.ofBits(bits, FLOAT16, bits.length);
        assertEquals(FLOAT16, t.dtype());
        assertArrayEquals(want, t.toDoubleArray(), device + " host round trip");
        assertArrayEquals(want, throughKernel(t).toDoubleArray(), device + " through a kernel (vload_half / vstore_half_rte)");
        // Rounding on the way in, on the host and by a cast in a kernel (float64 -> float16 must round once).
        double tie = 1 + Math.pow(2, -11);
        double[] in = {65504, 65519, 65520, 1e6, Math.pow(2, -24), Math.pow(2, -25), 1.5 * Math.pow(2, -25), tie, tie + Math.pow(2, -40),
                1 + 3 * Math.pow(2, -11), -2.5, 1.0 / 3, Double.NaN, Double.NEGATIVE_INFINITY};
        double[] out = {65504, 65504, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, Math.pow(2, -24), 0, Math.pow(2, -24), 1,
                1 + Math.pow(2, -10), 1 + 4 * Math.pow(2, -11), -2.5, 0.333251953125, Double.NaN, Double.NEGATIVE_INFINITY};
        assertArrayEquals(out, Tensor.of(in, FLOAT16, in.length).toDoubleArray(), "of(double[], FLOAT16)");
        assertArrayEquals(out, Tensor.ofDoubles(in).cast(FLOAT16).toDoubleArray(), device + " float64 -> float16 in a kernel");
        float[] inF = new float[in.length];
        for (int i = 0; i < in.length; i++) inF[i] = (float) in[i];
        double[] outF = new double[in.length];
        for (int i = 0; i < in.length; i++) outF[i] = Float.float16ToFloat(Float.floatToFloat16(inF[i]));
        assertArrayEquals(outF, Tensor.of(inF, inF.length).cast(FLOAT16).toDoubleArray(), device + " float32 -> float16 in a kernel");
    }

    @OnEachDevice
    void bfloat16RoundsToNearestEven(String device) {
        Reference.use(device);
        double u = Math.pow(2, -7); // spacing of bfloat16 in [1, 2)
        double[] in = {1, 1 + u / 2, 1 + 3 * u / 2, 1 + u / 2 + Math.pow(2, -20), 3.14159, -3.14159, 3.3895313892515355e38, 3.4e38,
                1e-40, 0.0, -0.0, Double.NaN, Double.POSITIVE_INFINITY, 255, 257};
        double[] out = {1, 1, 1 + 2 * u, 1 + u, 3.140625, -3.140625, 3.3895313892515355e38, Double.POSITIVE_INFINITY,
                bf16(1e-40), 0.0, -0.0, Double.NaN, Double.POSITIVE_INFINITY, 255, 256};
        Tensor t = Tensor.of(in, BFLOAT16, in.length);
        assertEquals(BFLOAT16, t.dtype());
        assertArrayEquals(out, t.toDoubleArray(), "of(double[], BFLOAT16)");
        assertArrayEquals(out, throughKernel(t).toDoubleArray(), device + " through a kernel");
        assertArrayEquals(out, Tensor.ofDoubles(in).cast(BFLOAT16).toDoubleArray(), device + " float64 -> bfloat16 in a kernel");
        float[] inF = new float[in.length];
        for (int i = 0; i < in.length; i++) inF[i] = (float) in[i];
        double[] outF = new double[in.length];
        for (int i = 0; i < in.length; i++) outF[i] = HalfPrecision.roundBf16(inF[i]);
        assertArrayEquals(outF, Tensor.of(inF, inF.length).cast(BFLOAT16).toDoubleArray(), device + " float32 -> bfloat16 in a kernel");
        assertArrayEquals(out, Tensor.of(inF, BFLOAT16, inF.length).cast(FLOAT32).toDoubleArray(), "of(float[], BFLOAT16)");
    }

    // ================================================================ arithmetic

    /** Each binary op on (a, b) and unary op on a, against a Java reference, both on 64 values (upcast kernels too). */
    private static void checkOps(String what, DType t, double[] a, double[] b, double rtol, DoubleUnaryOperator round) {
        Tensor ta = Tensor.of(a, t, a.length), tb = Tensor.of(b, t, b.length);
        double[] ra = ta.toDoubleArray(), rb = tb.toDoubleArray();
        record Op2(String name, UnaryOperator<Tensor> op, DoubleBinaryOperator ref) {}
        Tensor[] holder = {tb};
        List<Op2> ops = List.of(
                new Op2("add", x -> x.add(holder[0]), Double::sum),
                new Op2("sub", x -> x.sub(holder[0]), (x, y) -> x - y),
                new Op2("mul", x -> x.mul(holder[0]), (x, y) -> x * y),
                new Op2("maximum", x -> x.maximum(holder[0]), Math::max),
                new Op2("minimum", x -> x.minimum(holder[0]), Math::min));
        // All five in one kernel (stacked), so that a device compiles one kernel per dtype.
        Tensor[] results = ops.stream().map(op -> op.op.apply(ta)).toArray(Tensor[]::new);
        for (int k = 0; k < ops.size(); k++) assertEquals(t, results[k].dtype(), what + " " + ops.get(k).name + ": dtype");
        double[] got = results[0].stack(0, Arrays.copyOfRange(results, 1, results.length)).toDoubleArray();
        for (int k = 0; k < ops.size(); k++) {
            double[] want = new double[a.length];
            for (int i = 0; i < a.length; i++) want[i] = round.applyAsDouble(ops.get(k).ref.applyAsDouble(ra[i], rb[i]));
            assertClose(what + " " + ops.get(k).name, want, Arrays.copyOfRange(got, k * a.length, (k + 1) * a.length), rtol, 0);
        }
    }

    @OnEachDevice
    void float64ArithmeticIsFloat64(String device) {
        Reference.use(device);
        Random rnd = new Random(11);
        int n = 64;
        double[] a = new double[n], b = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = rnd.nextGaussian() * 3;
            b[i] = 0.5 + rnd.nextDouble() * 4;
        }
        checkOps(device + " float64", FLOAT64, a, b, 1e-15, x -> x);
        Tensor ta = Tensor.ofDoubles(a), tb = Tensor.ofDoubles(b);
        record Op1(String name, Tensor got, double[] want) {}
        double[] div = new double[n];
        for (int i = 0; i < n; i++) div[i] = a[i] / b[i];
        List<Op1> ops = List.of(
                new Op1("div", ta.div(tb), div),
                new Op1("exp", ta.exp(), Arrays.stream(a).map(Math::exp).toArray()),
                new Op1("log", tb.log(), Arrays.stream(b).map(Math::log).toArray()),
                new Op1("sqrt", tb.sqrt(), Arrays.stream(b).map(Math::sqrt).toArray()),
                new Op1("sin", ta.sin(), Arrays.stream(a).map(Math::sin).toArray()),
                new Op1("cos", ta.cos(), Arrays.stream(a).map(Math::cos).toArray()),
                new Op1("tanh", ta.tanh(), Arrays.stream(a).map(Math::tanh).toArray()),
                new Op1("sigmoid", ta.sigmoid(), Arrays.stream(a).map(x -> 1 / (1 + Math.exp(-x))).toArray()),
                new Op1("pow 1.7", tb.pow(1.7), Arrays.stream(b).map(x -> Math.pow(x, 1.7)).toArray()));
        // One kernel for all of them (stacked).
        Tensor[] results = ops.stream().map(Op1::got).toArray(Tensor[]::new);
        double[] got = results[0].stack(0, Arrays.copyOfRange(results, 1, results.length)).toDoubleArray();
        for (int k = 0; k < ops.size(); k++) {
            Op1 op = ops.get(k);
            assertEquals(FLOAT64, op.got.dtype(), op.name + ": dtype");
            // sin(x), cos(x) as sin(pi/2 - x) and tanh(x) as 2 sigmoid(2x) - 1 are exact to 1e-12 of their scale, not of a result near 0.
            double atol = switch (op.name) { case "cos", "sin", "tanh" -> 1e-13; default -> 0; };
            assertClose(device + " float64 " + op.name, op.want, Arrays.copyOfRange(got, k * n, (k + 1) * n), 1e-12, atol);
        }
        double sum = Arrays.stream(a).sum();
        assertEquals(FLOAT64, ta.sum().dtype());
        assertEquals(sum, ta.sum().toDoubleArray()[0], 1e-12, device + " float64 sum");
        assertEquals(sum / n, ta.mean().toDoubleArray()[0], 1e-13, device + " float64 mean");
        assertEquals(FLOAT32, ta.cast(FLOAT32).exp().dtype());
    }

    @OnEachDevice
    void int64ArithmeticIsExact(String device) {
        Reference.use(device);
        long[] a = {3_000_000_000_123L, -7_777_777_777L, 1L << 40, -(1L << 33), 5, Long.MIN_VALUE + 10, 99, -1};
        long[] b = {-7_777_777_777L, 12_345_678_901L, 3, 1L << 20, -5, 10, 1L << 34, 1L << 62};
        Tensor ta = Tensor.ofLongs(a), tb = Tensor.ofLongs(b);
        int n = a.length;
        long[] add = new long[n], sub = new long[n], mul = new long[n], max = new long[n], min = new long[n], neg = new long[n];
        for (int i = 0; i < n; i++) {
            add[i] = a[i] + b[i];
            sub[i] = a[i] - b[i];
            mul[i] = a[i] * b[i];
            max[i] = Math.max(a[i], b[i]);
            min[i] = Math.min(a[i], b[i]);
            neg[i] = -a[i];
        }
        assertArrayEquals(add, ta.add(tb).toLongArray(), device + " add");
        assertArrayEquals(sub, ta.sub(tb).toLongArray(), device + " sub");
        boolean[] small = new boolean[n];
        for (int i = 0; i < n; i++) small[i] = Math.abs((double) a[i] * b[i]) < 9e18;
        long[] mulKept = mul.clone();
        for (int i = 0; i < n; i++) if (!small[i]) mulKept[i] = 0;
        assertArrayEquals(mulKept, Tensor.of(small, n).where(ta.mul(tb), 0).toLongArray(), device + " mul");
        assertArrayEquals(max, ta.maximum(tb).toLongArray(), device + " maximum");
        assertArrayEquals(min, ta.minimum(tb).toLongArray(), device + " minimum");
        assertArrayEquals(neg, ta.neg().toLongArray(), device + " neg");
        assertArrayEquals(new long[]{3_000_000_000_124L, -7_777_777_776L}, Tensor.ofLongs(a[0], a[1]).add(1).toLongArray(), "a scalar keeps int64");
        assertEquals(INT64, ta.add(1).dtype());
        assertArrayEquals(new long[]{(1L << 40) * 3 + 12}, Tensor.ofLongs(1L << 40, 1L << 40, 1L << 40, 12).sum().reshape(1).toLongArray(), device + " sum");
        assertArrayEquals(new long[]{Long.MIN_VALUE + 10}, ta.min().reshape(1).toLongArray(), device + " min");
        assertArrayEquals(new long[]{3_000_000_000_123L}, ta.max().reshape(1).toLongArray(), device + " max");
        assertArrayEquals(new boolean[]{false, true, false, true, false, true, true, true}, ta.lt(tb).toBooleanArray(), device + " lt");
        assertEquals(1, (int) Tensor.ofLongs(1L << 40, (1L << 40) + 1, 1L << 40).argmax().item(), device + " argmax of int64 one apart");
    }

    @OnEachDevice
    void int8AndUint8WrapLikeC(String device) {
        Reference.use(device);
        int[] a = {100, -100, 127, -128, 5, -7, 0, 64, 1, 2, 3, 4, 5, 6, 7, 8};
        int[] b = {100, -100, 1, -1, 3, 2, 0, 2, 1, 1, 1, 1, 1, 1, 1, 1};
        double[] ad = Arrays.stream(a).asDoubleStream().toArray(), bd = Arrays.stream(b).asDoubleStream().toArray();
        checkOps(device + " int8", INT8, ad, bd, 0, v -> (byte) (long) v);
        Tensor s = Tensor.of(ad, INT8, a.length);
        int[] neg = new int[a.length], abs = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            neg[i] = (byte) -a[i];
            abs[i] = (byte) Math.abs(a[i]);
        }
        assertArrayEquals(neg, s.neg().toIntArray(), device + " int8 neg (-(-128) is -128)");
        assertArrayEquals(abs, s.abs().toIntArray(), device + " int8 abs");
        assertEquals(INT32, s.sum().dtype(), "int8 sums accumulate in int32");
        assertEquals(Arrays.stream(a).sum(), (int) s.sum().item(), device + " int8 sum");
        assertEquals(INT8, s.max().dtype());
        assertEquals(-128, (int) s.min().item(), device + " int8 min");
        assertEquals(127, (int) s.max().item(), device + " int8 max");

        int[] ua = {200, 255, 0, 17, 128, 1, 2, 250, 10, 20, 30, 40, 50, 60, 70, 80};
        int[] ub = {100, 1, 1, 3, 128, 255, 254, 10, 1, 2, 3, 4, 5, 6, 7, 8};
        double[] uad = Arrays.stream(ua).asDoubleStream().toArray(), ubd = Arrays.stream(ub).asDoubleStream().toArray();
        checkOps(device + " uint8", UINT8, uad, ubd, 0, v -> (long) v & 0xFF);
        Tensor u = Tensor.of(uad, UINT8, ua.length);
        int[] uneg = new int[ua.length];
        for (int i = 0; i < ua.length; i++) uneg[i] = -ua[i] & 0xFF;
        assertArrayEquals(uneg, u.neg().toIntArray(), device + " uint8 neg wraps");
        assertArrayEquals(ua, u.abs().toIntArray(), device + " uint8 abs is itself");
        assertArrayEquals(new int[]{199, 254, 255, 16}, Tensor.of(new double[]{200, 255, 0, 17}, UINT8, 4).sub(1).toIntArray(), device + " uint8 - 1 wraps at 0");
        assertEquals(0, (int) u.min().item(), device + " uint8 min");
        assertEquals(255, (int) u.max().item(), device + " uint8 max");
        assertEquals(Arrays.stream(ua).sum(), (int) u.sum().item(), device + " uint8 sum (int32)");
        assertArrayEquals(new int[]{100, 128, 0, 0}, Tensor.of(new double[]{200, 255, 0, 17}, UINT8, 4).clamp(0, 100).add(
                Tensor.of(new double[]{0, 28, 0, 239}, UINT8, 4)).toIntArray(), device + " clamp then wrap");
    }

    @OnEachDevice
    void float16AndBfloat16ComputeInFloat32AndRoundOnce(String device) {
        Reference.use(device);
        Random rnd = new Random(5);
        int n = 64;
        double[] a = new double[n], b = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = rnd.nextGaussian() * 10;
            b[i] = rnd.nextGaussian() * 10;
        }
        // Sums and products of two 16-bit floats are exact in float32, so one rounding gives exactly these.
        checkOps(device + " float16", FLOAT16, a, b, 0, DTypesTest::f16);
        checkOps(device + " bfloat16", BFLOAT16, a, b, 0, DTypesTest::bf16);
        // A chain is rounded once, at the end: (x * 3 + 1) / 7 with the intermediate values in float32.
        for (DType t : List.of(FLOAT16, BFLOAT16)) {
            Tensor x = Tensor.of(a, t, n);
            double[] xs = x.toDoubleArray();
            double[] want = new double[n];
            for (int i = 0; i < n; i++) {
                double w = (float) ((float) ((float) (xs[i] * 3) + 1) * (float) (1.0 / 7));
                want[i] = t == FLOAT16 ? f16(w) : bf16(w);
            }
            Tensor y = x.mul(3).add(1).div(7);
            assertEquals(t, y.dtype());
            assertClose(device + " " + t + " chain", want, y.toDoubleArray(), 0, 0);
            Tensor tenth = x.div(10);
            Tensor e = tenth.exp();
            assertEquals(t, e.dtype(), "exp keeps " + t);
            double[] we = Arrays.stream(tenth.toDoubleArray()).map(Math::exp).toArray();
            assertClose(device + " " + t + " exp", we, e.toDoubleArray(), t == FLOAT16 ? Math.pow(2, -11) : Math.pow(2, -8), 0);
        }
    }

    @OnEachDevice
    void float16SumOf10kValuesAccumulatesInFloat32(String device) {
        Reference.use(device);
        int n = 10_000;
        // float16 accumulation would stop at 2048: 2048 + 1 rounds back to 2048.
        Tensor ones = Tensor.of(new double[n], FLOAT16, n).add(1);
        assertEquals(FLOAT16, ones.sum().dtype());
        assertEquals(10_000f, ones.sum().item(), device + " sum of 10k float16 ones");
        Random rnd = new Random(3);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = rnd.nextDouble();
        for (DType t : List.of(FLOAT16, BFLOAT16)) {
            Tensor x = Tensor.of(v, t, n);
            double[] held = x.toDoubleArray();
            double exact = Arrays.stream(held).sum();
            double got = x.sum().toDoubleArray()[0];
            // The result is a 16-bit float: within half a unit in its last place of the exact sum, plus float32-level error.
            double bound = (t == FLOAT16 ? Math.pow(2, -11) : Math.pow(2, -8)) * Math.pow(2, Math.getExponent(exact)) + exact * 1e-6;
            assertEquals(exact, got, bound, device + " " + t + " sum of 10k values");
            // Accumulating in the 16-bit type itself would be far off.
            double acc = 0;
            for (double h : held) acc = t == FLOAT16 ? f16(acc + h) : bf16(acc + h);
            assertTrue(Math.abs(acc - exact) > 10 * bound, t + ": a 16-bit accumulator errs by " + Math.abs(acc - exact));
            double mean = exact / n, meanBound = (t == FLOAT16 ? Math.pow(2, -11) : Math.pow(2, -8)) * Math.pow(2, Math.getExponent(mean)) + mean * 1e-6;
            assertEquals(mean, x.mean().toDoubleArray()[0], meanBound, device + " " + t + " mean");
        }
        // Long enough to be split into partial sums: the partials stay float32.
        int big = 1 << 17;
        double[] w = new double[big];
        for (int i = 0; i < big; i++) w[i] = rnd.nextDouble() * 0.5;
        Tensor x = Tensor.of(w, FLOAT16, big);
        double exact = Arrays.stream(x.toDoubleArray()).sum();
        double bound = Math.pow(2, -11) * Math.pow(2, Math.getExponent(exact)) + exact * 1e-6;
        assertEquals(exact, x.sum().toDoubleArray()[0], bound, device + " float16 sum of 2^17 values, split");
    }

    // ================================================================ casts

    @OnEachDevice
    void castsBetweenEveryPair(String device) {
        Reference.use(device);
        double[] v = {0, 1, -1, 2.5, -2.7, 5, 100.75, 127, -128, 200.9, 0.4, 3}; // no -0.0: stack adds zeros, which makes it +0.0
        for (DType from : ALL) {
            Tensor t = Tensor.of(v, from, v.length);
            double[] held = t.toDoubleArray();
            // One kernel per source type: every cast of it, each widened to float64 (which holds every sample exactly).
            Tensor[] casts = ALL.stream().map(to -> t.cast(to).cast(FLOAT64)).toArray(Tensor[]::new);
            double[] got = casts[0].stack(0, Arrays.copyOfRange(casts, 1, casts.length)).toDoubleArray();
            for (int k = 0; k < ALL.size(); k++) {
                DType to = ALL.get(k);
                assertEquals(to, t.cast(to).dtype());
                double[] want = new double[v.length];
                for (int i = 0; i < v.length; i++) want[i] = to.round(held[i]);
                assertArrayEquals(want, Arrays.copyOfRange(got, k * v.length, (k + 1) * v.length), device + " " + from + " -> " + to + " in a kernel");
                for (int i : new int[]{3, 4, 9}) {
                    Double folded = Tensor.full(new int[]{1}, held[i], from).cast(to).lazyBuffer().constValue();
                    assertEquals(want[i], folded, device + " " + from + " -> " + to + " of " + held[i] + " folded");
                }
            }
        }
        // The rules, spelled out.
        Tensor f = Tensor.ofDoubles(-2.7, 2.7, -0.5, 255.9, 128.2);
        assertArrayEquals(new long[]{-2, 2, 0, 255, 128}, f.cast(INT64).toLongArray(), "float -> int64 truncates toward zero");
        assertArrayEquals(new int[]{-2, 2, 0, 255, 128}, f.cast(INT32).toIntArray(), "float64 -> int32 likewise");
        assertArrayEquals(new int[]{254, 2, 0, 255, 128}, f.cast(UINT8).toIntArray(), "float -> uint8 keeps the low byte of the truncation");
        assertArrayEquals(new int[]{-2, 2, 0, -1, -128}, f.cast(INT8).toIntArray(), "float -> int8 likewise");
        assertArrayEquals(new boolean[]{true, true, true, true, true}, f.cast(BOOL).toBooleanArray());
        assertArrayEquals(new double[]{1, 0}, Tensor.of(new boolean[]{true, false}, 2).cast(FLOAT64).toDoubleArray(), "bool -> float64");
        assertArrayEquals(new int[]{1, 0, 1}, Tensor.of(new byte[]{(byte) 255, 0, 1}, UINT8, 3).cast(BOOL).cast(INT8).toIntArray(), "uint8 -> bool -> int8");
        assertArrayEquals(new double[]{255, -1}, Tensor.of(new byte[]{(byte) 255, (byte) 255}, UINT8, 2).cast(FLOAT16).mul(
                Tensor.of(new double[]{1, 0}, FLOAT16, 2)).add(Tensor.of(new double[]{0, -1}, FLOAT16, 2)).toDoubleArray(), "uint8 -> float16");
        assertArrayEquals(new long[]{(1L << 40) + 1}, Tensor.ofLongs((1L << 40) + 1).cast(FLOAT64).cast(INT64).toLongArray(), "int64 -> float64 -> int64 below 2^53");
    }

    // ================================================================ promotion

    @Test
    void promotionTable() {
        // bool < uint8 < int8 < int32 < int64 < float16 < bfloat16 < float32 < float64, with two exceptions.
        assertEquals(FLOAT16, DType.promote(INT8, FLOAT16));
        assertEquals(INT32, DType.promote(UINT8, INT8), "no int16: the narrowest type holding both");
        assertEquals(FLOAT32, DType.promote(FLOAT16, BFLOAT16), "neither 16-bit float holds the other");
        assertEquals(UINT8, DType.promote(BOOL, UINT8));
        assertEquals(INT64, DType.promote(INT32, INT64));
        assertEquals(INT64, DType.promote(UINT8, INT64));
        assertEquals(FLOAT16, DType.promote(INT64, FLOAT16), "ints with floats give the float (torch)");
        assertEquals(BFLOAT16, DType.promote(INT32, BFLOAT16));
        assertEquals(FLOAT64, DType.promote(FLOAT32, FLOAT64));
        assertEquals(FLOAT32, DType.promote(BFLOAT16, FLOAT32));
        for (DType a : ALL) {
            assertEquals(a, DType.promote(a, a));
            assertEquals(a, DType.promote(a, BOOL));
            for (DType b : ALL) assertEquals(DType.promote(a, b), DType.promote(b, a), a + " with " + b);
        }
        assertEquals(FLOAT32, FLOAT16.computeType());
        assertEquals(FLOAT32, BFLOAT16.computeType());
        assertEquals(FLOAT64, FLOAT64.computeType());
        assertEquals(INT8, INT8.computeType());
        assertTrue(FLOAT16.isFloat() && BFLOAT16.isFloat() && FLOAT64.isFloat() && !INT64.isFloat() && !BOOL.isFloat());
        assertTrue(INT8.isInt() && UINT8.isInt() && INT64.isInt() && !BOOL.isInt() && !FLOAT16.isInt());
        assertEquals(List.of(8, 2, 2, 1, 1, 8), List.of(FLOAT64.itemSize, FLOAT16.itemSize, BFLOAT16.itemSize, INT8.itemSize, UINT8.itemSize, INT64.itemSize));
    }

    @OnEachDevice
    void opsPromoteTheirOperands(String device) {
        Reference.use(device);
        Tensor i8 = Tensor.of(new byte[]{-3, 4}, INT8, 2), u8 = Tensor.of(new byte[]{(byte) 250, 4}, UINT8, 2);
        Tensor h = Tensor.of(new double[]{0.5, 1.5}, FLOAT16, 2), bf = Tensor.of(new double[]{2, 4}, BFLOAT16, 2);
        Tensor d = Tensor.ofDoubles(0.25, 1e-12), l = Tensor.ofLongs(1L << 40, -1), i = Tensor.ofInts(7, -7);
        assertEquals(FLOAT16, i8.add(h).dtype());
        assertArrayEquals(new double[]{-2.5, 5.5}, i8.add(h).toDoubleArray());
        assertEquals(INT32, u8.add(i8).dtype());
        assertArrayEquals(new int[]{247, 8}, u8.add(i8).toIntArray(), "uint8 + int8 in int32: no wrap");
        assertEquals(FLOAT32, h.mul(bf).dtype());
        assertArrayEquals(new double[]{1, 6}, h.mul(bf).toDoubleArray());
        assertEquals(FLOAT64, d.add(h).dtype());
        assertArrayEquals(new double[]{0.75, 1.5 + 1e-12}, d.add(h).toDoubleArray());
        assertEquals(INT64, l.add(i).dtype());
        assertArrayEquals(new long[]{(1L << 40) + 7, -8}, l.add(i).toLongArray());
        assertEquals(FLOAT64, l.add(d).dtype());
        assertEquals(FLOAT16, l.mul(h).dtype(), "int64 * float16 is float16");
        // Scalars take the tensor's type; a fraction makes an integer tensor float32.
        assertEquals(UINT8, u8.add(10).dtype());
        assertArrayEquals(new int[]{4, 14}, u8.add(10).toIntArray(), "uint8 + 10 wraps");
        assertEquals(FLOAT32, i8.mul(0.5).dtype());
        assertEquals(FLOAT16, h.mul(0.1).dtype());
        assertEquals(FLOAT64, d.mul(1.0 / 3).dtype());
        assertEquals(1e-12 / 3, d.mul(1.0 / 3).toDoubleArray()[1], 1e-28);
        // Division: ints give float32, floats keep their type; mean likewise.
        assertEquals(FLOAT32, l.div(l).dtype());
        assertEquals(FLOAT32, i8.div(2).dtype());
        assertArrayEquals(new float[]{-1.5f, 2f}, i8.div(2).toFloatArray());
        assertEquals(FLOAT16, h.div(h).dtype());
        assertEquals(FLOAT64, d.div(i).dtype());
        assertEquals(FLOAT64, i.div(d).dtype());
        assertEquals(FLOAT32, i8.mean().dtype());
        assertEquals(FLOAT16, h.mean().dtype());
        assertEquals(FLOAT64, d.mean().dtype());
        assertEquals(BFLOAT16, bf.softmax(0).dtype());
        assertEquals(FLOAT64, d.softmax(0).dtype());
        assertEquals(FLOAT16, h.where(h, 0).dtype());
        assertEquals(BOOL, h.lt(bf).dtype());
    }

    // ================================================================ gradients

    @OnEachDevice
    void gradientThroughFloat64MatchesAFloat64Reference(String device) {
        Reference.use(device);
        Random rnd = new Random(17);
        int n = 3, k = 4, m = 5;
        double[] x = new double[n * k], w = new double[k * m];
        for (int i = 0; i < x.length; i++) x[i] = rnd.nextGaussian();
        for (int i = 0; i < w.length; i++) w[i] = rnd.nextGaussian() * 0.5;
        Tensor tx = Tensor.ofDoubles(x, n, k).requiresGrad(true), tw = Tensor.ofDoubles(w, k, m).requiresGrad(true);
        // loss = sum(tanh(x @ w)) + mean(x^2) / 3 + sum(log(1 + exp(w)))
        Tensor loss = tx.matmul(tw).tanh().sum().add(tx.square().mean().div(3)).add(tw.exp().add(1).log().sum());
        assertEquals(FLOAT64, loss.dtype());
        loss.backward();
        double[] gx = new double[n * k], gw = new double[k * m];
        double want = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                double s = 0;
                for (int q = 0; q < k; q++) s += x[i * k + q] * w[q * m + j];
                double th = Math.tanh(s);
                want += th;
                for (int q = 0; q < k; q++) {
                    gx[i * k + q] += (1 - th * th) * w[q * m + j];
                    gw[q * m + j] += (1 - th * th) * x[i * k + q];
                }
            }
        }
        for (int i = 0; i < x.length; i++) {
            want += x[i] * x[i] / x.length / 3;
            gx[i] += 2 * x[i] / x.length / 3;
        }
        for (int i = 0; i < w.length; i++) {
            want += Math.log(1 + Math.exp(w[i]));
            gw[i] += 1 / (1 + Math.exp(-w[i]));
        }
        assertClose(device + " loss", new double[]{want}, loss.toDoubleArray(), 1e-12, 0);
        assertEquals(FLOAT64, tx.grad().dtype());
        assertClose(device + " d loss / d x", gx, tx.grad().toDoubleArray(), 1e-9, 1e-12);
        assertClose(device + " d loss / d w", gw, tw.grad().toDoubleArray(), 1e-9, 1e-12);
    }

    @OnEachDevice
    void gradientsFlowThroughFloatCastsBothWays(String device) {
        Reference.use(device);
        Tensor x = Tensor.of(new float[]{1, 2, 3}, 3).requiresGrad(true);
        x.cast(FLOAT64).mul(Tensor.ofDoubles(0.1, 0.2, 0.3)).sum().backward();
        assertEquals(FLOAT32, x.grad().dtype(), "the gradient has the leaf's type");
        assertArrayEquals(new float[]{0.1f, 0.2f, 0.3f}, x.grad().toFloatArray());
        Tensor d = Tensor.ofDoubles(1, 2, 3).requiresGrad(true);
        d.cast(FLOAT16).mul(2).cast(BFLOAT16).square().sum().backward();
        assertEquals(FLOAT64, d.grad().dtype());
        assertArrayEquals(new double[]{8, 16, 24}, d.grad().toDoubleArray(), "d/dx (2x)^2 = 8x");
        Tensor h = Tensor.of(new double[]{0.5, -1}, FLOAT16, 2).requiresGrad(true);
        h.mul(h).sum().backward();
        assertEquals(FLOAT16, h.grad().dtype());
        assertArrayEquals(new double[]{1, -2}, h.grad().toDoubleArray());
        Tensor b = Tensor.of(new double[]{0.5, -1}, BFLOAT16, 2).requiresGrad(true);
        b.relu().sum().backward();
        assertArrayEquals(new double[]{1, 0}, b.grad().toDoubleArray());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.ofLongs(1, 2).requiresGrad(true));
        assertTrue(e.getMessage().contains("only float tensors"), e.getMessage());
        // float -> int -> float carries no gradient.
        Tensor y = Tensor.ofDoubles(1.5, 2.5).requiresGrad(true);
        y.cast(INT64).cast(FLOAT64).add(y).sum().backward();
        assertArrayEquals(new double[]{1, 1}, y.grad().toDoubleArray());
    }

    // ================================================================ printing and kernels

    @OnEachDevice
    void toStringPrintsEachType(String device) {
        Reference.use(device);
        assertEquals("Tensor(shape=[3], dtype=long, device=" + device + ")\n" + String.format("[%16s, %16s, %16s]", "9007199254740993", "-1", "0"),
                Tensor.ofLongs((1L << 53) + 1, -1, 0).toString());
        assertEquals("Tensor(shape=[3], dtype=double, device=" + device + ")\n[     0.3333, 1.0000e+300,     -2.5000]",
                Tensor.ofDoubles(1.0 / 3, 1e300, -2.5).toString());
        assertEquals("Tensor(shape=[3], dtype=half, device=" + device + ")\n[65504.0,     inf,     nan]",
                Tensor.of(new double[]{65504, 1e6, Double.NaN}, FLOAT16, 3).toString());
        assertEquals("Tensor(shape=[2], dtype=bfloat16, device=" + device + ")\n[3.1406,   -1.0]", Tensor.of(new double[]{3.14159, -1}, BFLOAT16, 2).toString());
        assertEquals("Tensor(shape=[3], dtype=uint8, device=" + device + ")\n[255,   0, 128]", Tensor.of(new byte[]{(byte) 255, 0, (byte) 128}, UINT8, 3).toString());
        assertEquals("Tensor(shape=[2], dtype=int8, device=" + device + ")\n[-128,  127]", Tensor.of(new byte[]{-128, 127}, INT8, 2).toString());
    }

    @Test
    void openclEnablesFp64OnlyForKernelsThatUseDouble() {
        Reference.use("OPENCL:0");
        Tensor.ofDoubles(1, 2, 3).mul(2).realize();
        String src = KernelLog.entries().getLast().source();
        assertTrue(src.startsWith(OpenCLRenderer.FP64_PRAGMA), src);
        assertTrue(src.contains("double"), src);
        Tensor.of(new double[]{1, 2, 3}, FLOAT16, 3).mul(2).realize();
        String half = KernelLog.entries().getLast().source();
        assertFalse(half.contains("fp64") || half.contains("double"), half);
        assertTrue(half.contains("vload_half") && half.contains("vstore_half_rte"), half);
    }

    @Test
    void creationRejectsTheWrongArrayForADtype() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new byte[]{1}, FLOAT32, 1));
        assertTrue(e.getMessage().contains("int8, uint8 or bool"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.ofBits(new short[]{1}, INT32, 1));
        assertTrue(e.getMessage().contains("float16 or bfloat16"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.ofLongs(1, 2, 3).reshape(2, 2));
        assertTrue(e.getMessage().contains("reshape"), e.getMessage());
    }
}
