// ONNX elementwise operators: math, activations, comparisons, logic, Clip, Where and Cast, as Tensor compositions.
package dev.jtiny.onnx;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.DType;

import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;

import static dev.jtiny.onnx.Operator.single;
import static dev.jtiny.onnx.Operators.add;

/**
 * Each operator is one or two lines of Tensor ops, so that a chain of them fuses into its neighbours' kernel.
 * Binary operators broadcast as numpy does from opset 7; before that they follow the old rule (attribute
 * {@code broadcast=1}: the second operand's dimensions line up with the first's from {@code axis}, default the
 * trailing ones; without it both shapes must be equal).
 */
final class ElementwiseOps {
    private ElementwiseOps() {}

    static void register() {
        unary("Abs", 1, Tensor::abs);
        unary("Neg", 1, Tensor::neg);
        unary("Exp", 1, Tensor::exp);
        unary("Log", 1, Tensor::log);
        unary("Sqrt", 1, Tensor::sqrt);
        unary("Reciprocal", 1, Tensor::reciprocal);
        unary("Floor", 1, Tensor::floor);
        unary("Ceil", 1, Tensor::ceil);
        unary("Round", 11, ElementwiseOps::roundHalfEven);
        unary("Sign", 9, Tensor::sign);
        unary("Sin", 7, Tensor::sin);
        unary("Cos", 7, Tensor::cos);
        unary("Tan", 7, Tensor::tan);
        unary("Sinh", 9, x -> x.exp().sub(x.neg().exp()).mul(0.5));
        unary("Cosh", 9, x -> x.exp().add(x.neg().exp()).mul(0.5));
        unary("Tanh", 1, Tensor::tanh);
        unary("Atan", 7, ElementwiseOps::atan);
        unary("Asin", 7, x -> atan(x.div(x.mul(x).rsub(1).sqrt())));
        unary("Acos", 7, x -> atan(x.div(x.mul(x).rsub(1).sqrt())).rsub(Math.PI / 2));
        unary("Asinh", 9, x -> { Tensor ax = x.abs(); Tensor r = ax.add(ax.mul(ax).add(1).sqrt()).log(); return x.lt(0).where(r.neg(), r); });
        unary("Acosh", 9, x -> x.add(x.mul(x).sub(1).sqrt()).log());
        unary("Atanh", 9, x -> x.add(1).div(x.rsub(1)).log().mul(0.5));
        unary("Sigmoid", 1, Tensor::sigmoid);
        unary("Relu", 1, Tensor::relu);
        unary("Erf", 9, ElementwiseOps::erf);
        unary("Softplus", 1, ElementwiseOps::softplus);
        unary("Softsign", 1, x -> x.div(x.abs().add(1)));
        unary("Mish", 18, x -> x.mul(softplus(x).tanh()));
        unary("HardSwish", 14, x -> x.mul(x.div(6).add(0.5).clamp(0, 1)));
        unary("Not", 1, Tensor::logicalNot);
        unary("IsNaN", 9, x -> x.ne(x));

        add("LeakyRelu", 1, a -> { double alpha = a.f("alpha", 0.01); return unaryStep(x -> x.leakyRelu(alpha)); });
        add("Elu", 1, a -> { double alpha = a.f("alpha", 1.0); return unaryStep(x -> elu(x, alpha)); });
        add("Celu", 12, a -> {
            double alpha = a.f("alpha", 1.0);
            return unaryStep(x -> x.relu().add(x.div(alpha).exp().sub(1).mul(alpha).minimum(0)));
        });
        add("Selu", 1, a -> {
            double alpha = a.f("alpha", 1.67326319217681884765625), gamma = a.f("gamma", 1.05070102214813232421875);
            return unaryStep(x -> elu(x, alpha).mul(gamma));
        });
        add("HardSigmoid", 1, a -> {
            double alpha = a.f("alpha", 0.2), beta = a.f("beta", 0.5);
            return unaryStep(x -> x.mul(alpha).add(beta).clamp(0, 1));
        });
        add("ThresholdedRelu", 10, a -> { double alpha = a.f("alpha", 1.0); return unaryStep(x -> x.gt(alpha).where(x, 0.0)); });
        add("Shrink", 9, a -> {
            double lambd = a.f("lambd", 0.5), bias = a.f("bias", 0.0);
            return unaryStep(x -> x.lt(-lambd).where(x.add(bias), x.gt(lambd).where(x.sub(bias), x.zerosLike())));
        });
        add("Gelu", 20, a -> {
            String approx = a.choice("approximate", "none", "none", "tanh");
            return unaryStep(approx.equals("tanh") ? Tensor::gelu : x -> x.mul(0.5).mul(erf(x.mul(Math.sqrt(0.5))).add(1)));
        });
        add("IsInf", 10, a -> {
            boolean neg = a.i("detect_negative", 1) != 0, pos = a.i("detect_positive", 1) != 0;
            return unaryStep(x -> {
                Tensor r = x.ne(x).logicalAnd(x.eq(x));   // all false
                if (pos) r = r.logicalOr(x.eq(Double.POSITIVE_INFINITY));
                if (neg) r = r.logicalOr(x.eq(Double.NEGATIVE_INFINITY));
                return r;
            });
        });
        add("PRelu", 1, a -> {
            boolean legacy = a.opset < 7;
            return single(in -> {
                Tensor x = in.t(0), slope = in.t(1);
                if (legacy) slope = channelwise(x, slope);
                return x.lt(0).where(x.mul(slope), x);
            });
        });

        binary("Add", Tensor::add);
        binary("Sub", Tensor::sub);
        binary("Mul", Tensor::mul);
        binary("Div", ElementwiseOps::divide);
        binary("Pow", (x, y) -> {
            Tensor r = y.dtype() == x.dtype() || x.dtype().isFloat() ? x.pow(y.cast(x.dtype())) : x.pow(y);
            return r.cast(x.dtype());
        });
        binary("Equal", Tensor::eq);
        binary("Greater", Tensor::gt);
        binary("Less", Tensor::lt);
        binary("And", Tensor::logicalAnd);
        binary("Or", Tensor::logicalOr);
        binary("Xor", (x, y) -> x.cast(DType.BOOL).ne(y.cast(DType.BOOL)));
        add("GreaterOrEqual", 12, a -> single(in -> in.t(0).ge(in.t(1))));
        add("LessOrEqual", 12, a -> single(in -> in.t(0).le(in.t(1))));
        add("Mod", 10, a -> {
            boolean fmod = a.i("fmod", 0) != 0;
            return single(in -> mod(in.t(0), in.t(1), fmod, in));
        });

        variadic("Sum", Tensor::add, false);
        variadic("Mean", Tensor::add, true);
        variadic("Max", Tensor::maximum, false);
        variadic("Min", Tensor::minimum, false);

        add("Clip", 1, a -> {
            if (a.opset < 11) {
                double lo = a.f("min", Double.NEGATIVE_INFINITY), hi = a.f("max", Double.POSITIVE_INFINITY);
                return single(in -> in.t(0).maximum(lo).minimum(hi));
            }
            return single(in -> {
                Tensor x = in.t(0);
                if (in.has(1)) x = x.maximum(in.t(1).cast(x.dtype()));
                if (in.has(2)) x = x.minimum(in.t(2).cast(x.dtype()));
                return x;
            });
        });
        add("Where", 9, a -> single(in -> in.t(0).where(in.t(1), in.t(2))));
        add("Cast", 6, a -> {   // opsets 1-5 name the target type with a string
            long to = a.i("to");
            if (a.opset >= 19) a.i("saturate", 1); // only changes float8 conversions, which jtiny does not have
            DType d = OnnxTensors.dtypeOf((int) to, "Cast's target");
            return single(in -> in.t(0).cast(d));
        });
        add("CastLike", 15, a -> {
            if (a.opset >= 19) a.i("saturate", 1);
            return single(in -> in.t(0).cast(in.t(1).dtype()));
        });
    }

