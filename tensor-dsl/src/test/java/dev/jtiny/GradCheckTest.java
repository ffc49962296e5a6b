// Autograd against float64 finite differences on every device: each differentiable op of the DSL, reductions, views,
// matmul and a small MLP; then the bookkeeping (accumulation, setGrad, detach, noGrad, assign) and the error messages.
package dev.jtiny;

import dev.jtiny.Reference.Nd;
import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.DType;
import org.junit.jupiter.api.AfterEach;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.BinaryOperator;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Each check builds {@code f = sum(op(inputs) * r)} with fixed random weights r (so every output element matters),
 * runs {@code backward()} and compares every input's gradient with central differences of the same f computed on the
 * host in float64 from a reference written with plain loops ({@link Reference.Nd}). The checks of one test are
 * realized together, and every failing check is reported, not just the first.
 */
class GradCheckTest {
    /** float32 forward and backward against a float64 reference: relative tolerance per element... */
    static final double RTOL = 1e-3;
    /** ...with an absolute floor scaled by the gradient's largest element (float32 sums lose ~1e-7 of their terms). */
    static final double ATOL_SCALE = 1e-4, ATOL_MIN = 1e-5;

    @AfterEach
    void resetDevice() { Config.set("DEVICE", null); }

    // ================================================================ the check

    /** An op under test: the DSL expression and its float64 twin, both mapping the inputs to outputs of one shape. */
    record Case(String name, Function<Tensor[], Tensor> dsl, Function<Nd[], Nd> ref, Nd... inputs) {}

    static Case unary(String name, Nd x, UnaryOperator<Tensor> op, DoubleUnaryOperator ref) {
        return new Case(name, t -> op.apply(t[0]), n -> n[0].map(ref), x);
    }

    static Case binary(String name, Nd a, Nd b, BinaryOperator<Tensor> op, DoubleBinaryOperator ref) {
        return new Case(name, t -> op.apply(t[0], t[1]), n -> n[0].zip(n[1], ref), a, b);
    }

    /** One input through a DSL op and the matching reference op (views, reductions). */
    static Case of(String name, Nd x, UnaryOperator<Tensor> op, UnaryOperator<Nd> ref) {
        return new Case(name, t -> op.apply(t[0]), n -> ref.apply(n[0]), x);
    }

    private record Pending(Case c, Tensor[] leaves, Tensor loss, Nd weights) {}

    /** Runs every case's backward, realizes all gradients in one schedule, and compares them with finite differences. */
    static void check(String device, List<Case> cases) {
        List<String> failures = new ArrayList<>();
        List<Pending> pending = new ArrayList<>();
        List<Tensor> toRealize = new ArrayList<>();
        for (Case c : cases) {
            String what = device + " " + c.name() + " " + shapes(c.inputs());
            try {
                Tensor[] xs = new Tensor[c.inputs().length];
                for (int i = 0; i < xs.length; i++) xs[i] = tensor(c.inputs()[i]).requiresGrad(true);
                Tensor out = c.dsl().apply(xs);
                Nd ref = c.ref().apply(c.inputs());
                if (!Arrays.equals(ref.shape(), out.shape())) {
                    failures.add(what + ": output shape " + Arrays.toString(out.shape()) + ", reference " + Arrays.toString(ref.shape()));
                    continue;
                }
                Nd w = weights(c.name(), ref.shape());
                Tensor loss = out.mul(tensor(w)).sum();
                loss.backward();
                pending.add(new Pending(c, xs, loss, w));
                for (Tensor x : xs) if (x.grad() != null) toRealize.add(x.grad());
            } catch (RuntimeException e) {
                failures.add(what + ": " + e);
            }
        }
        Tensor.realize(toRealize.toArray(Tensor[]::new));
        for (Pending p : pending) {
            Case c = p.c();
            String what = device + " " + c.name() + " " + shapes(c.inputs());
            ToDoubleFunction<Nd[]> f = in -> FiniteDiff.weightedSum(c.ref().apply(in), p.weights());
            int before = failures.size();
            for (int k = 0; k < p.leaves().length; k++) {
                Tensor g = p.leaves()[k].grad();
                if (g == null) {
                    failures.add(what + ": no gradient reached input " + k);
                    continue;
                }
                if (!Arrays.equals(g.shape(), c.inputs()[k].shape())) {
                    failures.add(what + ": gradient of input " + k + " has shape " + Arrays.toString(g.shape()));
                    continue;
                }
                try {
                    compare(what + " d/d(input " + k + ")", f, c.inputs(), k, g.toFloatArray());
                } catch (AssertionError err) {
                    failures.add(err.getMessage());
                }
            }
            // Only for a failed check (a kernel each otherwise): does the forward value agree? If not, suspect the reference.
            if (failures.size() > before) {
                double want = f.applyAsDouble(c.inputs()), got = p.loss().item();
                failures.add("  (" + what + ": forward value " + got + ", float64 reference " + want + ")");
            }
        }
        if (!failures.isEmpty()) fail("of " + cases.size() + " gradient checks, these failed:\n" + String.join("\n", failures));
    }

    /** Inputs up to this size are differenced element by element; larger ones at a sample and along a direction. */
    static final int FULL = 4096;

    static void compare(String what, ToDoubleFunction<Nd[]> f, Nd[] inputs, int k, float[] got) {
        Nd x = inputs[k];
        if (x.v().length <= FULL) {
            double[] e = FiniteDiff.gradient(f, inputs, k);
            double atol = ATOL_MIN + ATOL_SCALE * FiniteDiff.maxAbs(e);
            Reference.assertClose(what, e, got, i -> atol + RTOL * Math.abs(e[i]));
            return;
        }
        // 64 random elements plus the largest and smallest input (where max and min send their gradient).
        Random rnd = new Random(x.v().length);
        int[] at = new int[66];
        for (int j = 0; j < 64; j++) at[j] = rnd.nextInt(x.v().length);
        for (int i = 0; i < x.v().length; i++) {
            if (x.v()[i] > x.v()[at[64]]) at[64] = i;
            if (x.v()[i] < x.v()[at[65]]) at[65] = i;
        }
        double[] e = FiniteDiff.gradient(f, inputs, k, at);
        float[] sampled = new float[at.length];
        for (int j = 0; j < at.length; j++) sampled[j] = got[at[j]];
        double atol = ATOL_MIN + ATOL_SCALE * FiniteDiff.maxAbs(e);
        Reference.assertClose(what + " at elements " + Arrays.toString(at), e, sampled, j -> atol + RTOL * Math.abs(e[j]));
        // Every element at once: the derivative along a random +-1 direction is the gradient dotted with it.
        double[] dir = new double[x.v().length];
        double dot = 0, mag = 0;
        for (int i = 0; i < dir.length; i++) {
            dir[i] = rnd.nextBoolean() ? 1 : -1;
            dot += dir[i] * got[i];
            mag += Math.abs(got[i]);
        }
        double want = FiniteDiff.directional(f, inputs, k, dir);
        assertEquals(want, dot, RTOL * Math.abs(want) + ATOL_SCALE * mag + ATOL_MIN, what + ": gradient dotted with a random direction");
    }

