// What the C-like renderers share: statements have one shape in Java and OpenCL C, only types, literals,
// operators, loads and stores are spelled differently.
package dev.jtiny.runtime.codegen;

import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.Op;
import dev.jtiny.runtime.view.Expr;

import java.util.List;

abstract class CStyleRenderer implements Renderer {
    /** The type of a local holding a value of {@code t} (its compute type). */
    abstract String localType(DType t);

    abstract String literalOf(double v, DType t);

    abstract String aluOf(Op op, DType out, DType in, List<String> args);

    /** The expression that reads one element for a load (validity is handled here). */
    abstract String read(UOp.Load l);

    /** The whole statement that stores one element. */
    abstract String store(UOp.Store s);

    final String statement(UOp u) {
        return switch (u) {
            case UOp.Load l -> localType(l.dtype()) + " " + l.out() + " = "
                    + guarded(l.valid(), read(l), literalOf(0, l.dtype())) + ";";
            case UOp.Const c -> localType(c.dtype()) + " " + c.out() + " = "
                    + guarded(c.valid(), literalOf(c.value(), c.dtype()), literalOf(0, c.dtype())) + ";";
            case UOp.Alu a -> localType(a.dtype()) + " " + a.out() + " = " + aluOf(a.op(), a.dtype(), a.srcType(), a.args()) + ";";
            case UOp.DefineVar d -> localType(d.dtype()) + " " + d.name() + " = " + literalOf(d.init(), d.dtype()) + ";";
            case UOp.Assign a -> a.name() + " = " + a.value() + ";";
            case UOp.Accumulate a -> a.acc() + " = " + aluOf(a.op(), a.dtype(), a.dtype(), List.of(a.acc(), a.value())) + ";";
            case UOp.Loop l -> "for (int " + l.var() + " = 0; " + l.var() + " < " + l.extent() + "; " + l.var() + "++) {";
            case UOp.If i -> "if " + i.cond().render() + " {";
            case UOp.End e -> "}";
            case UOp.LaneReduce lr -> throw new IllegalStateException("lanes must be expanded before rendering scalars");
            case UOp.GroupReduce g -> groupReduce(g);
            case UOp.Store s -> store(s);
            case UOp.Shared sh -> ""; // declared with the kernel's other work-group memory
            case UOp.SharedStore st -> sharedStore(st);
            case UOp.SharedLoad l -> localType(l.dtype()) + " " + l.out() + " = " + l.name() + "[" + l.index().render() + "];";
            case UOp.Barrier b -> barrier();
        };
    }

    /** A store into work-group memory; only renderers of staged kernels have it. */
    String sharedStore(UOp.SharedStore s) {
        throw new IllegalStateException(getClass().getSimpleName() + " has no work-group memory");
    }

    /** A work-group barrier; only renderers of staged kernels have it. */
    String barrier() {
        throw new IllegalStateException(getClass().getSimpleName() + " has no work-group barriers");
    }

    /** The statements of a reduction across a work-group; only renderers of grouped kernels have them. */
    String groupReduce(UOp.GroupReduce g) {
        throw new IllegalStateException(getClass().getSimpleName() + " cannot render a grouped reduction");
    }

    /** {@code value} where {@code valid} holds, else {@code zero}; unguarded when always valid. */
    private static String guarded(Expr valid, String value, String zero) {
        return valid.equals(Expr.TRUE) ? value : "(" + valid.render() + ") ? " + value + " : " + zero;
    }
}