    // ================================================================ registration helpers

    private static void unary(String op, int since, UnaryOperator<Tensor> f) { add(op, since, a -> unaryStep(f)); }

    private static Operator.Step unaryStep(UnaryOperator<Tensor> f) { return single(in -> f.apply(in.t(0))); }

    /** A binary operator with opset 1-6's broadcast/axis attributes and numpy broadcasting from opset 7. */
    private static void binary(String op, BinaryOperator<Tensor> f) {
        add(op, 1, a -> {
            if (a.opset >= 7) return single(in -> f.apply(in.t(0), in.t(1)));
            boolean broadcast = a.i("broadcast", 0) != 0;
            boolean hasAxis = a.has("axis");
            int axis = a.int32("axis", 0);
            return single(in -> f.apply(in.t(0), legacyBroadcast(in, in.t(0), in.t(1), broadcast, hasAxis, axis)));
        });
    }

    /** Variadic Sum/Mean/Max/Min: numpy broadcasting over all inputs (opset 8 on; equal shapes before). */
    private static void variadic(String op, BinaryOperator<Tensor> f, boolean mean) {
        add(op, 6, a -> single(in -> {
            Tensor r = in.t(0);
            for (int i = 1; i < in.count(); i++) r = f.apply(r, in.t(i));
            return mean ? r.div((double) in.count()).cast(in.t(0).dtype()) : r;
        }));
    }

