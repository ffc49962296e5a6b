// Renders linearized kernels as OpenCL C: one work item per output element.
package dev.jtiny.runtime.codegen;

import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.Op;
import dev.jtiny.runtime.view.Expr;

import java.util.List;
import java.util.Map;

/**
 * Locals have their dtype's compute type: float16 and bfloat16 are computed in float. float16 buffers are
 * {@code half*}, read and written with {@code vload_half}/{@code vstore_half_rte} (core OpenCL 1.2, no cl_khr_fp16
 * needed); bfloat16 buffers are {@code ushort*}, converted with bit operations. A kernel that uses float64 enables
 * cl_khr_fp64 (the device checks that it has it).
 */
public final class OpenCLRenderer extends CStyleRenderer {
    /** The pragma a kernel using double starts with; the device looks for it to check for cl_khr_fp64. */
    public static final String FP64_PRAGMA = "#pragma OPENCL EXTENSION cl_khr_fp64 : enable";

    /** Helper functions, prepended to a kernel that calls them (in this order: later ones may call earlier ones). */
    private static final Map<String, String> HELPERS = new java.util.LinkedHashMap<>();
    static {
        HELPERS.put("jt_bf16", "ushort jt_bf16(float x) { uint b = as_uint(x); "
                + "return isnan(x) ? (ushort)((b >> 16) | 0x40u) : (ushort)((b + 0x7fffu + ((b >> 16) & 1u)) >> 16); }");
        HELPERS.put("jt_round_bf16", "float jt_round_bf16(float x) { return as_float((uint)jt_bf16(x) << 16); }");
        HELPERS.put("jt_round_f16", "float jt_round_f16(float x) { ushort h; vstore_half_rte(x, 0, (__private half*)&h); "
                + "return vload_half(0, (__private const half*)&h); }");
        // Round to odd: truncate, then set the last bit if inexact; rounding that again to 16 bits rounds only once.
        HELPERS.put("jt_odd", "float jt_odd(double d) { float t = convert_float_rtz(d); "
                + "return ((double)t == d || isnan(d)) ? t : as_float(as_uint(t) | 1u); }");
    }

    @Override public String render(LinearKernel k, String symbol) {
        StringBuilder body = new StringBuilder();
        body.append("__kernel void ").append(symbol).append('(');
        List<DType> args = k.argTypes();
        for (int i = 0; i < args.size(); i++) {
            if (i > 0) body.append(", ");
            body.append("__global ").append(i == 0 ? "" : "const ").append(args.get(i).clType).append("* restrict data").append(i);
        }
        body.append(") {\n");
        List<UOp> uops = k.scalarUops();
        if (k.group() > 0) {
            // One work-group per output element; its items share the reduction through local memory.
            for (UOp u : uops) {
                if (u instanceof UOp.GroupReduce g) {
                    body.append("  __local ").append(type(g.dtype())).append(' ').append(g.out()).append("_red[")
                            .append(g.group()).append("];\n");
                }
            }
            body.append("  int gidx = get_group_id(0);\n");
            body.append("  int ").append(Linearizer.LID).append(" = get_local_id(0);\n");
        } else {
            body.append("  int gidx = get_global_id(0);\n");
        }
        for (UOp u : uops) {
            if (u instanceof UOp.Shared sh) {
                body.append("  __local ").append(type(sh.dtype())).append(' ').append(sh.name()).append('[').append(sh.size())
                        .append("] __attribute__((aligned(16)));\n"); // 16: read as float4
            }
        }
        body.append("  if (gidx >= ").append(k.global()).append(") return;\n");
        int depth = 1;
        Map<UOp, String> wide = wideAccesses(uops);
        for (UOp u : uops) {
            if (u instanceof UOp.End) depth--;
            String line = wide.getOrDefault(u, statement(u));
            if (!line.isEmpty()) body.append("  ".repeat(depth)).append(line).append('\n');
            if (u instanceof UOp.Loop || u instanceof UOp.If) depth++;
        }
        body.append("}\n");
        StringBuilder b = new StringBuilder();
        if (usesDouble(args, uops)) b.append(FP64_PRAGMA).append('\n');
        String text = body.toString();
        for (var h : HELPERS.entrySet()) {
            if (text.contains(h.getKey() + "(") || (h.getKey().equals("jt_bf16") && text.contains("jt_round_bf16("))) {
                b.append(h.getValue()).append('\n');
            }
        }
        return b.append(text).toString();
    }

