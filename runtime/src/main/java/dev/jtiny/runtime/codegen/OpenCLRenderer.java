// Renders linearized kernels as OpenCL C: one work item per output element.
package dev.jtiny.runtime.codegen;

import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.Op;

import java.util.List;

public final class OpenCLRenderer implements Renderer {

    @Override public String render(LinearKernel k, String symbol) {
        StringBuilder b = new StringBuilder();
        b.append("__kernel void ").append(symbol).append('(');
        List<DType> args = k.argTypes();
        for (int i = 0; i < args.size(); i++) {
            if (i > 0) b.append(", ");
            b.append("__global ").append(i == 0 ? "" : "const ").append(args.get(i).clType).append("* restrict data").append(i);
        }
        b.append(") {\n");
        b.append("  int gidx = get_global_id(0);\n");
        b.append("  if (gidx >= ").append(k.global()).append(") return;\n");
        int depth = 1;
        for (UOp u : k.scalarUops()) {
            if (u instanceof UOp.End) depth--;
            b.append("  ".repeat(depth)).append(statement(u)).append('\n');
            if (u instanceof UOp.Loop || u instanceof UOp.If) depth++;
        }
        return b.append("}\n").toString();
    }

    private static String type(DType t) { return t == DType.BOOL ? "bool" : t.clType; }

    static String literal(double v, DType t) {
        return switch (t) {
            case FLOAT32 -> Double.isNaN(v) ? "NAN" : Double.isInfinite(v) ? (v > 0 ? "INFINITY" : "-INFINITY") : Float.toString((float) v) + "f";
            case INT32 -> Integer.toString((int) v);
            case BOOL -> v != 0 ? "true" : "false";
        };
    }

    private String statement(UOp u) {
        return switch (u) {
            case UOp.Load l -> {
                String read = l.dtype() == DType.BOOL ? "(data" + l.arg() + "[" + l.index().render() + "] != 0)"
                        : "data" + l.arg() + "[" + l.index().render() + "]";
                yield type(l.dtype()) + " " + l.out() + " = " + (l.valid().equals(dev.jtiny.runtime.view.Expr.TRUE) ? read
                        : "(" + l.valid().render() + ") ? " + read + " : " + literal(0, l.dtype())) + ";";
            }
            case UOp.Const c -> type(c.dtype()) + " " + c.out() + " = " + (c.valid().equals(dev.jtiny.runtime.view.Expr.TRUE)
                    ? literal(c.value(), c.dtype()) : "(" + c.valid().render() + ") ? " + literal(c.value(), c.dtype()) + " : " + literal(0, c.dtype())) + ";";
            case UOp.Alu a -> type(a.dtype()) + " " + a.out() + " = " + alu(a.op(), a.dtype(), a.srcType(), a.args()) + ";";
            case UOp.DefineVar d -> type(d.dtype()) + " " + d.name() + " = " + literal(d.init(), d.dtype()) + ";";
            case UOp.Assign a -> a.name() + " = " + a.value() + ";";
            case UOp.Accumulate a -> a.acc() + " = " + alu(a.op(), a.dtype(), a.dtype(), List.of(a.acc(), a.value())) + ";";
            case UOp.Loop l -> "for (int " + l.var() + " = 0; " + l.var() + " < " + l.extent() + "; " + l.var() + "++) {";
            case UOp.If i -> "if " + i.cond().render() + " {";
            case UOp.End e -> "}";
            case UOp.LaneReduce lr -> throw new IllegalStateException("lanes must be expanded before rendering scalars");
            case UOp.Store s -> "data" + s.arg() + "[" + s.index().render() + "] = "
                    + (s.dtype() == DType.BOOL ? "(uchar)(" + s.value() + ")" : s.value()) + ";";
        };
    }

    static String alu(Op op, DType out, DType in, List<String> a) {
        String x = a.getFirst(), y = a.size() > 1 ? a.get(1) : null;
        boolean f = in == DType.FLOAT32, bool = in == DType.BOOL;
        return switch (op) {
            case NEG -> bool ? "(!" + x + ")" : "(-" + x + ")";
            case EXP2 -> "exp2(" + x + ")";
            case LOG2 -> "log2(" + x + ")";
            case SIN -> "sin(" + x + ")";
            case SQRT -> "sqrt(" + x + ")";
            case RECIP -> "(1.0f/" + x + ")";
            case TRUNC -> "trunc(" + x + ")";
            case CAST -> cast(x, in, out);
            case ADD -> bool ? "(" + x + "||" + y + ")" : "(" + x + "+" + y + ")";
            case MUL -> bool ? "(" + x + "&&" + y + ")" : "(" + x + "*" + y + ")";
            case MAX -> f ? "fmax(" + x + "," + y + ")" : bool ? "(" + x + "||" + y + ")" : "max(" + x + "," + y + ")";
            case CMPLT -> "(" + x + "<" + y + ")";
            case CMPEQ -> "(" + x + "==" + y + ")";
            case IDIV -> "(" + x + "/" + y + ")";
            case MOD -> "(" + x + "%" + y + ")";
            case AND -> "(" + x + "&" + y + ")";
            case OR -> "(" + x + "|" + y + ")";
            case XOR -> "(" + x + "^" + y + ")";
            case WHERE -> "(" + x + "?" + y + ":" + a.get(2) + ")";
            default -> throw new IllegalArgumentException("not an ALU op: " + op);
        };
    }

    private static String cast(String x, DType from, DType to) {
        if (to == DType.BOOL) return "(" + x + "!=0)";
        if (from == DType.BOOL) return "(" + x + "?" + literal(1, to) + ":" + literal(0, to) + ")";
        return "((" + to.clType + ")" + x + ")";
    }
}