    /** Opset 1-6 broadcasting: B's dimensions match A's starting at {@code axis} (default: A's last ones). */
    static Tensor legacyBroadcast(Args in, Tensor a, Tensor b, boolean broadcast, boolean hasAxis, int axis) {
        int[] as = a.shape(), bs = b.shape();
        if (!broadcast) {
            if (!java.util.Arrays.equals(as, bs) && b.numel() != 1) {
                throw in.error("shapes " + java.util.Arrays.toString(as) + " and " + java.util.Arrays.toString(bs) + " differ and broadcast=0");
            }
            return b;
        }
        int start = hasAxis ? (axis < 0 ? axis + as.length : axis) : as.length - bs.length;
        if (start < 0 || start + bs.length > as.length) {
            throw in.error("cannot broadcast shape " + java.util.Arrays.toString(bs) + " into " + java.util.Arrays.toString(as) + " at axis " + axis);
        }
        int[] s = new int[as.length];
        java.util.Arrays.fill(s, 1);
        System.arraycopy(bs, 0, s, start, bs.length);
        return b.reshape(s);
    }

    /** Opset 6 PRelu: a 1-D slope with one value per channel applies along dimension 1. */
    private static Tensor channelwise(Tensor x, Tensor slope) {
        if (slope.ndim() == 1 && x.ndim() >= 2 && slope.shape()[0] == x.shape()[1] && slope.shape()[0] != 1) {
            int[] s = new int[x.ndim() - 1];
            java.util.Arrays.fill(s, 1);
            s[0] = slope.shape()[0];
            return slope.reshape(s);
        }
        return slope;
    }

    // ================================================================ compositions

    /** Float division, or integer division truncating toward zero (as C and ONNX Runtime do) for integer types. */
    static Tensor divide(Tensor x, Tensor y) {
        if (x.dtype().isFloat() || y.dtype().isFloat()) return x.div(y);
        DType d = DType.promote(x.dtype(), y.dtype());
        return x.cast(d).idiv(y.cast(d));
    }

    private static Tensor mod(Tensor x, Tensor y, boolean fmod, Args in) {
        if (x.dtype().isFloat()) {
            if (!fmod) throw in.error("Mod of floating-point tensors needs fmod=1");
            return x.sub(x.div(y).trunc().mul(y));
        }
        Tensor r = x.fmod(y);           // sign of the dividend, as C's %
        if (fmod) return r;
        Tensor fix = r.ne(0).logicalAnd(r.lt(0).ne(y.lt(0)));
        return fix.where(r.add(y), r);  // sign of the divisor, as Python's %
    }

    private static Tensor elu(Tensor x, double alpha) { return x.gt(0).where(x, x.exp().sub(1).mul(alpha)); }

    /** log(1 + e^x) without overflow: max(x, 0) + log(1 + e^-|x|). */
    private static Tensor softplus(Tensor x) { return x.relu().add(x.abs().neg().exp().add(1).log()); }

    /** Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7, under float32's resolution near 1). */
    static Tensor erf(Tensor x) {
        Tensor ax = x.abs();
        Tensor t = ax.mul(0.3275911).add(1).reciprocal();
        Tensor poly = t.mul(1.061405429).add(-1.453152027).mul(t).add(1.421413741).mul(t).add(-0.284496736).mul(t).add(0.254829592).mul(t);
        Tensor y = poly.mul(ax.mul(ax).neg().exp()).rsub(1);
        return x.lt(0).where(y.neg(), y);
    }

    /**
     * arctan by range reduction to |t| <= tan(pi/8) (atan x = pi/2 - atan(1/x) beyond 1, = pi/4 + atan((x-1)/(x+1))
     * beyond tan(pi/8)), then its Taylor series to t^15: error below 1e-8.
     */
    static Tensor atan(Tensor x) {
        Tensor ax = x.abs();
        Tensor big = ax.gt(1);
        Tensor u = big.where(ax.reciprocal(), ax);                       // in [0, 1]
        Tensor mid = u.gt(0.41421356237309503);
        Tensor t = mid.where(u.sub(1).div(u.add(1)), u);                 // in [-0.4143, 0.4143]
        Tensor t2 = t.mul(t);
        Tensor series = t2.mul(-1.0 / 15).add(1.0 / 13).mul(t2).add(-1.0 / 11).mul(t2).add(1.0 / 9).mul(t2).add(-1.0 / 7)
                .mul(t2).add(1.0 / 5).mul(t2).add(-1.0 / 3).mul(t2).add(1).mul(t);
        Tensor r = mid.where(series.add(Math.PI / 4), series);
        r = big.where(r.rsub(Math.PI / 2), r);
        return x.lt(0).where(r.neg(), r);
    }

    /** Rounds halves to the even neighbour, as numpy and ONNX do. */
    static Tensor roundHalfEven(Tensor x) {
        if (!x.dtype().isFloat()) return x;
        Tensor f = x.floor();
        Tensor diff = x.sub(f);
        Tensor odd = f.sub(f.div(2).floor().mul(2)).ne(0);
        Tensor up = diff.gt(0.5).logicalOr(diff.eq(0.5).logicalAnd(odd));
        return up.where(f.add(1), f);
    }
}