    /**
     * 16-byte accesses where four float loads (or stores) of one block read (or write) four consecutive elements
     * starting at a multiple of 4: one {@code float4} access instead of four (buffers are allocated aligned, and a
     * view's offset is part of the index, so the multiple of 4 makes the address 16-byte aligned). A load repeated
     * in its block (lanes of a register tile share rows and columns), guarded or not, reads the first copy: a
     * convolution tiled over output channels would otherwise repeat each padded input read once per channel.
     * Returns the replacement line for each changed statement ("" drops it).
     */
    static Map<UOp, String> wideAccesses(List<UOp> uops) {
        Map<UOp, String> out = new java.util.IdentityHashMap<>();
        int start = 0, wideVars = 0;
        for (int i = 0; i <= uops.size(); i++) {
            if (i < uops.size() && !(uops.get(i) instanceof UOp.Loop || uops.get(i) instanceof UOp.If || uops.get(i) instanceof UOp.End)) continue;
            List<UOp> block = uops.subList(start, i);
            start = i + 1;
            // Reads from global memory (data1, ...) or work-group memory, by Read.key() -> the first of them in the block.
            Map<String, Read> loads = new java.util.HashMap<>();
            for (UOp u : block) {
                Read r = switch (u) {
                    case UOp.Load l -> new Read(u, "data" + l.arg(), "__global", l.index(), l.valid(), l.out(), l.dtype());
                    case UOp.SharedLoad l -> new Read(u, l.name(), "__local", l.index(), Expr.TRUE, l.out(), l.dtype());
                    default -> null;
                };
                if (r == null) continue;
                Read first = loads.putIfAbsent(r.key(), r);
                if (first != null) out.put(u, type(r.dtype()) + " " + r.out() + " = " + first.out() + ";");
            }
            for (Read l : loads.values()) {
                if (!l.valid().equals(Expr.TRUE) || l.dtype() != DType.FLOAT32 || out.containsKey(l.uop()) || !aligned4(l.index())) continue;
                Read[] four = {l, loads.get(l.space() + ":" + Expr.add(l.index(), 1)), loads.get(l.space() + ":" + Expr.add(l.index(), 2)),
                        loads.get(l.space() + ":" + Expr.add(l.index(), 3))};
                if (four[1] == null || four[2] == null || four[3] == null || block.indexOf(l.uop()) > block.indexOf(four[1].uop())
                        || block.indexOf(l.uop()) > block.indexOf(four[2].uop()) || block.indexOf(l.uop()) > block.indexOf(four[3].uop())) continue;
                String v = "wide" + wideVars++;
                out.put(l.uop(), "float4 " + v + " = *((" + l.memory() + " const float4*)(" + l.space() + " + " + l.index().render() + ")); float "
                        + l.out() + " = " + v + ".s0;");
                for (int j = 1; j < 4; j++) out.put(four[j].uop(), "float " + four[j].out() + " = " + v + ".s" + j + ";");
            }
            for (int j = 0; j + 3 < block.size(); j++) {
                if (!(block.get(j) instanceof UOp.Store s0) || s0.dtype() != DType.FLOAT32 || !aligned4(s0.index())) continue;
                UOp.Store[] four = new UOp.Store[4];
                boolean ok = true;
                for (int q = 0; q < 4 && ok; q++) {
                    ok = block.get(j + q) instanceof UOp.Store sq && sq.arg() == s0.arg() && sq.dtype() == DType.FLOAT32
                            && sq.index().equals(Expr.add(s0.index(), q));
                    if (ok) four[q] = (UOp.Store) block.get(j + q);
                }
                if (!ok) continue;
                out.put(s0, "*((__global float4*)(data" + s0.arg() + " + " + s0.index().render() + ")) = (float4)(" + four[0].value()
                        + ", " + four[1].value() + ", " + four[2].value() + ", " + four[3].value() + ");");
                for (int q = 1; q < 4; q++) out.put(four[q], "");
                j += 3;
            }
        }
        return out;
    }

    /** One read: from {@code space} (a buffer or a work-group array) in {@code memory} (its address space). */
    private record Read(UOp uop, String space, String memory, Expr index, Expr valid, String out, DType dtype) {
        /** "space:index" for an unguarded read (what the float4 search looks up), with ":valid" for a guarded one. */
        String key() { return space + ":" + index + (valid.equals(Expr.TRUE) ? "" : ":" + valid); }
    }

    private static boolean aligned4(Expr index) { return Expr.mod(index, 4).equals(Expr.num(0)); }

    private static boolean usesDouble(List<DType> args, List<UOp> uops) {
        if (args.contains(DType.FLOAT64)) return true;
        for (UOp u : uops) {
            DType t = switch (u) {
                case UOp.Load l -> l.dtype();
                case UOp.Const c -> c.dtype();
                case UOp.Alu a -> a.dtype() == DType.FLOAT64 ? a.dtype() : a.srcType();
                case UOp.DefineVar d -> d.dtype();
                case UOp.Accumulate a -> a.dtype();
                case UOp.LaneReduce r -> r.dtype();
                case UOp.GroupReduce g -> g.dtype();
                case UOp.Store s -> s.dtype();
                default -> null;
            };
            if (t == DType.FLOAT64) return true;
        }
        return false;
    }

    /** The OpenCL C type of a local holding a {@code t}: its compute type. */
    private static String type(DType t) {
        DType c = t.computeType();
        return c == DType.BOOL ? "bool" : c.clType;
    }

