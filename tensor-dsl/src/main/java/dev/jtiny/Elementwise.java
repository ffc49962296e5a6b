// Elementwise ops: arithmetic, comparisons, logic, cast and the float functions, all made of the runtime's ALU primitives.
package dev.jtiny;

import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.Op;
import dev.jtiny.runtime.graph.LazyBuffer;

import java.util.function.UnaryOperator;

import static dev.jtiny.Tensor.op;

/**
 * Binary ops promote both operands to a common dtype and broadcast them to a common shape before the primitive
 * ({@link #binary}); float functions of integer, float16 and bfloat16 tensors compute in float32 and round once,
 * at the end ({@link #inFloat}).
 */
final class Elementwise {
    private Elementwise() {}

    private static final double LOG2_E = 1.4426950408889634;
    private static final double LN_2 = 0.6931471805599453;

    // ---------------------------------------------------------------- the primitive and its operands

    /** An elementwise primitive over {@code x} and others of the same shape. */
    static Tensor alu(Tensor x, Op op, Tensor... others) {
        Tensor[] in = new Tensor[others.length + 1];
        in[0] = x;
        System.arraycopy(others, 0, in, 1, others.length);
        LazyBuffer[] o = new LazyBuffer[others.length];
        for (int i = 0; i < o.length; i++) o[i] = others[i].lb;
        return Autograd.derived(x.lb.alu(op, o), Grad.alu(op), in);
    }

    private static Tensor binary(Tensor x, String name, Op op, Tensor o) {
        x.sameDevice(name, o);
        int[] shape = Movement.broadcastShape(name, x.lb.shape(), o.lb.shape());
        DType dt = DType.promote(x.lb.dtype, o.lb.dtype);
        Tensor a = x.cast(dt).broadcastTo(shape), b = o.cast(dt).broadcastTo(shape);
        return alu(a, op, b);
    }

    /** {@code v} in x's dtype, shape and device: a constant node, no memory. */
    static Tensor constLike(Tensor x, double v) { return new Tensor(LazyBuffer.constant(v, x.lb.dtype, x.lb.shape(), x.lb.device)); }

    /** A scalar as a tensor of x's dtype (floats promote ints when the value has a fraction). */
    private static Tensor scalarOperand(Tensor x, double v) {
        DType dt = x.lb.dtype;
        if (!dt.isFloat() && v != Math.rint(v)) dt = DType.FLOAT32;
        else if (dt == DType.BOOL && v != 0 && v != 1) dt = DType.INT32;
        // Made in x's shape: a binary op then has nothing to broadcast.
        return new Tensor(LazyBuffer.constant(v, dt, x.lb.shape(), x.lb.device));
    }

    /** The float type an op on {@code t} gives: {@code t} itself for floats, float32 for integers and bools. */
    private static DType floatType(DType t) { return t.isFloat() ? t : DType.FLOAT32; }

    /**
     * {@code f} applied to {@code x} in the type its float ops compute in (float64 in float64; float16, bfloat16
     * and non-floats in float32), with the result cast to {@link #floatType}: one rounding, at the end.
     */
    static Tensor inFloat(Tensor x, UnaryOperator<Tensor> f) {
        DType out = floatType(x.lb.dtype);
        return f.apply(x.cast(out.computeType())).cast(out);
    }

    private static Tensor unaryFloat(Tensor x, Op op) { return inFloat(x, f -> alu(f, op)); }

    /** An order-reversing map that cannot overflow: -x for floats, ~x for integers (bools: not). */
    static Tensor flipOrder(Tensor x) { return x.lb.dtype.isFloat() ? x.neg() : alu(x, Op.XOR, constLike(x, -1)); }

    // ---------------------------------------------------------------- arithmetic

    static Tensor add(Tensor x, Tensor o) { return op("add", () -> binary(x, "add", Op.ADD, o)); }
    static Tensor add(Tensor x, double v) { return op("add", () -> binary(x, "add", Op.ADD, scalarOperand(x, v))); }

    static Tensor sub(Tensor x, Tensor o) {
        return op("sub", () -> {
            DType dt = DType.promote(x.lb.dtype, o.lb.dtype); // before negating: -x of a uint8 is not -x of an int32
            return binary(x.cast(dt), "sub", Op.ADD, o.cast(dt).neg());
        });
    }

    static Tensor sub(Tensor x, double v) { return op("sub", () -> binary(x, "sub", Op.ADD, scalarOperand(x, -v))); }
    static Tensor mul(Tensor x, Tensor o) { return op("mul", () -> binary(x, "mul", Op.MUL, o)); }
    static Tensor mul(Tensor x, double v) { return op("mul", () -> binary(x, "mul", Op.MUL, scalarOperand(x, v))); }

    static Tensor div(Tensor x, Tensor o) {
        return op("div", () -> {
            DType dt = DType.promote(floatType(x.lb.dtype), floatType(o.lb.dtype));
            Tensor a = x.cast(dt.computeType()), b = o.cast(dt.computeType());
            return binary(a, "div", Op.MUL, alu(b, Op.RECIP)).cast(dt);
        });
    }