    static Tensor tensor(Nd x) { return Tensor.of(x.v(), x.shape()); }

    static String shapes(Nd[] xs) {
        StringBuilder b = new StringBuilder();
        for (Nd x : xs) b.append(b.isEmpty() ? "" : " ").append(Arrays.toString(x.shape()));
        return b.toString();
    }

    /** Weights of magnitude 0.5..1.5 with random signs, fixed per case name. */
    static Nd weights(String name, int[] shape) {
        return Nd.of(Reference.awayFromZero(new Random(name.hashCode()), Reference.numel(shape), 0.5, 1.5), shape);
    }

    // ================================================================ inputs (float32 values, held as float64)

    static Nd gauss(Random rnd, int... shape) { return Nd.of(Reference.gaussian(rnd, Reference.numel(shape), 1), shape); }

    static Nd uniform(Random rnd, double lo, double hi, int... shape) { return Nd.of(Reference.uniform(rnd, Reference.numel(shape), lo, hi), shape); }

    /** |x| in [lo, hi) with random signs. */
    static Nd away(Random rnd, double lo, double hi, int... shape) { return Nd.of(Reference.awayFromZero(rnd, Reference.numel(shape), lo, hi), shape); }

    /** Gaussian values moved at least 0.05 away from each kink (kept on their side), so no difference straddles one. */
    static Nd avoiding(Random rnd, double[] kinks, int... shape) {
        float[] f = Reference.gaussian(rnd, Reference.numel(shape), 1);
        for (int i = 0; i < f.length; i++) {
            for (double k : kinks) if (Math.abs(f[i] - k) < 0.05) f[i] = (float) (k + (f[i] >= k ? 0.05 : -0.05));
        }
        return Nd.of(f, shape);
    }

    /** {@code x + d} with |d| in [0.05, 1): never tied with x. */
    static Nd apart(Random rnd, Nd x) {
        Nd d = away(rnd, 0.05, 1, x.shape());
        float[] f = new float[x.v().length];
        for (int i = 0; i < f.length; i++) f[i] = (float) (x.v()[i] + d.v()[i]);
        return Nd.of(f, x.shape());
    }

    static double sigmoid(double x) { return 1 / (1 + Math.exp(-x)); }