    static String literal(double v, DType t) {
        return switch (t.computeType()) {
            case FLOAT32 -> Double.isNaN(v) ? "NAN" : Double.isInfinite(v) ? (v > 0 ? "INFINITY" : "-INFINITY") : Float.toString((float) v) + "f";
            case FLOAT64 -> Double.isNaN(v) ? "(double)NAN" : Double.isInfinite(v) ? (v > 0 ? "(double)INFINITY" : "(-(double)INFINITY)") : Double.toString(v);
            case INT32, INT8, UINT8 -> {
                int i = (int) Math.max(t.min(), Math.min(t.max(), v));
                yield i == Integer.MIN_VALUE ? "(-2147483647-1)" : Integer.toString(i);
            }
            case INT64 -> {
                long l = (long) v;
                yield l == Long.MIN_VALUE ? "(-9223372036854775807L-1L)" : l + "L";
            }
            case BOOL -> v != 0 ? "true" : "false";
            default -> throw new IllegalStateException("no compute type for " + t);
        };
    }

    @Override String localType(DType t) { return type(t); }

    @Override String literalOf(double v, DType t) { return literal(v, t); }

    @Override String aluOf(Op op, DType out, DType in, List<String> args) { return alu(op, out, in, args); }

    @Override String sharedStore(UOp.SharedStore s) { return s.name() + "[" + s.index().render() + "] = " + s.value() + ";"; }

    @Override String barrier() { return "barrier(CLK_LOCAL_MEM_FENCE);"; }

    /** Tree reduction in local memory: log2(group) steps, a barrier after each; every item reads the total. */
    @Override String groupReduce(UOp.GroupReduce g) {
        String red = g.out() + "_red", lid = Linearizer.LID;
        String combined = alu(g.op(), g.dtype(), g.dtype(), List.of(red + "[" + lid + "]", red + "[" + lid + " + s]"));
        return red + "[" + lid + "] = " + g.acc() + "; barrier(CLK_LOCAL_MEM_FENCE); "
                + "for (int s = " + g.group() / 2 + "; s > 0; s >>= 1) { if (" + lid + " < s) " + red + "[" + lid + "] = "
                + combined + "; barrier(CLK_LOCAL_MEM_FENCE); } "
                + type(g.dtype()) + " " + g.out() + " = " + red + "[0];";
    }

    @Override String read(UOp.Load l) {
        String index = l.index().render();
        String at = "data" + l.arg() + "[" + index + "]";
        return switch (l.dtype()) {
            case BOOL -> "(" + at + " != 0)";
            case FLOAT16 -> "vload_half(" + index + ", data" + l.arg() + ")";
            case BFLOAT16 -> "as_float((uint)" + at + " << 16)";
            default -> at;
        };
    }

    @Override String store(UOp.Store s) {
        return switch (s.dtype()) {
            case FLOAT16 -> "vstore_half_rte(" + s.value() + ", " + s.index().render() + ", data" + s.arg() + ");";
            case BFLOAT16 -> "data" + s.arg() + "[" + s.index().render() + "] = jt_bf16(" + s.value() + ");";
            case BOOL -> "data" + s.arg() + "[" + s.index().render() + "] = (uchar)(" + s.value() + ");";
            default -> "data" + s.arg() + "[" + s.index().render() + "] = " + s.value() + ";";
        };
    }

    /** {@code op} over operands of dtype {@code in} (held in its compute type), giving a {@code out}. */
    static String alu(Op op, DType out, DType in, List<String> a) {
        String x = a.getFirst(), y = a.size() > 1 ? a.get(1) : null;
        boolean f = in.isFloat(), bool = in == DType.BOOL;
        return switch (op) {
            case NEG -> bool ? "(!" + x + ")" : "(-" + x + ")";
            case EXP2 -> "exp2(" + x + ")";
            case LOG2 -> "log2(" + x + ")";
            case SIN -> "sin(" + x + ")";
            case SQRT -> "sqrt(" + x + ")";
            case RECIP -> in == DType.FLOAT64 ? "(1.0/" + x + ")" : "(1.0f/" + x + ")";
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

    /**
     * A value held in {@code from}'s compute type converted to {@code to}: casts to float16/bfloat16 round (a double
     * through float rounded to odd, so only once); float to integer truncates toward zero, and to int8/uint8 then
     * keeps the low byte. Results narrower than int wrap when assigned to their char/uchar local.
     */
    private static String cast(String x, DType from, DType to) {
        if (to == DType.BOOL) return "(" + x + "!=0)";
        if (from == DType.BOOL) return "(" + x + "?" + literal(1, to) + ":" + literal(0, to) + ")";
        DType fc = from.computeType();
        String asFloat = fc == DType.FLOAT64 ? "jt_odd(" + x + ")" : fc == DType.FLOAT32 ? x : "(float)" + x;
        return switch (to) {
            case FLOAT16 -> "jt_round_f16(" + asFloat + ")";
            case BFLOAT16 -> "jt_round_bf16(" + asFloat + ")";
            case INT8, UINT8 -> fc.isFloat() ? "((" + to.clType + ")(int)" + x + ")" : "((" + to.clType + ")" + x + ")";
            default -> fc == to.computeType() ? x : "((" + type(to) + ")" + x + ")";
        };
    }
}
