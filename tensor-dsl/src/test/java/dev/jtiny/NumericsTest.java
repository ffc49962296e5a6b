// The forward DSL's values against float64 references on every device: elementwise ops, broadcasting, reductions,
// softmax family, matmul, creation, IEEE edge values and the accuracy of big reductions.
package dev.jtiny;

import dev.jtiny.Reference.Nd;
import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.DType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleBinaryOperator;

import static dev.jtiny.Reference.assertClose;
import static dev.jtiny.Reference.assertExact;
import static org.junit.jupiter.api.Assertions.*;

class NumericsTest {
    static final int[][] SHAPES = {{1}, {7}, {1023}, {3, 5, 7}, {33, 17}};

    /** Plain arithmetic: one or two roundings in float32. */
    static final double ARITH = 1e-5;
    /** Transcendental ops and their compositions. */
    static final double TRANS = 1e-4;

    @AfterEach
    void resetDevice() { Config.set("DEVICE", null); }

    /** One check: a lazy tensor, its float64 reference and tolerances. */
    record Check(String name, Tensor got, Nd expected, double rtol, double atol) {}

    /**
     * Computes all checks (same shape) in one kernel by stacking them, then compares each slot, naming the op that
     * differs. Stacking is itself a cat of padded views, so this also exercises wide fusion.
     */
    static void checkStacked(String where, List<Check> checks) {
        Tensor[] ts = checks.stream().map(Check::got).toArray(Tensor[]::new);
        float[] all = T.stack(0, ts).toFloatArray();
        int n = Reference.numel(checks.getFirst().expected().shape());
        List<String> failures = new ArrayList<>();
        for (int c = 0; c < checks.size(); c++) {
            Check k = checks.get(c);
            assertArrayEquals(k.expected().shape(), k.got().shape(), where + " " + k.name() + ": shape");
            float[] slot = Arrays.copyOfRange(all, c * n, (c + 1) * n);
            try {
                assertClose(where + " " + k.name(), k.expected().v(), slot, i -> k.atol() + k.rtol() * Math.abs(k.expected().v()[i]));
            } catch (AssertionError e) {
                failures.add(e.getMessage());
            }
        }
        if (!failures.isEmpty()) fail(String.join("\n", failures));
    }

    static String shapeName(int[] s) { return Arrays.toString(s); }

    // ================================================================ elementwise, unary

    /** Inputs for unary ops of one shape: x general (mixed sign, |x| up to ~12), p positive, z away from zero. */
    record UnaryInputs(Tensor x, Nd rx, Tensor p, Nd rp, Tensor z, Nd rz) {
        static UnaryInputs of(int[] shape, long seed) {
            Random rnd = new Random(seed);
            int n = Reference.numel(shape);
            float[] x = Reference.gaussian(rnd, n, 3), p = Reference.uniform(rnd, n, 0.01, 30), z = Reference.awayFromZero(rnd, n, 0.25, 4);
            x[0] = 0; // exact zero for sign, relu, abs, pow(0)
            return new UnaryInputs(Tensor.of(x, shape), Nd.of(x, shape), Tensor.of(p, shape), Nd.of(p, shape), Tensor.of(z, shape), Nd.of(z, shape));
        }
    }

    static double sigmoid(double x) { return 1 / (1 + Math.exp(-x)); }