    static double gelu(double x) { return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))); }

    // ================================================================ elementwise

    @OnEachDevice
    void arithmeticWithTensorsAndScalarsBothOperands(String device) {
        Reference.use(device);
        Random rnd = new Random(1);
        Nd a = gauss(rnd, 3, 5), b = gauss(rnd, 3, 5), d = away(rnd, 0.5, 2, 3, 5);
        Nd col = gauss(rnd, 3, 1), row = gauss(rnd, 1, 5), cube = gauss(rnd, 2, 3, 4), v4 = away(rnd, 0.5, 2, 4);
        Nd cubeAway = away(rnd, 0.5, 2, 2, 3, 4), v7 = gauss(rnd, 7), s = Nd.of(new float[]{0.8f}), one = gauss(rnd, 1);
        check(device, List.of(
                binary("add", a, b, Tensor::add, Double::sum),
                binary("sub", a, b, Tensor::sub, (x, y) -> x - y),
                binary("mul", a, b, Tensor::mul, (x, y) -> x * y),
                binary("div", a, d, Tensor::div, (x, y) -> x / y),
                binary("add broadcast column+row", col, row, Tensor::add, Double::sum),
                binary("sub broadcast over leading dims", cube, v4, Tensor::sub, (x, y) -> x - y),
                binary("sub broadcast, vector first", v4, cube, Tensor::sub, (x, y) -> x - y),
                binary("mul broadcast (3,1)", cube, col, Tensor::mul, (x, y) -> x * y),
                binary("div broadcast denominator", cube, v4, Tensor::div, (x, y) -> x / y),
                binary("div broadcast numerator", v4, cubeAway, Tensor::div, (x, y) -> x / y),
                binary("mul by 0-d tensor", v7, s, Tensor::mul, (x, y) -> x * y),
                binary("add (1,) to (7,)", v7, one, Tensor::add, Double::sum),
                unary("add(1.5)", a, x -> x.add(1.5), x -> x + 1.5),
                unary("sub(0.7)", v7, x -> x.sub(0.7), x -> x - 0.7),
                unary("mul(-2.5)", cube, x -> x.mul(-2.5), x -> x * -2.5),
                unary("div(3)", a, x -> x.div(3), x -> x / 3),
                unary("rsub(2)", v7, x -> x.rsub(2), x -> 2 - x),
                unary("rdiv(2)", d, x -> x.rdiv(2), x -> 2 / x),
                unary("neg", cube, Tensor::neg, x -> -x)));
    }

    @OnEachDevice
    void transcendentalOps(String device) {
        Reference.use(device);
        Random rnd = new Random(2);
        Nd x = gauss(rnd, 3, 5), v = gauss(rnd, 7), cube = gauss(rnd, 2, 3, 4);
        Nd pos = uniform(rnd, 0.5, 3, 3, 5), pos7 = uniform(rnd, 0.5, 3, 7), nz = away(rnd, 0.4, 2, 2, 3, 4);
        check(device, List.of(
                unary("exp", x, Tensor::exp, Math::exp),
                unary("exp2", v, Tensor::exp2, y -> Math.pow(2, y)),
                unary("log", pos, Tensor::log, Math::log),
                unary("log2", pos7, Tensor::log2, y -> Math.log(y) / Math.log(2)),
                unary("sqrt", pos, Tensor::sqrt, Math::sqrt),
                unary("rsqrt", pos7, Tensor::rsqrt, y -> 1 / Math.sqrt(y)),
                unary("reciprocal", nz, Tensor::reciprocal, y -> 1 / y),
                unary("sin", cube, Tensor::sin, Math::sin),
                unary("cos", x, Tensor::cos, Math::cos),
                unary("tanh", cube, Tensor::tanh, Math::tanh),
                unary("sigmoid", v, Tensor::sigmoid, GradCheckTest::sigmoid),
                unary("exp of a large argument", uniform(rnd, 3, 5, 7), Tensor::exp, Math::exp)));
    }

    @OnEachDevice
    void activations(String device) {
        Reference.use(device);
        Random rnd = new Random(3);
        double[] zero = {0};
        check(device, List.of(
                unary("relu", avoiding(rnd, zero, 3, 5), Tensor::relu, y -> Math.max(y, 0)),
                unary("leakyRelu()", avoiding(rnd, zero, 7), Tensor::leakyRelu, y -> y < 0 ? 0.01 * y : y),
                unary("leakyRelu(0.2)", avoiding(rnd, zero, 2, 3, 4), x -> x.leakyRelu(0.2), y -> y < 0 ? 0.2 * y : y),
                unary("gelu", gauss(rnd, 3, 5), Tensor::gelu, GradCheckTest::gelu),
                unary("silu", gauss(rnd, 2, 3, 4), Tensor::silu, y -> y * sigmoid(y)),
                unary("square", gauss(rnd, 7), Tensor::square, y -> y * y),
                unary("abs", avoiding(rnd, zero, 3, 5), Tensor::abs, Math::abs)));
    }

    @OnEachDevice
    void powWithScalarAndTensorExponents(String device) {
        Reference.use(device);
        Random rnd = new Random(4);
        List<Case> cases = new ArrayList<>();
        // 1, 2, 0.5 and -1 take shortcuts (identity, mul, sqrt, reciprocal); the others the general exp2/log2 path.
        for (double e : new double[]{1, 2, 0.5, -1, 3, 1.7, -0.5, -2}) {
            cases.add(unary("pow(" + e + ")", uniform(rnd, 0.5, 2.5, 3, 5), x -> x.pow(e), y -> Math.pow(y, e)));
        }
        cases.add(binary("pow(tensor)", uniform(rnd, 0.5, 2.5, 3, 5), gauss(rnd, 3, 5), Tensor::pow, Math::pow));
        cases.add(binary("pow(tensor) exponent broadcast", uniform(rnd, 0.5, 2.5, 2, 3, 4), gauss(rnd, 4), Tensor::pow, Math::pow));
        cases.add(binary("pow(tensor) base broadcast", uniform(rnd, 0.5, 2.5, 7), gauss(rnd, 3, 7), Tensor::pow, Math::pow));
        check(device, cases);
    }

    /** x ** 0 is the constant 1: its gradient is zero, and the loss still depends on x (as in torch). */
    @OnEachDevice
    void powZeroHasAZeroGradient(String device) {
        Reference.use(device);
        Tensor x = Tensor.of(new float[]{0.5f, 1.5f, 2f}, 3).requiresGrad(true);
        x.pow(0).mul(Tensor.of(new float[]{1, 2, 3}, 3)).sum().backward();
        assertNotNull(x.grad(), "x.pow(0): no gradient reached x");
        assertArrayEquals(new float[]{0, 0, 0}, x.grad().toFloatArray());
    }

    @OnEachDevice
    void maximumMinimumClamp(String device) {
        Reference.use(device);
        Random rnd = new Random(5);
        Nd a = gauss(rnd, 3, 5), a2 = gauss(rnd, 2, 3, 4);
        Nd m = avoiding(rnd, new double[]{0.3}, 3, 5), n = avoiding(rnd, new double[]{-0.2}, 7);
        // Broadcast operands: a (5,) row against (3,5), kept 0.05 apart from every element of its column.
        Nd big = gauss(rnd, 3, 5), rowV = gauss(rnd, 5);
        for (int i = 0; i < 15; i++) {
            double r = rowV.v()[i % 5];
            if (Math.abs(big.v()[i] - r) < 0.05) big.v()[i] = (float) (r + 0.1);
        }
        check(device, List.of(
                binary("maximum", a, apart(rnd, a), Tensor::maximum, Math::max),
                binary("minimum", a2, apart(rnd, a2), Tensor::minimum, Math::min),
                binary("maximum broadcast", big, rowV, Tensor::maximum, Math::max),
                binary("minimum broadcast", rowV, big, Tensor::minimum, Math::min),
                unary("maximum(0.3)", m, x -> x.maximum(0.3), y -> Math.max(y, 0.3)),
                unary("minimum(-0.2)", n, x -> x.minimum(-0.2), y -> Math.min(y, -0.2)),
                unary("clamp(-0.5, 0.8)", avoiding(rnd, new double[]{-0.5, 0.8}, 2, 3, 4), x -> x.clamp(-0.5, 0.8), y -> Math.min(Math.max(y, -0.5), 0.8))));
    }

    /** Ties are not differentiable; the documented rule (tinygrad's) splits the gradient evenly. */
    @OnEachDevice
    void tiesSplitTheGradientEvenly(String device) {
        Reference.use(device);
        Tensor x = Tensor.of(new float[]{1, 3, 3, 2}, 4).requiresGrad(true), y = Tensor.of(new float[]{1, 0, 5, 2}, 4).requiresGrad(true);
        x.max().add(x.maximum(y).sum()).backward();
        // max(): 3 twice -> 0.5 each; maximum: ties at 0 and 3 -> 0.5 each, x wins at 1.
        assertArrayEquals(new float[]{0.5f, 1.5f, 0.5f, 0.5f}, x.grad().toFloatArray());
        assertArrayEquals(new float[]{0.5f, 0, 1, 0.5f}, y.grad().toFloatArray());
    }

    @OnEachDevice
    void whereSendsTheGradientToTheChosenBranchOnly(String device) {
        Reference.use(device);
        Random rnd = new Random(6);
        boolean[] cond = new boolean[15];
        for (int i = 0; i < cond.length; i++) cond[i] = rnd.nextBoolean();
        Nd rc = Nd.build(new int[]{3, 5}, idx -> cond[idx[0] * 5 + idx[1]] ? 1 : 0);
        Supplier<Tensor> c = () -> Tensor.of(cond, 3, 5);
        Nd a = gauss(rnd, 3, 5), b = gauss(rnd, 3, 5), b5 = gauss(rnd, 5), x = avoiding(rnd, new double[]{0}, 2, 3, 4);
        check(device, List.of(
                new Case("where(c, a, b)", t -> c.get().where(t[0], t[1]),
                        n -> rc.zip(n[0], (k, y) -> k != 0 ? y : 0).zip(rc.zip(n[1], (k, y) -> k != 0 ? 0 : y), Double::sum), a, b),
                new Case("where(c, a, b) b broadcast", t -> c.get().where(t[0], t[1]),
                        n -> rc.zip(n[0], (k, y) -> k != 0 ? y : 0).zip(rc.zip(n[1], (k, y) -> k != 0 ? 0 : y), Double::sum), a, b5),
                new Case("where(c, a, 0.5)", t -> c.get().where(t[0], 0.5), n -> rc.zip(n[0], (k, y) -> k != 0 ? y : 0.5), a),
                new Case("where(c, -1, b)", t -> c.get().where(-1.0, t[0]), n -> rc.zip(n[0], (k, y) -> k != 0 ? -1 : y), b),
                unary("where(x > 0, x*x, -3x)", x, t -> t.gt(0).where(t.mul(t), t.mul(-3)), y -> y > 0 ? y * y : -3 * y)));
    }

    @OnEachDevice
    void castAndContiguousAndCopies(String device) {
        Reference.use(device);
        Random rnd = new Random(7);
        String other = device.equals("JAVA") ? "OPENCL:0" : "JAVA";
        // float -> int -> float carries no gradient; away from integers its derivative is 0.
        Nd nonInt = Nd.of(new float[]{0.3f, 1.6f, -0.4f, -2.7f, 2.2f, 0.9f, -1.1f}, 7);
        check(device, List.of(
                unary("cast(FLOAT32) of a float", gauss(rnd, 3, 5), x -> x.cast(DType.FLOAT32).mul(3), y -> 3 * y),
                unary("cast to int and back, plus x", nonInt, x -> x.cast(DType.INT32).cast(DType.FLOAT32).add(x), y -> (long) y + y),
                unary("contiguous", gauss(rnd, 2, 3, 4), x -> x.permute(2, 0, 1).contiguous().exp().permute(1, 2, 0), Math::exp),
                unary("to(" + other + ") and back", gauss(rnd, 7), x -> x.to(other).sin().to(device), Math::sin)));
    }

    // ================================================================ reductions

    static Nd var(Nd x, int[] axes, boolean keepdim, int correction) {
        Nd d = x.zip(x.mean(axes, true), (y, m) -> (y - m) * (y - m));
        int n = x.count(axes);
        return d.sum(axes, keepdim).map(s -> s / (n - correction));
    }

    static final int[] ALL = {};

    @OnEachDevice
    void sumMeanOverAllAndGivenAxes(String device) {
        Reference.use(device);
        Random rnd = new Random(8);
        Nd x = gauss(rnd, 2, 3, 4), y = gauss(rnd, 3, 5), v = gauss(rnd, 7);
        check(device, List.of(
                of("sum()", x, Tensor::sum, t -> t.sum(ALL, false)),
                of("sum() of a vector", v, Tensor::sum, t -> t.sum(ALL, false)),
                of("sum(1)", x, t -> t.sum(1), t -> t.sum(new int[]{1}, false)),
                of("sum(0, 2)", x, t -> t.sum(0, 2), t -> t.sum(new int[]{0, 2}, false)),
                of("sum(-1, keepdim)", x, t -> t.sum(-1, true), t -> t.sum(new int[]{2}, true)),
                of("sum({0, 2}, keepdim)", x, t -> t.sum(new int[]{0, 2}, true), t -> t.sum(new int[]{0, 2}, true)),
                of("sum(all, keepdim)", y, t -> t.sum(new int[0], true), t -> t.sum(ALL, true)),
                of("mean()", y, Tensor::mean, t -> t.mean(ALL, false)),
                of("mean(1)", x, t -> t.mean(1), t -> t.mean(new int[]{1}, false)),
                of("mean(0, keepdim)", y, t -> t.mean(0, true), t -> t.mean(new int[]{0}, true)),
                of("mean({0, 2}, keepdim=false)", x, t -> t.mean(new int[]{0, 2}, false), t -> t.mean(new int[]{0, 2}, false))));
    }

    @OnEachDevice
    void maxMinWithAUniqueExtreme(String device) {
        Reference.use(device);
        Random rnd = new Random(9);
        // Gaussian values: ties are not an issue at this seed (the finite differences would show one).
        Nd x = gauss(rnd, 2, 3, 4), y = gauss(rnd, 3, 5), v = gauss(rnd, 7);
        check(device, List.of(
                of("max()", x, Tensor::max, t -> t.max(ALL, false)),
                of("max() of a vector", v, Tensor::max, t -> t.max(ALL, false)),
                of("max(1)", x, t -> t.max(1), t -> t.max(new int[]{1}, false)),
                of("max(2, keepdim)", x, t -> t.max(2, true), t -> t.max(new int[]{2}, true)),
                of("max({0, 2}, keepdim)", x, t -> t.max(new int[]{0, 2}, true), t -> t.max(new int[]{0, 2}, true)),
                of("max(0) of (3,5)", y, t -> t.max(0), t -> t.max(new int[]{0}, false)),
                of("min()", y, Tensor::min, t -> t.min(ALL, false)),
                of("min(0)", x, t -> t.min(0), t -> t.min(new int[]{0}, false)),
                of("min(1, keepdim)", x, t -> t.min(1, true), t -> t.min(new int[]{1}, true)),
                of("min(-1)", y, t -> t.min(-1), t -> t.min(new int[]{1}, false))));
    }

    @OnEachDevice
    void prodVarStd(String device) {
        Reference.use(device);
        Random rnd = new Random(10);
        Nd x = gauss(rnd, 2, 3, 4), y = gauss(rnd, 3, 5), v = gauss(rnd, 7);
        Nd px = away(rnd, 0.5, 1.5, 2, 3, 4), pv = away(rnd, 0.6, 1.4, 7);
        check(device, List.of(
                of("prod()", pv, Tensor::prod, t -> t.prod(ALL, false)),
                of("prod(1)", px, t -> t.prod(1), t -> t.prod(new int[]{1}, false)),
                of("prod(0, keepdim)", px, t -> t.prod(0, true), t -> t.prod(new int[]{0}, true)),
                of("var()", v, Tensor::var, t -> var(t, ALL, false, 1)),
                of("var(1)", x, t -> t.var(1), t -> var(t, new int[]{1}, false, 1)),
                of("var(2, keepdim)", x, t -> t.var(2, true), t -> var(t, new int[]{2}, true, 1)),
                of("var({0, 2}, correction 0)", x, t -> t.var(new int[]{0, 2}, false, 0), t -> var(t, new int[]{0, 2}, false, 0)),
                of("std()", y, Tensor::std, t -> var(t, ALL, false, 1).map(Math::sqrt)),
                of("std(1)", x, t -> t.std(1), t -> var(t, new int[]{1}, false, 1).map(Math::sqrt)),
                of("std(0, keepdim)", y, t -> t.std(0, true), t -> var(t, new int[]{0}, true, 1).map(Math::sqrt))));
    }

    @OnEachDevice
    void softmaxFamily(String device) {
        Reference.use(device);
        Random rnd = new Random(11);
        Nd y = gauss(rnd, 3, 5), x = gauss(rnd, 2, 3, 4), v = gauss(rnd, 7);
        check(device, List.of(
                of("softmax(1)", y, t -> t.softmax(1), t -> t.softmax(1)),
                of("softmax(0)", y, t -> t.softmax(0), t -> t.softmax(0)),
                of("softmax() of (2,3,4)", x, Tensor::softmax, t -> t.softmax(2)),
                of("softmax(1) of (2,3,4)", x, t -> t.softmax(1), t -> t.softmax(1)),
                of("logSoftmax()", y, Tensor::logSoftmax, t -> logSoftmax(t, 1)),
                of("logSoftmax(0) of (2,3,4)", x, t -> t.logSoftmax(0), t -> logSoftmax(t, 0)),
                of("logsumexp(1)", y, t -> t.logsumexp(1), t -> t.logsumexp(1, false)),
                of("logsumexp(0, keepdim)", y, t -> t.logsumexp(0, true), t -> t.logsumexp(0, true)),
                of("logsumexp(0) of a vector", v, t -> t.logsumexp(0), t -> t.logsumexp(0, false)),
                of("logsumexp(2) of (2,3,4)", x, t -> t.logsumexp(2), t -> t.logsumexp(2, false))));
    }

    /** Reductions long enough that the runtime splits them into partial results and a second pass. */
    @OnEachDevice
    void longReductionsThatTheRuntimeSplits(String device) {
        Reference.use(device);
        Random rnd = new Random(21);
        Nd v = gauss(rnd, 40000), m = gauss(rnd, 3, 33000);
        check(device, List.of(
                of("sum of exp, 40000", v, t -> t.exp().sum(), t -> t.map(Math::exp).sum(ALL, false)),
                of("max(), 40000", v, Tensor::max, t -> t.max(ALL, false)),
                of("min(1) of (3, 33000)", m, t -> t.min(1), t -> t.min(new int[]{1}, false)),
                of("mean(1, keepdim) squared, (3, 33000)", m, t -> t.mean(1, true).square(), t -> t.mean(new int[]{1}, true).map(a -> a * a)),
                of("logSoftmax over 40000", v, t -> t.logSoftmax(0), t -> logSoftmax(t, 0))));
    }

    static Nd logSoftmax(Nd x, int axis) { return x.zip(x.logsumexp(axis, true), (a, l) -> a - l); }

    // ================================================================ movement

    @OnEachDevice
    void reshapePermuteExpand(String device) {
        Reference.use(device);
        Random rnd = new Random(12);
        Nd x = gauss(rnd, 2, 3, 4), y = gauss(rnd, 3, 5), col = gauss(rnd, 3, 1), row = gauss(rnd, 5);
        // The op alone is linear, so each case also squares: the gradient then depends on where each element went.
        check(device, List.of(
                of("reshape(5, 3)", y, t -> t.reshape(5, 3).square(), t -> t.reshape(5, 3).map(a -> a * a)),
                of("reshape(-1, 2)", x, t -> t.reshape(-1, 2).square(), t -> t.reshape(12, 2).map(a -> a * a)),
                of("permute(2, 0, 1)", x, t -> t.permute(2, 0, 1).square(), t -> t.permute(2, 0, 1).map(a -> a * a)),
                of("transpose()", y, t -> t.transpose().square(), t -> t.transpose(0, 1).map(a -> a * a)),
                of("transpose(0, 2)", x, t -> t.transpose(0, 2).square(), t -> t.transpose(0, 2).map(a -> a * a)),
                of("expand(2, -1, 5)", col, t -> t.expand(2, -1, 5).square(), t -> t.expand(2, 3, 5).map(a -> a * a)),
                of("expand(-1, 4)", col, t -> t.expand(-1, 4).exp(), t -> t.expand(3, 4).map(Math::exp)),
                of("broadcastTo(2, 3, 5)", row, t -> t.broadcastTo(2, 3, 5).sin(), t -> t.expand(2, 3, 5).map(Math::sin)),
                binary("broadcast both ways then mul", col, row, (a, b) -> a.add(b).mul(a), (a, b) -> (a + b) * a),
                of("views of views", x, t -> t.permute(1, 0, 2).reshape(3, 8).flip(1).transpose().slice(0, 1, 8, 2).square(),
                        t -> t.permute(1, 0, 2).reshape(3, 8).flip(1).transpose(0, 1).slice(0, 1, 8, 2).map(a -> a * a))));
    }

    @OnEachDevice
    void padShrinkSliceFlip(String device) {
        Reference.use(device);
        Random rnd = new Random(13);
        Nd x = gauss(rnd, 2, 3, 4), y = gauss(rnd, 3, 5), v = gauss(rnd, 7);
        UnaryOperator<Nd> sq = t -> t.map(a -> a * a);
        check(device, List.of(
                of("pad", y, t -> t.pad(new int[][]{{1, 2}, {0, 3}}).square(), t -> sq.apply(t.pad(new int[][]{{1, 2}, {0, 3}}, 0))),
                of("pad 3-d", x, t -> t.pad(new int[][]{{0, 0}, {1, 0}, {2, 1}}).exp(), t -> t.pad(new int[][]{{0, 0}, {1, 0}, {2, 1}}, 0).map(Math::exp)),
                of("pad with 1.5", y, t -> t.pad(new int[][]{{2, 0}, {1, 1}}, 1.5).square(), t -> sq.apply(t.pad(new int[][]{{2, 0}, {1, 1}}, 1.5))),
                of("shrink", y, t -> t.shrink(new int[][]{{1, 3}, {0, 4}}).square(), t -> sq.apply(t.shrink(new int[][]{{1, 3}, {0, 4}}))),
                of("slice(1, 1, 4)", y, t -> t.slice(1, 1, 4).square(), t -> sq.apply(t.slice(1, 1, 4, 1))),
                of("slice(1, 0, 5, 2)", y, t -> t.slice(1, 0, 5, 2).square(), t -> sq.apply(t.slice(1, 0, 5, 2))),
                of("slice(0, 1, 7, 3)", v, t -> t.slice(0, 1, 7, 3).square(), t -> sq.apply(t.slice(0, 1, 7, 3))),
                of("slice(2, -3, 4)", x, t -> t.slice(2, -3, 4).square(), t -> sq.apply(t.slice(2, 1, 4, 1))),
                of("slice(1, 4, 0, -1)", y, t -> t.slice(1, 4, 0, -1).square(), t -> sq.apply(t.slice(1, 4, 0, -1))),
                of("slice(0, -1, -8, -2)", v, t -> t.slice(0, -1, -8, -2).square(), t -> sq.apply(t.slice(0, 6, -1, -2))),
                of("slice(1, -2, 0, -2)", y, t -> t.slice(1, -2, 0, -2).square(), t -> sq.apply(t.slice(1, 3, 0, -2))),
                of("flip(0)", x, t -> t.flip(0).square(), t -> sq.apply(t.flip(0))),
                of("flip(0, -1)", x, t -> t.flip(0, -1).square(), t -> sq.apply(t.flip(0, 2))),
                of("flip() of a vector", v, t -> t.flip(0).exp(), t -> t.flip(0).map(Math::exp))));
    }

    @OnEachDevice
    void flattenSqueezeCatStackRepeatGet(String device) {
        Reference.use(device);
        Random rnd = new Random(14);
        Nd x = gauss(rnd, 2, 3, 4), y = gauss(rnd, 3, 5), ones = gauss(rnd, 3, 1, 5, 1), col = gauss(rnd, 3, 1);
        Nd a = gauss(rnd, 2, 5), b = gauss(rnd, 3, 5), c = gauss(rnd, 1, 5), y2 = gauss(rnd, 3, 5), y3 = gauss(rnd, 3, 5);
        Nd l = gauss(rnd, 3, 2), r = gauss(rnd, 3, 4);
        UnaryOperator<Nd> sq = t -> t.map(q -> q * q);
        check(device, List.of(
                of("flatten()", x, t -> t.flatten().square(), t -> sq.apply(t.reshape(24))),
                of("flatten(1)", x, t -> t.flatten(1).square(), t -> sq.apply(t.reshape(2, 12))),
                of("squeeze()", ones, t -> t.squeeze().square(), t -> sq.apply(t.reshape(3, 5))),
                of("squeeze(1)", ones, t -> t.squeeze(1).square(), t -> sq.apply(t.reshape(3, 5, 1))),
                of("unsqueeze(0)", y, t -> t.unsqueeze(0).square(), t -> sq.apply(t.unsqueeze(0))),
                of("unsqueeze(-1)", y, t -> t.unsqueeze(-1).square(), t -> sq.apply(t.unsqueeze(2))),
                new Case("cat(0) of three", t -> t[0].cat(0, t[1], t[2]).square(), n -> sq.apply(Nd.cat(0, n[0], n[1], n[2])), a, b, c),
                new Case("cat(1) via T.cat", t -> T.cat(1, t[0], t[1]).exp(), n -> Nd.cat(1, n[0], n[1]).map(Math::exp), l, r),
                new Case("stack(0)", t -> t[0].stack(0, t[1]).square(), n -> sq.apply(Nd.cat(0, n[0].unsqueeze(0), n[1].unsqueeze(0))), y, y2),
                new Case("stack(1) of three", t -> T.stack(1, t[0], t[1], t[2]).square(),
                        n -> sq.apply(Nd.cat(1, n[0].unsqueeze(1), n[1].unsqueeze(1), n[2].unsqueeze(1))), y, y2, y3),
                new Case("cat with itself", t -> t[0].cat(0, t[0]).square(), n -> sq.apply(Nd.cat(0, n[0], n[0])), y),
                of("repeat(2, 3)", y, t -> t.repeat(2, 3).square(), t -> sq.apply(t.repeat(2, 3))),
                of("repeat(2, 1, 3) adds a dim", col, t -> t.repeat(2, 1, 3).square(), t -> sq.apply(t.repeat(2, 1, 3))),
                of("get(1)", y, t -> t.get(1).square(), t -> sq.apply(t.slice(0, 1, 2, 1).squeezeAxis(0))),
                of("get(-1)", x, t -> t.get(-1).square(), t -> sq.apply(t.slice(0, 1, 2, 1).squeezeAxis(0))),
                of("get(1, 2)", x, t -> t.get(1, 2).square(), t -> sq.apply(t.slice(0, 1, 2, 1).squeezeAxis(0).slice(0, 2, 3, 1).squeezeAxis(0)))));
    }

    // ================================================================ matmul

    @OnEachDevice
    void matmulShapes(String device) {
        Reference.use(device);
        Random rnd = new Random(15);
        int[][][] pairs = {{{3, 5}, {5, 4}}, {{5}, {5, 4}}, {{3, 5}, {5}}, {{5}, {5}}, {{2, 3, 4}, {4, 5}}, {{2, 1, 3, 4}, {3, 4, 2}},
                {{4}, {2, 4, 3}}, {{2, 3, 4}, {4}}, {{3, 4}, {2, 4, 3}}};
        List<Case> cases = new ArrayList<>();
        for (int[][] p : pairs) cases.add(new Case("matmul", t -> t[0].matmul(t[1]), n -> n[0].matmul(n[1]), gauss(rnd, p[0]), gauss(rnd, p[1])));
        cases.add(new Case("a @ b.T", t -> t[0].matmul(t[1].transpose()), n -> n[0].matmul(n[1].transpose(0, 1)), gauss(rnd, 3, 5), gauss(rnd, 4, 5)));
        cases.add(new Case("a @ a.T", t -> t[0].matmul(t[0].transpose()), n -> n[0].matmul(n[0].transpose(0, 1)), gauss(rnd, 3, 5)));
        check(device, cases);
    }

    // ================================================================ a composite: a 2-layer MLP with softmax cross-entropy

    /** Input (6,5), hidden 7 with relu, 3 classes; mean cross-entropy written from primitives. */
    @OnEachDevice
    void mlpCrossEntropyGradientsReachBothLayers(String device) {
        Reference.use(device);
        Random rnd = new Random(16);
        int n = 6, in = 5, hid = 7, cls = 3;
        Nd x = gauss(rnd, n, in), w1 = gauss(rnd, in, hid), b1 = gauss(rnd, hid), w2 = gauss(rnd, hid, cls), b2 = gauss(rnd, cls);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = rnd.nextInt(cls);
        float[] onehot = new float[n * cls];
        for (int i = 0; i < n; i++) onehot[i * cls + labels[i]] = 1;
        // Hidden pre-activations must stay clear of relu's kink for the finite differences to mean anything.
        double closest = Double.MAX_VALUE;
        for (int i = 0; i < n; i++) for (int j = 0; j < hid; j++) closest = Math.min(closest, Math.abs(hiddenPre(x, w1, b1, i, j)));
        assertTrue(closest > 1e-3, "seed puts a hidden unit at relu's kink: " + closest);

        Case mlp = new Case("MLP cross-entropy", t -> {
            Tensor xs = tensor(x);
            Tensor logits = xs.matmul(t[0]).add(t[1]).relu().matmul(t[2]).add(t[3]);
            Tensor m = logits.max(1, true);
            Tensor lse = logits.sub(m).exp().sum(1, true).log().add(m);
            Tensor nll = lse.sub(logits).mul(Tensor.of(onehot, n, cls)).sum(1);
            return nll.mean();
        }, p -> {
            double loss = 0;
            for (int i = 0; i < n; i++) {
                double[] h = new double[hid];
                for (int j = 0; j < hid; j++) h[j] = Math.max(0, hiddenPre(x, p[0], p[1], i, j));
                double[] z = new double[cls];
                double mx = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < cls; c++) {
                    z[c] = p[3].v()[c];
                    for (int j = 0; j < hid; j++) z[c] += h[j] * p[2].v()[j * cls + c];
                    mx = Math.max(mx, z[c]);
                }
                double s = 0;
                for (int c = 0; c < cls; c++) s += Math.exp(z[c] - mx);
                loss += Math.log(s) + mx - z[labels[i]];
            }
            return new Nd(new int[0], new double[]{loss / n});
        }, w1, b1, w2, b2);
        check(device, List.of(mlp));
    }

    private static double hiddenPre(Nd x, Nd w1, Nd b1, int i, int j) {
        int in = x.shape()[1], hid = w1.shape()[1];
        double s = b1.v()[j];
        for (int k = 0; k < in; k++) s += x.v()[i * in + k] * w1.v()[k * hid + j];
        return s;
    }

    // ================================================================ graph shapes

    @OnEachDevice
    void leafUsedTwiceAndDiamonds(String device) {
        Reference.use(device);
        Random rnd = new Random(17);
        Nd x = gauss(rnd, 3, 5), y = gauss(rnd, 3, 5), v = gauss(rnd, 7);
        check(device, List.of(
                unary("x*x", x, t -> t.mul(t), a -> a * a),
                unary("x+x", v, t -> t.add(t), a -> 2 * a),
                unary("x*x*x", v, t -> t.mul(t).mul(t), a -> a * a * a),
                unary("x - x.exp()", x, t -> t.sub(t.exp()), a -> a - Math.exp(a)),
                unary("diamond: a=exp(x); 2a*sin(a)", v, t -> { Tensor a = t.exp(); return a.mul(2).mul(a.sin()); }, a -> 2 * Math.exp(a) * Math.sin(Math.exp(a))),
                binary("diamond: a=x*y; sin(a)+a*a+a", x, y, (p, q) -> { Tensor a = p.mul(q); return a.sin().add(a.mul(a)).add(a); },
                        (p, q) -> Math.sin(p * q) + p * q * p * q + p * q),
                unary("deep diamond: a=exp(x), b=a+1, (a*b)+b", x, t -> { Tensor a = t.mul(0.5).exp(), b = a.add(1); return a.mul(b).add(b); },
                        p -> { double a = Math.exp(0.5 * p), b = a + 1; return a * b + b; }),
                of("diamond through a reduction: x - mean(x)", x, t -> t.sub(t.mean(1, true)).square(),
                        t -> t.zip(t.mean(new int[]{1}, true), (a, m) -> (a - m) * (a - m)))));
    }

    // ================================================================ bookkeeping

    static float[] floats(Nd x) {
        float[] f = new float[x.v().length];
        for (int i = 0; i < f.length; i++) f[i] = (float) x.v()[i];
        return f;
    }

    static void assertValues(String what, double[] expected, Tensor got) {
        Reference.assertClose(what, expected, got.toFloatArray(), i -> 1e-5 + 1e-5 * Math.abs(expected[i]));
    }

    @OnEachDevice
    void twoBackwardCallsAccumulateAndSetGradNullClears(String device) {
        Reference.use(device);
        Random rnd = new Random(18);
        Nd xv = gauss(rnd, 3, 5), r = gauss(rnd, 3, 5);
        Tensor x = tensor(xv).requiresGrad(true);
        assertNull(x.grad(), "no gradient before backward");
        x.mul(x).sum().backward();
        x.sin().mul(tensor(r)).sum().backward();
        double[] want = new double[15];
        for (int i = 0; i < 15; i++) want[i] = 2 * xv.v()[i] + r.v()[i] * Math.cos(xv.v()[i]);
        assertValues(device + " 2x + r cos x", want, x.grad());

        x.setGrad(null);
        assertNull(x.grad(), "setGrad(null) clears");
        x.mul(3).sum().backward();
        double[] three = new double[15];
        Arrays.fill(three, 3);
        assertValues(device + " after setGrad(null) only the new gradient", three, x.grad());

        // setGrad with a value: the next backward adds to it.
        x.setGrad(Tensor.ones(3, 5));
        x.mul(2).sum().backward();
        Arrays.fill(three, 3);
        assertValues(device + " ones + 2", three, x.grad());
    }

    @OnEachDevice
    void detachStopsTheGradient(String device) {
        Reference.use(device);
        Random rnd = new Random(19);
        Nd xv = gauss(rnd, 7);
        Tensor x = tensor(xv).requiresGrad(true);
        Tensor d = x.detach();
        assertFalse(d.requiresGrad());
        assertArrayEquals(floats(xv), d.toFloatArray(), "detach keeps the values");
        x.mul(d).sum().backward();
        assertValues(device + " d(x * detach(x))/dx = x, not 2x", xv.v(), x.grad());

        // A detached branch inside a larger graph: exp(x).detach() * x -> gradient exp(x).
        Tensor y = tensor(xv).requiresGrad(true);
        y.exp().detach().mul(y).sum().backward();
        assertValues(device + " exp(y).detach() * y", xv.map(Math::exp).v(), y.grad());

        // Only a detached path: the loss does not need a gradient at all.
        Tensor z = tensor(xv).requiresGrad(true);
        Tensor loss = z.detach().square().sum();
        assertFalse(loss.requiresGrad());
        assertThrows(IllegalStateException.class, loss::backward);
        assertNull(z.grad());
    }

    @OnEachDevice
    void noGradRecordsNothing(String device) throws Exception {
        Reference.use(device);
        Tensor x = Tensor.of(new float[]{1, 2, 3}, 3).requiresGrad(true);
        Tensor l = Tensor.noGrad(() -> x.mul(2).sum());
        assertFalse(l.requiresGrad(), "computed under noGrad");
        assertEquals(12f, l.item(), "noGrad still computes values");
        IllegalStateException e = assertThrows(IllegalStateException.class, l::backward);
        assertTrue(e.getMessage().contains("nothing in this tensor's graph requires a gradient") && e.getMessage().contains("requiresGrad(true)"), e.getMessage());
        assertNull(x.grad(), "no gradient from a noGrad graph");

        Tensor l2;
        try (AutoCloseable scope = Tensor.noGrad()) {
            l2 = x.exp().sum();
            try (AutoCloseable inner = Tensor.noGrad()) {
                assertFalse(x.sin().requiresGrad(), "nested scope");
            }
            assertFalse(x.sin().requiresGrad(), "still inside the outer scope after the inner one closed");
        }
        assertFalse(l2.requiresGrad());
        assertThrows(IllegalStateException.class, l2::backward);

        // The scope ends, also when its body throws: recording is back on.
        assertThrows(IllegalArgumentException.class, () -> Tensor.noGrad(() -> x.reshape(4)));
        Tensor l3 = x.mul(x).sum();
        assertTrue(l3.requiresGrad(), "recording resumes after noGrad");
        l3.backward();
        assertArrayEquals(new float[]{2, 4, 6}, x.grad().toFloatArray());
    }

    @OnEachDevice
    void errorsSayWhatWentWrong(String device) {
        Reference.use(device);
        Tensor x = Tensor.of(new float[15], 3, 5).requiresGrad(true);

        IllegalArgumentException nonScalar = assertThrows(IllegalArgumentException.class, () -> x.mul(2).backward());
        assertTrue(nonScalar.getMessage().contains("backward") && nonScalar.getMessage().contains("[3, 5]")
                && nonScalar.getMessage().contains("single value"), nonScalar.getMessage());

        IllegalStateException noLeaves = assertThrows(IllegalStateException.class, () -> Tensor.of(new float[]{1, 2}, 2).mul(3).sum().backward());
        assertTrue(noLeaves.getMessage().contains("backward") && noLeaves.getMessage().contains("requires a gradient")
                && noLeaves.getMessage().contains("requiresGrad(true)"), noLeaves.getMessage());

        IllegalArgumentException ints = assertThrows(IllegalArgumentException.class, () -> Tensor.ofInts(1, 2, 3).requiresGrad(true));
        assertTrue(ints.getMessage().contains("requiresGrad") && ints.getMessage().contains("float32") && ints.getMessage().contains("int"), ints.getMessage());
        IllegalArgumentException bools = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new boolean[]{true}, 1).requiresGrad(true));
        assertTrue(bools.getMessage().contains("bool"), bools.getMessage());
        assertFalse(Tensor.ofInts(1, 2).requiresGrad(false).requiresGrad(), "requiresGrad(false) on an int tensor is fine");

        IllegalArgumentException notLeaf = assertThrows(IllegalArgumentException.class, () -> x.mul(2).requiresGrad(true));
        assertTrue(notLeaf.getMessage().contains("requiresGrad") && notLeaf.getMessage().contains("leaf"), notLeaf.getMessage());

        IllegalArgumentException badGrad = assertThrows(IllegalArgumentException.class, () -> x.setGrad(Tensor.zeros(5, 3)));
        assertTrue(badGrad.getMessage().contains("setGrad") && badGrad.getMessage().contains("[5, 3]") && badGrad.getMessage().contains("[3, 5]"), badGrad.getMessage());

        // The failed calls left the leaf as it was.
        assertNull(x.grad());
        x.sum().backward();
        float[] ones = new float[15];
        Arrays.fill(ones, 1);
        assertArrayEquals(ones, x.grad().toFloatArray());
    }

    /** The optimizer's step: assign under noGrad keeps the leaf, and the next backward differentiates at the new value. */
    @OnEachDevice
    void assignKeepsALeafThatRequiresGrad(String device) {
        Reference.use(device);
        Random rnd = new Random(20);
        Nd wv = gauss(rnd, 3, 5);
        Tensor w = tensor(wv).requiresGrad(true);
        w.square().sum().backward();
        Tensor.noGrad(() -> w.assign(w.sub(w.grad().mul(0.1))));
        assertTrue(w.requiresGrad(), "assign keeps requiresGrad");
        assertValues(device + " w after the step", wv.map(a -> 0.8 * a).v(), w);
        w.setGrad(null);
        w.square().sum().backward();
        assertValues(device + " gradient at the new value", wv.map(a -> 1.6 * a).v(), w.grad());
    }

    /** backward() on a one-element tensor of any rank: shape [1, 1] is a loss too. */
    @OnEachDevice
    void lossOfShapeOneByOne(String device) {
        Reference.use(device);
        Tensor x = Tensor.of(new float[]{1, 2, 3}, 3).requiresGrad(true);
        x.reshape(1, 3).square().sum(1, true).backward();
        assertArrayEquals(new float[]{2, 4, 6}, x.grad().toFloatArray());
    }

    // ================================================================ graphs that a backward() already went through

    /**
     * backward() releases the graph it went through. Reusing part of it afterwards may either work (the gradient is
     * right) or be refused with an error that names backward; what it must not do is drop part of the gradient silently.
     */
    static boolean refused(Tensor loss) {
        try {
            loss.backward();
            return false;
        } catch (IllegalStateException | IllegalArgumentException e) {
            assertTrue(e.getMessage().contains("backward"), "refused, but the message does not say why: " + e.getMessage());
            return true;
        }
    }

    /** Two losses over one shared intermediate, each with its own backward(): d/dq (sum(e) + sum(2e)) with e = exp(q). */
    @OnEachDevice
    void twoLossesSharingAnIntermediateAreRightOrRefused(String device) {
        Reference.use(device);
        float[] qv = {0.5f, 1, 1.5f};
        Tensor q = Tensor.of(qv, 3).requiresGrad(true);
        Tensor e = q.exp();
        e.sum().backward();
        if (refused(e.mul(2).sum())) return;
        double[] want = new double[3];
        for (int i = 0; i < 3; i++) want[i] = 3 * Math.exp(qv[i]);
        assertValues(device + " exp(q) + 2 exp(q): the second loss's share went missing", want, q.grad());
    }

    /** An intermediate reused in a new loss after a backward() went through it: h = 2p; sum(h), then sum(h*h). */
    @OnEachDevice
    void intermediateReusedAfterBackwardIsRightOrRefused(String device) {
        Reference.use(device);
        Tensor p = Tensor.of(new float[]{1, 2, 3}, 3).requiresGrad(true);
        Tensor h = p.mul(2);
        h.sum().backward();
        if (refused(h.mul(h).sum())) return;
        assertArrayEquals(new float[]{10, 18, 26}, p.grad().toFloatArray(), "2 + 8p: the second loss's share went missing");
    }

    /** The same loss twice: either refused, or the gradient added a second time (torch's retain_graph). */
    @OnEachDevice
    void secondBackwardOfTheSameLossIsRightOrRefused(String device) {
        Reference.use(device);
        Tensor y = Tensor.of(new float[]{1, 2, 3}, 3).requiresGrad(true);
        Tensor loss = y.mul(y).sum();
        loss.backward();
        if (refused(loss)) return;
        assertArrayEquals(new float[]{4, 8, 12}, y.grad().toFloatArray(), "a second backward() neither refused nor accumulated");
    }

    /**
     * An optimizer step (assign) between building a loss and its backward(): the gradient is that of the function that
     * was built, at the values it was built with (the loss's value says so too), or the backward is refused.
     */
    @OnEachDevice
    void backwardAfterAssignUsesTheValuesOfTheForwardPass(String device) {
        Reference.use(device);
        Tensor w = Tensor.of(new float[]{1, 2, 3}, 3).requiresGrad(true);
        Tensor x = Tensor.of(new float[]{4, 5, 6}, 3).requiresGrad(true);
        Tensor loss = w.mul(x).sum();
        Tensor.noGrad(() -> w.assign(w.mul(10)));
        assertEquals(32f, loss.item(), "the loss keeps the values it was built with");
        if (refused(loss)) return;
        assertArrayEquals(new float[]{1, 2, 3}, x.grad().toFloatArray(), "d loss/dx is w as it was in the forward pass");
        assertArrayEquals(new float[]{4, 5, 6}, w.grad().toFloatArray());
    }
}