    static Tensor div(Tensor x, double v) { return op("div", () -> inFloat(x, f -> f.mul(1.0 / v))); }

    static Tensor idiv(Tensor x, Tensor o) {
        return op("idiv", () -> {
            DType dt = DType.promote(x.lb.dtype, o.lb.dtype);
            if (!dt.isInt()) throw new IllegalArgumentException("idiv: needs integer operands, got " + x.lb.dtype + " and " + o.lb.dtype + "; use div for floats");
            return binary(x, "idiv", Op.IDIV, o);
        });
    }

    static Tensor fmod(Tensor x, Tensor o) {
        return op("fmod", () -> {
            DType dt = DType.promote(x.lb.dtype, o.lb.dtype);
            if (dt.isFloat()) return x.sub(x.div(o).trunc().mul(o));
            if (!dt.isInt()) throw new IllegalArgumentException("fmod: needs numeric operands, got " + x.lb.dtype + " and " + o.lb.dtype);
            return binary(x, "fmod", Op.MOD, o);
        });
    }

    static Tensor rsub(Tensor x, double v) { return op("sub", () -> x.neg().add(v)); }
    static Tensor rdiv(Tensor x, double v) { return op("div", () -> x.reciprocal().mul(v)); }

    static Tensor neg(Tensor x) {
        return op("neg", () -> x.lb.dtype == DType.BOOL ? alu(x, Op.NEG) : alu(x, Op.MUL, constLike(x, -1)));
    }

    static Tensor pow(Tensor x, double e) {
        return op("pow", () -> {
            if (e == 0) return Autograd.derived(x.onesLike().lb, (g, out, in) -> new Tensor[]{g.mul(0)}, x);
            if (e == 1) return x;
            if (e == 2) return x.mul(x);
            if (e == 0.5) return x.sqrt();
            if (e == -1) return x.reciprocal();
            return inFloat(x, f -> f.pow(scalarOperand(f, e)));
        });
    }

    static Tensor pow(Tensor x, Tensor e) {
        return op("pow", () -> {
            DType dt = DType.promote(floatType(x.lb.dtype), floatType(e.lb.dtype));
            Tensor b = x.cast(dt.computeType()), y = e.cast(dt.computeType());
            Tensor mag = b.abs().log2().mul(y).exp2();
            Tensor isInt = y.eq(y.trunc());
            Tensor odd = y.sub(y.div(2).trunc().mul(2)).abs().eq(1);
            Tensor negative = b.lt(0).where(isInt.where(odd.where(mag.neg(), mag), scalarOperand(b, Double.NaN)), mag);
            return y.eq(0).where(1.0, negative).cast(dt);
        });
    }

    static Tensor maximum(Tensor x, Tensor o) { return op("maximum", () -> binary(x, "maximum", Op.MAX, o)); }
    static Tensor maximum(Tensor x, double v) { return op("maximum", () -> binary(x, "maximum", Op.MAX, scalarOperand(x, v))); }

    static Tensor minimum(Tensor x, Tensor o) {
        return op("minimum", () -> {
            DType dt = DType.promote(x.lb.dtype, o.lb.dtype);
            return flipOrder(flipOrder(x.cast(dt)).maximum(flipOrder(o.cast(dt))));
        });
    }

    static Tensor minimum(Tensor x, double v) { return op("minimum", () -> x.minimum(scalarOperand(x, v))); }
    static Tensor clamp(Tensor x, double lo, double hi) { return op("clamp", () -> x.maximum(lo).minimum(hi)); }

    // ---------------------------------------------------------------- float functions and activations

    static Tensor exp2(Tensor x) { return op("exp2", () -> unaryFloat(x, Op.EXP2)); }
    static Tensor log2(Tensor x) { return op("log2", () -> unaryFloat(x, Op.LOG2)); }
    static Tensor exp(Tensor x) { return op("exp", () -> inFloat(x, f -> f.mul(LOG2_E).exp2())); }
    static Tensor log(Tensor x) { return op("log", () -> inFloat(x, f -> f.log2().mul(LN_2))); }
    static Tensor sqrt(Tensor x) { return op("sqrt", () -> unaryFloat(x, Op.SQRT)); }
    static Tensor rsqrt(Tensor x) { return op("rsqrt", () -> x.sqrt().reciprocal()); }
    static Tensor reciprocal(Tensor x) { return op("reciprocal", () -> unaryFloat(x, Op.RECIP)); }
    static Tensor sin(Tensor x) { return op("sin", () -> unaryFloat(x, Op.SIN)); }
    static Tensor cos(Tensor x) { return op("cos", () -> inFloat(x, f -> f.rsub(Math.PI / 2).sin())); }
    static Tensor tan(Tensor x) { return op("tan", () -> x.sin().div(x.cos())); }
    static Tensor sigmoid(Tensor x) { return op("sigmoid", () -> x.neg().exp().add(1).reciprocal()); }
    static Tensor tanh(Tensor x) { return op("tanh", () -> x.mul(2).sigmoid().mul(2).sub(1)); }
    static Tensor relu(Tensor x) { return op("relu", () -> x.maximum(0)); }
    static Tensor leakyRelu(Tensor x, double slope) { return op("leakyRelu", () -> x.lt(0).where(x.mul(slope), x)); }