    static double gelu(double x) { return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))); }

    static List<Check> unaryChecks(UnaryInputs in) {
        List<Check> l = new ArrayList<>();
        Tensor x = in.x(), p = in.p(), z = in.z();
        Nd rx = in.rx(), rp = in.rp(), rz = in.rz();
        l.add(new Check("neg", x.neg(), rx.map(v -> -v), ARITH, 0));
        l.add(new Check("abs", x.abs(), rx.map(Math::abs), 0, 0));
        l.add(new Check("sign", x.sign(), rx.map(Math::signum), 0, 0));
        l.add(new Check("relu", x.relu(), rx.map(v -> Math.max(v, 0)), 0, 0));
        l.add(new Check("leakyRelu", x.leakyRelu(), rx.map(v -> v < 0 ? 0.01 * v : v), ARITH, 0));
        l.add(new Check("leakyRelu(0.2)", x.leakyRelu(0.2), rx.map(v -> v < 0 ? 0.2 * v : v), ARITH, 0));
        l.add(new Check("clamp(-1,2)", x.clamp(-1, 2), rx.map(v -> Math.min(Math.max(v, -1), 2)), 0, 0));
        l.add(new Check("add(2.5)", x.add(2.5), rx.map(v -> v + 2.5), ARITH, 1e-6));
        l.add(new Check("sub(1.25)", x.sub(1.25), rx.map(v -> v - 1.25), ARITH, 1e-6));
        l.add(new Check("mul(-3)", x.mul(-3), rx.map(v -> v * -3), ARITH, 0));
        l.add(new Check("div(4)", x.div(4), rx.map(v -> v / 4), ARITH, 0));
        l.add(new Check("div(3)", x.div(3), rx.map(v -> v / 3), ARITH, 1e-7));
        l.add(new Check("rsub(1)", x.rsub(1), rx.map(v -> 1 - v), ARITH, 1e-6));
        l.add(new Check("rdiv(2)", z.rdiv(2), rz.map(v -> 2 / v), ARITH, 0));
        l.add(new Check("reciprocal", z.reciprocal(), rz.map(v -> 1 / v), ARITH, 0));
        l.add(new Check("square", x.square(), rx.map(v -> v * v), ARITH, 0));
        l.add(new Check("maximum(0.5)", x.maximum(0.5), rx.map(v -> Math.max(v, 0.5)), 0, 0));
        l.add(new Check("minimum(0.5)", x.minimum(0.5), rx.map(v -> Math.min(v, 0.5)), 0, 0));
        l.add(new Check("exp", x.exp(), rx.map(Math::exp), TRANS, TRANS));
        l.add(new Check("exp2", x.exp2(), rx.map(v -> Math.pow(2, v)), TRANS, TRANS));
        l.add(new Check("log", p.log(), rp.map(Math::log), TRANS, TRANS));
        l.add(new Check("log2", p.log2(), rp.map(v -> Math.log(v) / Math.log(2)), TRANS, TRANS));
        l.add(new Check("sqrt", p.sqrt(), rp.map(Math::sqrt), TRANS, TRANS));
        l.add(new Check("rsqrt", p.rsqrt(), rp.map(v -> 1 / Math.sqrt(v)), TRANS, TRANS));
        l.add(new Check("sin", x.sin(), rx.map(Math::sin), TRANS, TRANS));
        l.add(new Check("cos", x.cos(), rx.map(Math::cos), TRANS, TRANS));
        l.add(new Check("tanh", x.tanh(), rx.map(Math::tanh), TRANS, TRANS));
        l.add(new Check("sigmoid", x.sigmoid(), rx.map(NumericsTest::sigmoid), TRANS, TRANS));
        l.add(new Check("gelu", x.gelu(), rx.map(NumericsTest::gelu), TRANS, TRANS));
        l.add(new Check("silu", x.silu(), rx.map(v -> v * sigmoid(v)), TRANS, TRANS));
        l.add(new Check("trunc", x.trunc(), rx.map(v -> v < 0 ? Math.ceil(v) : Math.floor(v)), 0, 0));
        l.add(new Check("floor", x.floor(), rx.map(Math::floor), 0, 0));
        l.add(new Check("ceil", x.ceil(), rx.map(Math::ceil), 0, 0));
        // pow: special-cased exponents, integer exponents of negative bases, fractional exponents (NaN for negative bases).
        for (double e : new double[]{0, 1, 2, 3, -2, -1, 0.5, 2.5, 1.5}) {
            boolean needsNonZero = e < 0;
            Tensor base = needsNonZero ? z : x;
            Nd rbase = needsNonZero ? rz : rx;
            l.add(new Check("pow(" + e + ")", base.pow(e), rbase.map(v -> Math.pow(v, e)), TRANS, TRANS));
        }
        l.add(new Check("pow(2.5) of positive", p.pow(2.5), rp.map(v -> Math.pow(v, 2.5)), TRANS, TRANS));
        return l;
    }

    @OnEachDevice
    void unaryOpsMatchFloat64OnEveryShape(String device) {
        Reference.use(device);
        long seed = 1;
        for (int[] shape : SHAPES) checkStacked(device + " " + shapeName(shape), unaryChecks(UnaryInputs.of(shape, seed++)));
    }

    /** The same ops, each realized on its own (its own kernel, as users mostly run them), on an odd size. */
    @OnEachDevice
    void unaryOpsMatchFloat64EachInItsOwnKernel(String device) {
        Reference.use(device);
        List<String> failures = new ArrayList<>();
        for (Check c : unaryChecks(UnaryInputs.of(new int[]{1023}, 99))) {
            try {
                assertClose(device + " " + c.name(), c.expected(), c.got(), c.rtol(), c.atol());
            } catch (AssertionError e) {
                failures.add(e.getMessage());
            }
        }
        if (!failures.isEmpty()) fail(String.join("\n", failures));
    }

    // ================================================================ elementwise, binary with broadcasting

    static final int[][][] BROADCASTS = {
            {{1}, {1}}, {{7}, {7}}, {{1023}, {1023}}, {{3, 5, 7}, {3, 5, 7}}, {{33, 17}, {33, 17}},
            {{3, 1}, {1, 4}}, {{5}, {2, 3, 5}}, {{33, 17}, {17}}, {{1}, {7}}, {{}, {3, 5, 7}}, {{3, 1, 7}, {5, 1}},
    };

    /** Binary ops: a general, b away from zero (b divides), both broadcast. */
    @OnEachDevice
    void binaryOpsBroadcastAndMatchFloat64(String device) {
        Reference.use(device);
        Random rnd = new Random(2);
        for (int[][] sh : BROADCASTS) {
            int[] sa = sh[0], sb = sh[1];
            float[] a = Reference.gaussian(rnd, Reference.numel(sa), 3), b = Reference.awayFromZero(rnd, Reference.numel(sb), 0.25, 4);
            Tensor ta = Tensor.of(a, sa), tb = Tensor.of(b, sb);
            Nd ra = Nd.of(a, sa), rb = Nd.of(b, sb);
            List<Check> l = new ArrayList<>();
            l.add(new Check("add", ta.add(tb), ra.zip(rb, Double::sum), ARITH, 1e-6));
            l.add(new Check("sub", ta.sub(tb), ra.zip(rb, (x, y) -> x - y), ARITH, 1e-6));
            l.add(new Check("rsub-order sub", tb.sub(ta), rb.zip(ra, (x, y) -> x - y), ARITH, 1e-6));
            l.add(new Check("mul", ta.mul(tb), ra.zip(rb, (x, y) -> x * y), ARITH, 0));
            l.add(new Check("div", ta.div(tb), ra.zip(rb, (x, y) -> x / y), ARITH, 1e-7));
            l.add(new Check("div reversed", tb.div(ta.abs().add(0.5)), rb.zip(ra, (y, x) -> y / (Math.abs(x) + 0.5)), ARITH, 1e-7));
            l.add(new Check("maximum", ta.maximum(tb), ra.zip(rb, Math::max), 0, 0));
            l.add(new Check("minimum", ta.minimum(tb), ra.zip(rb, Math::min), 0, 0));
            l.add(new Check("a*b+a", ta.mul(tb).add(ta), ra.zip(rb, (x, y) -> x * y + x), ARITH, 1e-5));
            l.add(new Check("where(a>0, a, b)", ta.gt(0).where(ta, tb), ra.zip(rb, (x, y) -> x > 0 ? x : y), 0, 0));
            l.add(new Check("where(b>0, a, 7)", tb.gt(0).where(ta, 7.0), rb.zip(ra, (y, x) -> y > 0 ? x : 7), 0, 0));
            l.add(new Check("where(b>0, -1, a)", tb.gt(0).where(-1.0, ta), rb.zip(ra, (y, x) -> y > 0 ? -1 : x), 0, 0));
            checkStacked(device + " " + shapeName(sa) + " with " + shapeName(sb), l);
        }
    }

    /** pow with a tensor exponent: integer exponents of negative bases are real, fractional ones NaN (as numpy). */
    @OnEachDevice
    void powWithTensorExponents(String device) {
        Reference.use(device);
        Random rnd = new Random(3);
        double[] exps = {-3, -2, -1, 0, 1, 2, 3, 0.5, 1.5, -0.5};
        for (int[][] sh : new int[][][]{{{1023}, {1023}}, {{33, 17}, {17}}, {{3, 1}, {1, 4}}}) {
            float[] base = Reference.awayFromZero(rnd, Reference.numel(sh[0]), 0.25, 4);
            float[] e = new float[Reference.numel(sh[1])];
            for (int i = 0; i < e.length; i++) e[i] = (float) exps[rnd.nextInt(exps.length)];
            Nd rb = Nd.of(base, sh[0]), re = Nd.of(e, sh[1]);
            assertClose(device + " pow " + shapeName(sh[0]) + "^" + shapeName(sh[1]), rb.zip(re, Math::pow),
                    Tensor.of(base, sh[0]).pow(Tensor.of(e, sh[1])), TRANS, TRANS);
        }
        // Scalar bases broadcast against a tensor exponent, including 0 ** e.
        float[] e = {0, 1, 2, 3, 0.5f, 2.5f};
        assertClose(device + " 0**e", Nd.of(e, 6).map(v -> Math.pow(0, v)), Tensor.zeros(6).pow(Tensor.of(e, 6)), TRANS, TRANS);
        assertClose(device + " (-2)**e", Nd.of(e, 6).map(v -> Math.pow(-2, v)), Tensor.full(new int[]{1}, -2).pow(Tensor.of(e, 6)), TRANS, TRANS);
    }

    /** Comparisons are exact and give bool; values are quantized so that ties occur. */
    @OnEachDevice
    void comparisonsAreExactAndBool(String device) {
        Reference.use(device);
        Random rnd = new Random(4);
        for (int[][] sh : BROADCASTS) {
            int[] sa = sh[0], sb = sh[1];
            float[] a = quantized(rnd, Reference.numel(sa)), b = quantized(rnd, Reference.numel(sb));
            Tensor ta = Tensor.of(a, sa), tb = Tensor.of(b, sb);
            Nd ra = Nd.of(a, sa), rb = Nd.of(b, sb);
            Tensor[] got = {ta.eq(tb), ta.ne(tb), ta.lt(tb), ta.le(tb), ta.gt(tb), ta.ge(tb), ta.lt(0.5), ta.ge(-0.5), ta.eq(1.0), ta.ne(0.0)};
            DoubleBinaryOperator[] ops = {(x, y) -> x == y ? 1 : 0, (x, y) -> x != y ? 1 : 0, (x, y) -> x < y ? 1 : 0, (x, y) -> x <= y ? 1 : 0,
                    (x, y) -> x > y ? 1 : 0, (x, y) -> x >= y ? 1 : 0};
            String[] names = {"eq", "ne", "lt", "le", "gt", "ge"};
            List<Check> l = new ArrayList<>();
            for (int i = 0; i < ops.length; i++) l.add(new Check(names[i], got[i], ra.zip(rb, ops[i]), 0, 0));
            l.add(new Check("lt(0.5)", got[6], ra.map(x -> x < 0.5 ? 1 : 0).expand(got[0].shape()), 0, 0));
            l.add(new Check("ge(-0.5)", got[7], ra.map(x -> x >= -0.5 ? 1 : 0).expand(got[0].shape()), 0, 0));
            l.add(new Check("eq(1)", got[8], ra.map(x -> x == 1 ? 1 : 0).expand(got[0].shape()), 0, 0));
            l.add(new Check("ne(0)", got[9], ra.map(x -> x != 0 ? 1 : 0).expand(got[0].shape()), 0, 0));
            for (Tensor t : got) assertEquals(DType.BOOL, t.dtype());
            // expand the scalar comparisons so all slots share one shape
            for (int i = 6; i < l.size(); i++) l.set(i, new Check(l.get(i).name(), l.get(i).got().broadcastTo(got[0].shape()), l.get(i).expected(), 0, 0));
            checkStacked(device + " " + shapeName(sa) + " vs " + shapeName(sb), l);
        }
    }

    static float[] quantized(Random rnd, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (rnd.nextInt(13) - 6) / 2f;
        return f;
    }

    // ================================================================ reductions

    record ReduceCase(int[] shape, int[] axes, boolean keepdim) {}

    static final ReduceCase[] REDUCES = {
            new ReduceCase(new int[]{1}, new int[]{}, false),
            new ReduceCase(new int[]{7}, new int[]{}, false),
            new ReduceCase(new int[]{1023}, new int[]{}, false),
            new ReduceCase(new int[]{3, 5, 7}, new int[]{}, false),
            new ReduceCase(new int[]{3, 5, 7}, new int[]{1}, false),
            new ReduceCase(new int[]{3, 5, 7}, new int[]{2}, true),
            new ReduceCase(new int[]{3, 5, 7}, new int[]{0, 2}, true),
            new ReduceCase(new int[]{3, 5, 7}, new int[]{-1, 0}, false),
            new ReduceCase(new int[]{2, 3, 4, 5}, new int[]{1, 3}, false),
            new ReduceCase(new int[]{33, 17}, new int[]{}, false),
            new ReduceCase(new int[]{33, 17}, new int[]{0}, false),
            new ReduceCase(new int[]{33, 17}, new int[]{1}, true),
            new ReduceCase(new int[]{1023, 33}, new int[]{0}, false),
            new ReduceCase(new int[]{33, 1023}, new int[]{1}, false),
    };

    @OnEachDevice
    void reductionsMatchFloat64(String device) {
        Reference.use(device);
        Random rnd = new Random(5);
        List<String> failures = new ArrayList<>();
        for (ReduceCase rc : REDUCES) {
            int n = Reference.numel(rc.shape());
            float[] x = Reference.gaussian(rnd, n, 2), q = Reference.awayFromZero(rnd, n, 0.8, 1.2);
            Tensor tx = Tensor.of(x, rc.shape()), tq = Tensor.of(q, rc.shape());
            Nd rx = Nd.of(x, rc.shape()), rq = Nd.of(q, rc.shape());
            int[] ax = rc.axes();
            boolean kd = rc.keepdim();
            Tensor sum = tx.sum(ax, kd), max = tx.max(ax, kd), min = min(tx, ax, kd), mean = tx.mean(ax, kd);
            Tensor var = tx.var(ax, kd, 1), std = var.sqrt(), prod = prod(tq, ax, kd);
            Tensor.realize(sum, max, min, mean, var, std, prod);
            // A sum's error scales with the magnitudes summed, not with the (possibly cancelled) result.
            Nd scale = rx.abs().sum(ax, kd);
            int cnt = rx.count(ax);
            String w = device + " " + shapeName(rc.shape()) + " axes " + Arrays.toString(ax) + (kd ? " keepdim" : "");
            List<Runnable> checks = List.of(
                    () -> assertClose(w + " sum", rx.sum(ax, kd), sum, scale.map(s -> 1e-5 * s + 1e-6)),
                    () -> assertClose(w + " mean", rx.mean(ax, kd), mean, scale.map(s -> 1e-5 * s / cnt + 1e-6)),
                    () -> assertExact(w + " max", rx.max(ax, kd), max),
                    () -> assertExact(w + " min", rx.min(ax, kd), min),
                    () -> assertClose(w + " var", rx.var(ax, kd), var, TRANS, 1e-5),
                    () -> assertClose(w + " std", rx.var(ax, kd).map(Math::sqrt), std, TRANS, 1e-5),
                    () -> assertClose(w + " prod", rq.prod(ax, kd), prod, TRANS, 1e-6));
            for (Runnable r : checks) {
                try { r.run(); } catch (AssertionError e) { failures.add(e.getMessage()); }
            }
        }
        if (!failures.isEmpty()) fail(String.join("\n", failures));
    }

    /** min and prod have only varargs and single-axis overloads: route the case's axes through them. */
    static Tensor min(Tensor t, int[] axes, boolean keepdim) {
        if (axes.length == 1) return t.min(axes[0], keepdim);
        Tensor r = t.min(axes);
        return keepdim ? r.reshape(keptShape(t.shape(), axes)) : r;
    }

    static Tensor prod(Tensor t, int[] axes, boolean keepdim) {
        if (axes.length == 1) return t.prod(axes[0], keepdim);
        Tensor r = t.prod(axes);
        return keepdim ? r.reshape(keptShape(t.shape(), axes)) : r;
    }

    static int[] keptShape(int[] shape, int[] axes) {
        int[] s = shape.clone();
        if (axes.length == 0) Arrays.fill(s, 1);
        for (int a : axes) s[a < 0 ? a + s.length : a] = 1;
        return s;
    }

    /** The single-axis and varargs spellings agree with the array one. */
    @OnEachDevice
    void reductionOverloadsAgree(String device) {
        Reference.use(device);
        Random rnd = new Random(6);
        float[] x = Reference.gaussian(rnd, 3 * 5 * 7, 1);
        Tensor t = Tensor.of(x, 3, 5, 7);
        Nd r = Nd.of(x, 3, 5, 7);
        Nd scale = r.abs().sum(new int[]{1}, true);
        assertClose(device + " sum(1, true)", r.sum(new int[]{1}, true), t.sum(1, true), scale.map(s -> 1e-5 * s + 1e-6));
        assertClose(device + " sum(0, 2)", r.sum(new int[]{0, 2}, false), t.sum(0, 2), r.abs().sum(new int[]{0, 2}, false).map(s -> 1e-5 * s + 1e-6));
        assertClose(device + " sum()", r.sum(new int[]{}, false), t.sum(), 1e-5, 1e-4);
        assertExact(device + " max(1, true)", r.max(new int[]{1}, true), t.max(1, true));
        assertExact(device + " max(0, 1)", r.max(new int[]{0, 1}, false), t.max(0, 1));
        assertExact(device + " min(2, false)", r.min(new int[]{2}, false), t.min(2, false));
        assertClose(device + " mean(1, true)", r.mean(new int[]{1}, true), t.mean(1, true), 1e-5, 1e-6);
        assertClose(device + " mean(0, 1)", r.mean(new int[]{0, 1}, false), t.mean(0, 1), 1e-5, 1e-6);
        assertClose(device + " var(2, true)", r.var(new int[]{2}, true), t.var(2, true), TRANS, 1e-5);
        assertClose(device + " var()", r.var(new int[]{}, false), t.var(), TRANS, 1e-5);
        assertClose(device + " std(0)", r.var(new int[]{0}, false).map(Math::sqrt), t.std(0), TRANS, 1e-5);
        assertClose(device + " std(1, true)", r.var(new int[]{1}, true).map(Math::sqrt), t.std(1, true), TRANS, 1e-5);
        assertClose(device + " var population", r.zip(r.mean(new int[]{1}, true), (a, m) -> (a - m) * (a - m)).sum(new int[]{1}, false).map(s -> s / 5),
                t.var(new int[]{1}, false, 0), TRANS, 1e-5);
        // Bessel's correction over one element divides 0 by 0.
        assertTrue(Float.isNaN(Tensor.of(new float[]{3}, 1).var().item()), "var of one element is NaN (n - 1 = 0)");
    }

    // ================================================================ softmax family and argmax

    @OnEachDevice
    void softmaxFamilyIsStableAndMatchesFloat64(String device) {
        Reference.use(device);
        Random rnd = new Random(7);
        int[][] shapes = {{1}, {7}, {1023}, {33, 17}, {33, 17}, {3, 5, 7}};
        int[] axes = {0, 0, -1, 0, 1, 1};
        for (int c = 0; c < shapes.length; c++) {
            int[] s = shapes[c];
            int ax = axes[c];
            float[] x = Reference.gaussian(rnd, Reference.numel(s), 5);
            for (int i = 0; i < x.length; i++) x[i] += 100; // exp(100+) overflows float: only a shifted softmax survives
            Tensor t = Tensor.of(x, s);
            Nd r = Nd.of(x, s);
            String w = device + " " + shapeName(s) + " axis " + ax;
            Nd sm = r.softmax(ax);
            assertClose(w + " softmax", sm, t.softmax(ax), TRANS, 1e-6);
            assertClose(w + " logSoftmax", sm.map(Math::log), t.logSoftmax(ax), TRANS, TRANS);
            assertClose(w + " logsumexp", r.logsumexp(ax, false), t.logsumexp(ax), TRANS, TRANS);
            if (s.length > 1) assertClose(w + " logsumexp keepdim", r.logsumexp(ax, true), t.logsumexp(ax, true), TRANS, TRANS);
        }
        float[] x = Reference.gaussian(rnd, 12, 1);
        assertClose(device + " softmax() is the last axis", Nd.of(x, 3, 4).softmax(1), Tensor.of(x, 3, 4).softmax(), TRANS, 1e-6);
        assertClose(device + " logSoftmax() is the last axis", Nd.of(x, 3, 4).softmax(1).map(Math::log), Tensor.of(x, 3, 4).logSoftmax(), TRANS, TRANS);
    }

    @OnEachDevice
    void argmaxAndArgminPickTheFirstExtremeAndGiveInt32(String device) {
        Reference.use(device);
        Random rnd = new Random(8);
        int[][] shapes = {{1}, {7}, {1023}, {33, 17}, {3, 5, 7}, {3, 5, 7}};
        int[] axes = {0, 0, 0, 1, 0, -1};
        for (int c = 0; c < shapes.length; c++) {
            int[] s = shapes[c];
            float[] x = quantized(rnd, Reference.numel(s)); // 13 distinct values: many ties
            Tensor t = Tensor.of(x, s);
            Nd r = Nd.of(x, s);
            String w = device + " " + shapeName(s) + " axis " + axes[c];
            Tensor amax = t.argmax(axes[c]), amin = t.argmin(axes[c]);
            assertEquals(DType.INT32, amax.dtype());
            assertEquals(DType.INT32, amin.dtype());
            assertExact(w + " argmax", r.argExtreme(axes[c], true), amax);
            assertExact(w + " argmin", r.argExtreme(axes[c], false), amin);
            if (s.length < 2) continue;
            assertExact(w + " argmax keepdim", r.argExtreme(axes[c], true).reshape(keptShape(s, new int[]{axes[c]})), t.argmax(axes[c], true));
            int flat = (int) r.reshape(x.length).argExtreme(0, true).v()[0];
            assertEquals(flat, (int) t.argmax().item(), w + " argmax over all (flattened index)");
            assertEquals((int) r.reshape(x.length).argExtreme(0, false).v()[0], (int) t.argmin().item(), w + " argmin over all");
        }
    }

    // ================================================================ matmul

    @OnEachDevice
    void matmulMatchesFloat64ForEveryRankAndBroadcast(String device) {
        Reference.use(device);
        Random rnd = new Random(9);
        int[][][] cases = {
                {{1, 1}, {1, 1}}, {{33, 17}, {17, 7}}, {{7, 1}, {1, 5}}, {{1, 7}, {7, 1}}, {{5, 1023}, {1023, 3}},
                {{1023}, {1023}}, {{7}, {7, 5}}, {{5, 7}, {7}}, {{7}, {3, 7, 5}}, {{3, 5, 7}, {7}},
                {{2, 3, 4}, {4, 5}}, {{2, 3, 4}, {2, 4, 5}}, {{2, 1, 3, 4}, {5, 4, 6}}, {{4, 3}, {2, 3, 6}},
        };
        for (int[][] c : cases) {
            float[] a = Reference.gaussian(rnd, Reference.numel(c[0]), 1), b = Reference.gaussian(rnd, Reference.numel(c[1]), 1);
            Nd ra = Nd.of(a, c[0]), rb = Nd.of(b, c[1]);
            Nd tol = ra.abs().matmul(rb.abs()).map(s -> 1e-5 * s + 1e-6);
            assertClose(device + " matmul " + shapeName(c[0]) + " @ " + shapeName(c[1]), ra.matmul(rb), Tensor.of(a, c[0]).matmul(Tensor.of(b, c[1])), tol);
        }
        // matmul fused with an epilogue, and dot as its alias
        float[] a = Reference.gaussian(rnd, 6 * 8, 1), b = Reference.gaussian(rnd, 8 * 3, 1), bias = Reference.gaussian(rnd, 3, 1);
        Nd lin = Nd.of(a, 6, 8).matmul(Nd.of(b, 8, 3)).zip(Nd.of(bias, 3), Double::sum).map(v -> Math.max(v, 0));
        assertClose(device + " relu(a@b + bias)", lin, Tensor.of(a, 6, 8).matmul(Tensor.of(b, 8, 3)).add(Tensor.of(bias, 3)).relu(), 1e-5, 1e-5);
        assertClose(device + " dot", Nd.of(a, 6, 8).matmul(Nd.of(b, 8, 3)), Tensor.of(a, 6, 8).dot(Tensor.of(b, 8, 3)), 1e-5, 1e-5);
        // identity
        assertClose(device + " a @ eye", Nd.of(a, 6, 8), Tensor.of(a, 6, 8).matmul(Tensor.eye(8)), 0, 0);
    }

    // ================================================================ creation

    @OnEachDevice
    void creationFunctions(String device) {
        Reference.use(device);
        assertEquals(device, Tensor.zeros(2).device());
        assertArrayEquals(new float[]{0, 0, 0, 0, 0, 0}, Tensor.zeros(2, 3).toFloatArray());
        assertArrayEquals(new float[]{1, 1, 1, 1, 1, 1, 1}, Tensor.ones(7).toFloatArray());
        assertArrayEquals(new int[]{3, 5, 7}, Tensor.ones(3, 5, 7).shape());
        assertArrayEquals(new float[]{2.5f, 2.5f, 2.5f}, Tensor.full(new int[]{3}, 2.5).toFloatArray());
        assertEquals(DType.FLOAT32, Tensor.full(new int[]{3}, 2).dtype());
        Tensor s = Tensor.scalar(4.25);
        assertArrayEquals(new int[0], s.shape());
        assertEquals(4.25f, s.item());

        Tensor ar = Tensor.arange(5);
        assertEquals(DType.INT32, ar.dtype());
        assertArrayEquals(new int[]{0, 1, 2, 3, 4}, ar.toIntArray());
        assertArrayEquals(new int[]{2, 5, 8}, Tensor.arange(2, 11, 3).toIntArray());
        assertArrayEquals(new int[]{10, 8, 6, 4, 2}, Tensor.arange(10, 0, -2).toIntArray());
        assertArrayEquals(new int[0], Tensor.arange(3, 3, 1).toIntArray());
        assertArrayEquals(new int[]{1023}, Tensor.arange(1023).shape());
        assertEquals(1022 * 1023 / 2, (int) Tensor.arange(1023).sum().item());
        Tensor fr = Tensor.arange(0.5, 2.0, 0.25);
        assertEquals(DType.FLOAT32, fr.dtype());
        assertClose(device + " arange(0.5, 2, 0.25)", new double[]{0.5, 0.75, 1, 1.25, 1.5, 1.75}, fr.toFloatArray(), i -> 1e-6);
        assertClose(device + " arange(1, -1, -0.5)", new double[]{1, 0.5, 0, -0.5}, Tensor.arange(1.0, -1.0, -0.5).toFloatArray(), i -> 1e-6);

        assertClose(device + " linspace(0, 1, 5)", new double[]{0, 0.25, 0.5, 0.75, 1}, Tensor.linspace(0, 1, 5).toFloatArray(), i -> 1e-6);
        assertClose(device + " linspace(-1, 2, 7)", new double[]{-1, -0.5, 0, 0.5, 1, 1.5, 2}, Tensor.linspace(-1, 2, 7).toFloatArray(), i -> 1e-6);
        assertArrayEquals(new float[]{3}, Tensor.linspace(3, 9, 1).toFloatArray());

        Tensor e = Tensor.eye(3);
        assertEquals(DType.FLOAT32, e.dtype());
        assertArrayEquals(new float[]{1, 0, 0, 0, 1, 0, 0, 0, 1}, e.toFloatArray());
        assertArrayEquals(new float[]{1, 0, 0, 0, 0, 1, 0, 0}, Tensor.eye(2, 4).toFloatArray());

        assertArrayEquals(new float[]{1, 2, 3, 4, 5, 6}, Tensor.of(new float[][]{{1, 2, 3}, {4, 5, 6}}).toFloatArray());
        assertArrayEquals(new int[]{2, 3}, Tensor.of(new float[][]{{1, 2, 3}, {4, 5, 6}}).shape());
        Tensor b = Tensor.of(new boolean[]{true, false, true}, 3);
        assertEquals(DType.BOOL, b.dtype());
        assertArrayEquals(new boolean[]{true, false, true}, b.toBooleanArray());
        Tensor i = Tensor.of(new int[]{-7, 0, 2147483647}, 3);
        assertEquals(DType.INT32, i.dtype());
        assertArrayEquals(new int[]{-7, 0, 2147483647}, i.toIntArray());
        assertArrayEquals(new int[]{1, 2, 3}, Tensor.ofInts(1, 2, 3).toIntArray());
        assertArrayEquals(new float[]{1.5f, -2}, Tensor.of(1.5f, -2f).toFloatArray());
        assertArrayEquals(new float[]{0.25f, 8}, Tensor.of(new double[]{0.25, 8}, 2).toFloatArray());
        assertArrayEquals(new float[]{1, 2, 3, 4, 5, 6, 7, 8}, Tensor.of(new float[][][]{{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}}).toFloatArray());
        assertArrayEquals(new int[]{2, 2, 2}, Tensor.of(new float[][][]{{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}}).shape());

        // The static facade spells the same things.
        assertArrayEquals(new float[]{1, 2}, T.tensor(1, 2).toFloatArray());
        assertArrayEquals(new int[]{2, 3}, T.zeros(2, 3).shape());
        assertArrayEquals(new float[]{7, 7}, T.full(T.shape(2), 7).toFloatArray());
        assertEquals(T.INT32, T.arange(3).dtype());
        assertEquals(device, T.eye(2).device());
    }

    @OnEachDevice
    void randomTensorsAreSeededAndDistributedAsDocumented(String device) {
        Reference.use(device);
        Tensor.manualSeed(1234);
        float[] u1 = Tensor.rand(1023).toFloatArray();
        float[] g1 = Tensor.randn(7).toFloatArray();
        Tensor.manualSeed(1234);
        assertArrayEquals(u1, Tensor.rand(1023).toFloatArray(), "same seed, same uniforms");
        assertArrayEquals(g1, Tensor.randn(7).toFloatArray(), "same seed, same normals");
        assertFalse(Arrays.equals(u1, Tensor.rand(1023).toFloatArray()), "the stream moves on");
        for (float v : u1) assertTrue(v >= 0 && v < 1, "rand in [0, 1): " + v);

        Tensor.manualSeed(5);
        Tensor n = Tensor.randn(100_000);
        float[] nv = n.toFloatArray();
        double m = 0, sq = 0;
        for (float v : nv) { m += v; sq += (double) v * v; }
        m /= nv.length;
        double sd = Math.sqrt(sq / nv.length - m * m);
        assertEquals(0, m, 0.02, "randn mean");
        assertEquals(1, sd, 0.02, "randn standard deviation");
        assertEquals(m, n.mean().item(), 1e-5, "mean() of randn agrees with the host");
        assertArrayEquals(new int[]{3, 5, 7}, Tensor.rand(3, 5, 7).shape());
        assertArrayEquals(new int[]{7}, Tensor.randn(7).shape()); // odd count: the last Box-Muller pair is half used
    }

    // ================================================================ IEEE edge values and empty tensors

    /**
     * On JAVA a NaN operand of max gives NaN, as in PyTorch, in scalar kernels (3 elements) and vector kernels (64):
     * both render it as Math.max, which HotSpot compiles without a branch (OpenCL's fmax returns the other operand).
     */
    @Test
    void maxAndReluOfNaNAreNaNOnJava() {
        Reference.use("JAVA");
        for (int n : new int[]{3, 64}) {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) v[i] = i - n / 2f;
            v[1] = Float.NaN;
            float[] relu = Tensor.of(v, n).relu().toFloatArray();
            assertTrue(Float.isNaN(relu[1]), () -> n + " elements: relu(NaN) " + relu[1]);
            assertEquals(0f, relu[0], 0, n + " elements: relu of a negative value");
            assertEquals(v[n - 1], relu[n - 1], 0, n + " elements: relu of a positive value");
            assertTrue(Float.isNaN(Tensor.of(v, n).max().item()), n + " elements: max over a NaN");
            assertEquals(v[n - 1], Tensor.of(v, n).slice(0, 2, n).max().item(), 0, n + " elements: max without the NaN");
        }
    }

    @OnEachDevice
    void ieeeEdgeValues(String device) {
        Reference.use(device);
        float inf = Float.POSITIVE_INFINITY, nan = Float.NaN;
        Tensor big = Tensor.of(new float[]{100, -1000, 0}, 3);
        assertArrayEquals(new float[]{inf, 0, 1}, big.exp().toFloatArray(), "exp overflows to inf and underflows to 0");
        assertClose(device + " sigmoid saturates", new double[]{1, 0, 0.5}, big.sigmoid().toFloatArray(), i -> 1e-7);
        assertClose(device + " tanh saturates", new double[]{1, -1, 0}, big.tanh().toFloatArray(), i -> 1e-6);
        assertClose(device + " gelu of large values", new double[]{100, 0, 0}, big.gelu().toFloatArray(), i -> 1e-4);
        assertClose(device + " silu of large values", new double[]{100, 0, 0}, big.silu().toFloatArray(), i -> 1e-4);
        Tensor z = Tensor.of(new float[]{0, -1, 4}, 3);
        assertClose(device + " log", new double[]{Double.NEGATIVE_INFINITY, Double.NaN, Math.log(4)}, z.log().toFloatArray(), i -> 1e-6);
        assertClose(device + " sqrt", new double[]{0, Double.NaN, 2}, z.sqrt().toFloatArray(), i -> 1e-6);
        assertClose(device + " reciprocal", new double[]{Double.POSITIVE_INFINITY, -1, 0.25}, z.reciprocal().toFloatArray(), i -> 1e-7);
        assertClose(device + " 1/0 via div", new double[]{Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}, Tensor.of(new float[]{1, -1}, 2).div(Tensor.zeros(2)).toFloatArray(), i -> 0);
        assertTrue(Float.isNaN(Tensor.of(new float[]{nan}, 1).add(1).item()), "NaN propagates through add");
        // A softmax over equal huge logits and a logsumexp of them stay finite.
        Tensor huge = Tensor.full(new int[]{3}, 1000);
        assertClose(device + " softmax of huge equal logits", new double[]{1 / 3.0, 1 / 3.0, 1 / 3.0}, huge.softmax(0).toFloatArray(), i -> 1e-6);
        assertEquals(1000 + Math.log(3), huge.logsumexp(0).item(), 1e-3);
        assertClose(device + " logSoftmax of -inf", new double[]{Double.NEGATIVE_INFINITY, 0}, Tensor.of(new float[]{Float.NEGATIVE_INFINITY, 0}, 2).logSoftmax(0).toFloatArray(), i -> 1e-6);
    }

    @OnEachDevice
    void emptyTensors(String device) {
        Reference.use(device);
        Tensor e = Tensor.of(new float[0], 0);
        assertAll(
                () -> assertEquals(0, e.toFloatArray().length),
                () -> assertEquals(0, e.add(1).toFloatArray().length, "an elementwise op of an empty tensor is empty"),
                () -> assertEquals(0, Tensor.of(new float[0], 2, 0).exp().toFloatArray().length, "exp of a (2,0) tensor is empty"),
                () -> assertEquals(0f, e.sum().item(), "the sum of nothing is 0"),
                () -> assertEquals(0f, e.mul(2).sum().item(), "the sum of an empty expression is 0"),
                () -> assertArrayEquals(new int[]{3, 0}, Tensor.zeros(3, 0).shape()),
                () -> assertArrayEquals(new float[]{0, 0, 0}, Tensor.zeros(3, 0).sum(1).toFloatArray(), "summing an empty axis gives zeros"),
                () -> assertArrayEquals(new float[]{1, 2}, T.cat(0, Tensor.of(new float[]{1, 2}, 2), e).toFloatArray()),
                () -> assertArrayEquals(new float[]{2, 4}, Tensor.of(new float[]{1, 2}, 2).mul(2).toFloatArray(), "still computes afterwards"));
    }

    // ================================================================ devices

    @OnEachDevice
    void copiesBetweenDevicesKeepValuesAndDtypes(String device) {
        Reference.use("JAVA");
        String other = device.equals("JAVA") ? "OPENCL:0" : "JAVA";
        Random rnd = new Random(10);
        float[] x = Reference.gaussian(rnd, 1023, 1);
        Tensor onJava = Tensor.of(x, 1023).mul(2);
        Tensor moved = onJava.to(device).add(1);
        assertEquals(device, moved.device());
        assertClose("JAVA -> " + device, Nd.of(x, 1023).map(v -> 2 * v + 1), moved, ARITH, 1e-6);
        Tensor back = moved.to(other).sub(1).to(device);
        assertClose(device + " -> " + other + " -> " + device, Nd.of(x, 1023).map(v -> 2 * v), back, ARITH, 1e-6);
        assertArrayEquals(new int[]{-3, 16777217}, Tensor.of(new int[]{-3, 16777217}, 2).to(device).toIntArray(), "int32 survives a copy exactly");
        assertArrayEquals(new boolean[]{true, false}, Tensor.of(new boolean[]{true, false}, 2).to(other).toBooleanArray());
        assertSame(onJava, onJava.to("java"), "to() the same device (any spelling) is a no-op");
    }

    // ================================================================ accuracy of big reductions

    @OnEachDevice
    void bigReductionsAreAccurate(String device) {
        Reference.use(device);
        Random rnd = new Random(11);
        int n = 1 << 24;
        float[] x = new float[n];
        double exact = 0;
        for (int i = 0; i < n; i++) { x[i] = rnd.nextFloat(); exact += x[i]; }
        float got = Tensor.of(x, n).sum().item();
        assertEquals(1.0, got / exact, 1e-5, "sum of 2^24 uniforms: got " + got + ", float64 " + exact);

        int m = 1_000_000;
        float[] y = Reference.uniform(rnd, m, 0, 1);
        double ym = 0;
        float ymax = Float.NEGATIVE_INFINITY;
        for (float v : y) { ym += v; ymax = Math.max(ymax, v); }
        ym /= m;
        Tensor ty = Tensor.of(y, m);
        float mean = ty.mean().item();
        assertEquals(1.0, mean / ym, 1e-5, "mean of 1e6 uniforms: got " + mean + ", float64 " + ym);
        y[654_321] = 7.5f; // a unique maximum deep inside
        Tensor ty2 = Tensor.of(y, m);
        assertEquals(7.5f, ty2.max().item(), "max of 1e6");
        assertEquals(654_321, (int) ty2.argmax().item(), "argmax of 1e6");
        assertEquals(ymax, ty.max().item(), "max of 1e6 uniforms is exactly the largest");

        // Long rows: one big reduction per output, and a reduction across them.
        int rows = 7, cols = 150_001;
        float[] z = Reference.uniform(rnd, rows * cols, -1, 2);
        Nd rz = Nd.of(z, rows, cols);
        Tensor tz = Tensor.of(z, rows, cols);
        assertClose(device + " sum of 7 rows of 150001", rz.sum(new int[]{1}, false), tz.sum(1), rz.abs().sum(new int[]{1}, false).map(v -> 1e-5 * v));
        assertExact(device + " max over 7 rows, per column", rz.max(new int[]{0}, false), tz.max(0));
    }
}
