// Renders an upcast kernel's lanes as Vector API code (FloatVector), where every lane value is a float.
package dev.jtiny.runtime.codegen;

import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.Op;
import dev.jtiny.runtime.view.Expr;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Vector values become FloatVectors of the preferred species: contiguous loads and stores are single vector
 * memory operations, lane-independent values are broadcast, and a reduction split across lanes ends with
 * reduceLanes. Kernels this cannot express (int or bool lanes, unsupported ops) are rendered as scalars instead.
 */
final class JavaVectorRenderer {
    private static final Set<Op> OPS = Set.of(Op.ADD, Op.MUL, Op.MAX, Op.NEG, Op.EXP2, Op.LOG2, Op.SIN, Op.SQRT, Op.RECIP);

    private final Set<String> vec = new HashSet<>();

    private JavaVectorRenderer() {}

    /** True when every lane statement of the kernel has a vector form here. */
    static boolean supports(LinearKernel k, int speciesLanes) {
        if (k.lanes() != speciesLanes) return false;
        for (UOp u : k.uops()) {
            boolean ok = switch (u) {
                case UOp.Load l -> !l.vec() || (l.dtype() == DType.FLOAT32 && !l.valid().uses(Lanes.LANE) && Lanes.contiguous(l.index(), k.lanes()));
                case UOp.Const c -> !c.vec();
                case UOp.Alu a -> !a.vec() || (a.dtype() == DType.FLOAT32 && a.srcType() == DType.FLOAT32 && OPS.contains(a.op()));
                case UOp.DefineVar d -> !d.vec() || d.dtype() == DType.FLOAT32;
                case UOp.Accumulate a -> !a.vec() || a.dtype() == DType.FLOAT32;
                case UOp.LaneReduce r -> r.dtype() == DType.FLOAT32;
                case UOp.Store s -> !s.vec() || (s.dtype() == DType.FLOAT32 && Lanes.contiguous(s.index(), k.lanes()));
                default -> true;
            };
            if (!ok) return false;
        }
        return true;
    }

    /** Statements for the body of the work-item loop; scalar statements come from {@code scalar}. */
    static List<String> statements(LinearKernel k, java.util.function.Function<UOp, String> scalar) {
        JavaVectorRenderer r = new JavaVectorRenderer();
        return k.uops().stream().map(u -> r.statement(u, scalar)).toList();
    }

    private String v(String name) { return vec.contains(name) ? name : "FloatVector.broadcast(S, " + name + ")"; }

    private static String at0(Expr index) { return index.substitute(Lanes.LANE, 0).render(); }

    private String statement(UOp u, java.util.function.Function<UOp, String> scalar) {
        return switch (u) {
            case UOp.Load l when l.vec() -> {
                vec.add(l.out());
                String read = "FloatVector.fromArray(S, data" + l.arg() + ", " + at0(l.index()) + ")";
                yield "FloatVector " + l.out() + " = " + (l.valid().equals(Expr.TRUE) ? read : l.valid().render() + " ? " + read + " : FloatVector.zero(S)") + ";";
            }
            case UOp.Alu a when a.vec() -> {
                vec.add(a.out());
                yield "FloatVector " + a.out() + " = " + alu(a.op(), a.args()) + ";";
            }
            case UOp.DefineVar d when d.vec() -> {
                vec.add(d.name());
                yield "FloatVector " + d.name() + " = FloatVector.broadcast(S, " + JavaRenderer.literal(d.init(), d.dtype()) + ");";
            }
            case UOp.Assign a when a.vec() -> a.name() + " = " + v(a.value()) + ";";
            case UOp.Accumulate a when a.vec() -> a.acc() + " = " + alu(a.op(), List.of(a.acc(), a.value())) + ";";
            case UOp.LaneReduce r -> "float " + r.out() + " = " + r.acc() + ".reduceLanes(VectorOperators." + switch (r.op()) {
                case ADD -> "ADD";
                case MUL -> "MUL";
                case MAX -> "MAX";
                default -> throw new IllegalStateException("no lane reduction for " + r.op());
            } + ");";
            case UOp.Store s when s.vec() -> v(s.value()) + ".intoArray(data" + s.arg() + ", " + at0(s.index()) + ");";
            default -> scalar.apply(u);
        };
    }

    private String alu(Op op, List<String> a) {
        String x = v(a.getFirst());
        return switch (op) {
            case ADD -> x + ".add(" + v(a.get(1)) + ")";
            case MUL -> x + ".mul(" + v(a.get(1)) + ")";
            case MAX -> x + ".max(" + v(a.get(1)) + ")";
            case NEG -> x + ".neg()";
            case EXP2 -> x + ".mul(0.6931471805599453f).lanewise(VectorOperators.EXP)";
            case LOG2 -> x + ".lanewise(VectorOperators.LOG).mul(1.4426950408889634f)";
            case SIN -> x + ".lanewise(VectorOperators.SIN)";
            case SQRT -> x + ".sqrt()";
            case RECIP -> "FloatVector.broadcast(S, 1.0f).div(" + x + ")";
            default -> throw new IllegalStateException("no vector form for " + op);
        };
    }
}