    static Tensor gelu(Tensor x) {
        return op("gelu", () -> x.mul(0.5).mul(x.mul(x.mul(x)).mul(0.044715).add(x).mul(Math.sqrt(2 / Math.PI)).tanh().add(1)));
    }

    static Tensor silu(Tensor x) { return op("silu", () -> x.mul(x.sigmoid())); }
    static Tensor square(Tensor x) { return op("square", () -> x.mul(x)); }
    static Tensor abs(Tensor x) { return op("abs", () -> x.lb.dtype == DType.BOOL || x.lb.dtype.isUnsigned() ? x : x.maximum(x.neg())); }
    static Tensor sign(Tensor x) { return op("sign", () -> x.gt(0).cast(x.dtype()).sub(x.lt(0).cast(x.dtype()))); }

    static Tensor trunc(Tensor x) { return op("trunc", () -> x.lb.dtype.isFloat() ? alu(x, Op.TRUNC) : x); }
    static Tensor floor(Tensor x) { return op("floor", () -> { Tensor t = x.trunc(); return x.lt(t).where(t.sub(1), t); }); }
    static Tensor ceil(Tensor x) { return op("ceil", () -> { Tensor t = x.trunc(); return x.gt(t).where(t.add(1), t); }); }

    // ---------------------------------------------------------------- choice, comparisons, logic, cast

    static Tensor where(Tensor c, Tensor a, Tensor b) {
        return op("where", () -> {
            c.sameDevice("where", a);
            c.sameDevice("where", b);
            int[] shape = Movement.broadcastShape("where", Movement.broadcastShape("where", c.lb.shape(), a.lb.shape()), b.lb.shape());
            DType dt = DType.promote(a.lb.dtype, b.lb.dtype);
            Tensor cond = c.cast(DType.BOOL).broadcastTo(shape);
            return alu(cond, Op.WHERE, a.cast(dt).broadcastTo(shape), b.cast(dt).broadcastTo(shape));
        });
    }

    static Tensor where(Tensor c, double a, Tensor b) { return c.where(scalarOperand(b, a).cast(b.dtype()), b); }
    static Tensor where(Tensor c, Tensor a, double b) { return c.where(a, scalarOperand(a, b).cast(a.dtype())); }
    static Tensor where(Tensor c, double a, double b) { return c.where(scalarOperand(c, a).cast(DType.FLOAT32), scalarOperand(c, b).cast(DType.FLOAT32)); }

    static Tensor eq(Tensor x, Tensor o) { return op("eq", () -> binary(x, "eq", Op.CMPEQ, o)); }
    static Tensor eq(Tensor x, double v) { return op("eq", () -> binary(x, "eq", Op.CMPEQ, scalarOperand(x, v))); }
    static Tensor ne(Tensor x, Tensor o) { return op("ne", () -> x.eq(o).logicalNot()); }
    static Tensor ne(Tensor x, double v) { return op("ne", () -> x.eq(v).logicalNot()); }
    static Tensor lt(Tensor x, Tensor o) { return op("lt", () -> binary(x, "lt", Op.CMPLT, o)); }
    static Tensor lt(Tensor x, double v) { return op("lt", () -> binary(x, "lt", Op.CMPLT, scalarOperand(x, v))); }
    static Tensor gt(Tensor x, Tensor o) { return op("gt", () -> binary(o, "gt", Op.CMPLT, x)); }
    static Tensor gt(Tensor x, double v) { return op("gt", () -> binary(scalarOperand(x, v), "gt", Op.CMPLT, x)); }
    static Tensor le(Tensor x, Tensor o) { return op("le", () -> x.gt(o).logicalNot()); }
    static Tensor le(Tensor x, double v) { return op("le", () -> x.gt(v).logicalNot()); }
    static Tensor ge(Tensor x, Tensor o) { return op("ge", () -> x.lt(o).logicalNot()); }
    static Tensor ge(Tensor x, double v) { return op("ge", () -> x.lt(v).logicalNot()); }

    static Tensor logicalNot(Tensor x) { return op("logicalNot", () -> alu(x.cast(DType.BOOL), Op.NEG)); }
    static Tensor logicalAnd(Tensor x, Tensor o) { return op("logicalAnd", () -> binary(x.cast(DType.BOOL), "logicalAnd", Op.MUL, o.cast(DType.BOOL))); }
    static Tensor logicalOr(Tensor x, Tensor o) { return op("logicalOr", () -> binary(x.cast(DType.BOOL), "logicalOr", Op.ADD, o.cast(DType.BOOL))); }

    static Tensor cast(Tensor x, DType to) { return to == x.lb.dtype ? x : op("cast", () -> Autograd.derived(x.lb.cast(to), Grad.cast(), x)); }
}
