// Renders linearized kernels as a Java class the JAVA device compiles in memory and runs over the cores.
package dev.jtiny.runtime.codegen;

import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.Op;
import dev.jtiny.runtime.view.Expr;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

public final class JavaRenderer extends CStyleRenderer {
    private final int vectorLanes;

    /**
     * A renderer for a JVM whose preferred float vector has {@code vectorLanes} lanes (0: no Vector API): a kernel
     * upcast to exactly that many lanes is written with {@code FloatVector}, any other with scalars.
     */
    public JavaRenderer(int vectorLanes) { this.vectorLanes = vectorLanes; }

    /**
     * Whether a kernel with these lanes is written with FloatVectors of {@code vectorLanes} (else with scalars). A
     * kernel that copies runs of its lanes ({@link #copiesRuns}) is written with {@code System.arraycopy} instead.
     */
    public static boolean vectorizes(LinearKernel k, int vectorLanes) {
        return k.lanes() > 1 && !copiesRuns(k) && JavaVectorRenderer.supports(k, vectorLanes);
    }

    /**
     * A kernel that only copies (a matmul's panel copy, a slice of a contiguous run): every store writes an unmasked
     * load of the same type, and both are contiguous across the lanes. Written as one {@code System.arraycopy} per
     * run: HotSpot runs a fresh class interpreted before compiling it, and interpreted Vector API code allocates per
     * operation, while {@code arraycopy} is native even then (the 1024 matmul's panel copy took 18-45 ms on its
     * first call as vectors) and an intrinsic once compiled.
     */
    static boolean copiesRuns(LinearKernel k) {
        if (k.lanes() < 2) return false;
        Map<String, UOp.Load> loads = new HashMap<>();
        boolean stores = false;
        for (UOp u : k.uops()) {
            switch (u) {
                case UOp.Load l -> {
                    if (!l.vec() || !l.valid().equals(Expr.TRUE) || !Lanes.contiguous(l.index(), k.lanes())) return false;
                    loads.put(l.out(), l);
                }
                case UOp.Store st -> {
                    UOp.Load l = loads.get(st.value());
                    if (!st.vec() || l == null || l.dtype() != st.dtype() || !Lanes.contiguous(st.index(), k.lanes())) return false;
                    stores = true;
                }
                case UOp.Loop l -> { }
                case UOp.End e -> { }
                default -> { return false; }
            }
        }
        return stores;
    }

    /** {@link #copiesRuns}' statements: loads need none, a store copies its load's run. */
    private static List<String> copyStatements(LinearKernel k) {
        Map<String, UOp.Load> loads = new HashMap<>();
        List<String> lines = new ArrayList<>();
        for (UOp u : k.uops()) {
            lines.add(switch (u) {
                case UOp.Load l -> {
                    loads.put(l.out(), l);
                    yield "";
                }
                case UOp.Store st -> {
                    UOp.Load l = loads.get(st.value());
                    yield "System.arraycopy(data" + l.arg() + ", " + l.index().substitute(Lanes.LANE, 0).render() + ", data" + st.arg()
                            + ", " + st.index().substitute(Lanes.LANE, 0).render() + ", " + k.lanes() + ");";
                }
                case UOp.Loop l -> "for (int " + l.var() + " = 0; " + l.var() + " < " + l.extent() + "; " + l.var() + "++) {";
                default -> "}";
            });
        }
        return lines;
    }

    /**
     * Whether a register tile of {@code rows} x {@code vecs} vectors keeps its accumulators, a row of B's vectors
     * and a broadcast of A in the vector registers of a CPU whose vectors hold {@code lanes} floats, with one to
     * spare: 16 registers with 8 lanes (x86 AVX2's ymm), 32 otherwise (AVX-512's zmm with 16 lanes, ARM's NEON and
     * SVE with 4). A tile that takes every register spills in HotSpot's code: 4 x 3 vectors on AVX2 ran the shared
     * micro-kernel at 24 GFLOPS on one core, 4 x 2 at 76-83 and 6 x 2 at 89-92.
     */
    public static boolean tileFitsRegisters(int rows, int vecs, int lanes) {
        return rows * vecs + vecs + 1 < (lanes == 8 ? 16 : 32);
    }

    /** Kernels implement dev.jtiny.runtime.device.JavaKernel; work items [start, end) run per call. */
    @Override public String render(LinearKernel k, String symbol) {
        boolean vector = vectorizes(k, vectorLanes);
        StringBuilder b = new StringBuilder();
        if (vector) b.append("import jdk.incubator.vector.*;\n\n");
        b.append("public final class ").append(symbol).append(" implements dev.jtiny.runtime.device.JavaKernel {\n");
        if (vector) b.append("  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;\n\n");
        b.append("  public void run(Object[] args, int start, int end) {\n");
        List<DType> args = k.argTypes();
        for (int i = 0; i < args.size(); i++) {
            String arr = arrayType(args.get(i));
            b.append("    final ").append(arr).append(" data").append(i).append(" = (").append(arr).append(") args[").append(i).append("];\n");
        }
        JavaVectorRenderer.TileCall tile = vector ? JavaVectorRenderer.tileCall(k, vectorLanes) : null;
        if (tile != null && !tile.direct()) b.append("    ").append(tile.scratch(k.lanes())).append('\n');
        b.append("    for (int gidx = start; gidx < end; gidx++) {\n");
        int depth = 3;
        boolean copy = !vector && copiesRuns(k);
        List<UOp> uops = vector || copy ? k.uops() : k.scalarUops();
        List<String> lines = vector ? JavaVectorRenderer.statements(k, vectorLanes, tile, this::statement)
                : copy ? copyStatements(k) : uops.stream().map(this::statement).toList();
        for (int i = 0; i < uops.size(); i++) {
            UOp u = uops.get(i);
            if (u instanceof UOp.End) depth--;
            if (!lines.get(i).isEmpty()) b.append("  ".repeat(depth)).append(lines.get(i)).append('\n');
            if (u instanceof UOp.Loop || u instanceof UOp.If) depth++;
        }
        b.append("    }\n  }\n\n  public long cost() { return ").append(iterations(uops)).append("L; }\n}\n");
        return b.toString();
    }

    /** Java classes need unique names: the kernel's name with a hash of its source, so the name ties to the code. */
    @Override public Named named(LinearKernel k) {
        String source = render(k, k.name());
        byte[] h;
        try {
            h = MessageDigest.getInstance("SHA-256").digest(source.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        String symbol = k.name() + "_" + HexFormat.of().formatHex(h, 0, 6);
        // The name appears once, in the class declaration: renamed there rather than rendered again (a fresh
        // process renders its first kernels interpreted, a few milliseconds each).
        String declared = "public final class " + k.name() + " ";
        int at = source.indexOf(declared);
        return new Named(symbol, source.substring(0, at) + "public final class " + symbol + " " + source.substring(at + declared.length()));
    }

    /** Statements executed per work item, counting loop bodies once per iteration. */
    private static long iterations(List<UOp> uops) {
        long total = 0, scale = 1;
        java.util.ArrayDeque<Long> scales = new java.util.ArrayDeque<>();
        for (UOp u : uops) {
            switch (u) {
                case UOp.Loop l -> { scales.push(scale); scale *= l.extent(); }
                case UOp.If i -> scales.push(scale);
                case UOp.End e -> scale = scales.pop();
                default -> total += scale;
            }
        }
        return Math.max(total, 1);
    }

    private static String arrayType(DType t) {
        return switch (t) {
            case FLOAT32 -> "float[]";
            case FLOAT64 -> "double[]";
            case FLOAT16, BFLOAT16 -> "short[]";
            case INT32 -> "int[]";
            case INT64 -> "long[]";
            case INT8, UINT8, BOOL -> "byte[]";
        };
    }

    /** The Java type of a local holding a {@code t}: its compute type, with int8 and uint8 held in an int. */
    private static String type(DType t) {
        return switch (t.computeType()) {
            case FLOAT32 -> "float";
            case FLOAT64 -> "double";
            case INT32, INT8, UINT8 -> "int";
            case INT64 -> "long";
            case BOOL -> "boolean";
            default -> throw new IllegalStateException("no compute type for " + t);
        };
    }

    /** {@code v} as a literal of {@code t}'s compute type; infinities in integer types clamp to the type's range. */
    static String literal(double v, DType t) {
        return switch (t.computeType()) {
            case FLOAT32 -> Double.isNaN(v) ? "Float.NaN" : Double.isInfinite(v) ? (v > 0 ? "Float.POSITIVE_INFINITY" : "Float.NEGATIVE_INFINITY") : Float.toString((float) v) + "f";
            case FLOAT64 -> Double.isNaN(v) ? "Double.NaN" : Double.isInfinite(v) ? (v > 0 ? "Double.POSITIVE_INFINITY" : "Double.NEGATIVE_INFINITY") : Double.toString(v);
            case INT32, INT8, UINT8 -> Integer.toString((int) Math.max(t.min(), Math.min(t.max(), v)));
            case INT64 -> (long) v + "L";
            case BOOL -> v != 0 ? "true" : "false";
            default -> throw new IllegalStateException("no compute type for " + t);
        };
    }

    private static final String HALF = "dev.jtiny.runtime.HalfPrecision.";

    @Override String localType(DType t) { return type(t); }

    @Override String literalOf(double v, DType t) { return literal(v, t); }

    @Override String aluOf(Op op, DType out, DType in, List<String> args) { return alu(op, out, in, args); }

    @Override String read(UOp.Load l) {
        String at = "data" + l.arg() + "[" + l.index().render() + "]";
        return switch (l.dtype()) {
            case BOOL -> "(" + at + " != 0)";
            case UINT8 -> "(" + at + " & 0xFF)";
            case FLOAT16 -> "Float.float16ToFloat(" + at + ")";
            case BFLOAT16 -> "Float.intBitsToFloat(" + at + " << 16)";
            default -> at;
        };
    }

    @Override String store(UOp.Store s) {
        return "data" + s.arg() + "[" + s.index().render() + "] = " + switch (s.dtype()) {
            case BOOL -> "(byte) (" + s.value() + " ? 1 : 0)";
            case INT8, UINT8 -> "(byte) " + s.value();
            case FLOAT16 -> "Float.floatToFloat16(" + s.value() + ")";
            case BFLOAT16 -> HALF + "bf16(" + s.value() + ")";
            default -> s.value();
        } + ";";
    }

    /** {@code op} over operands of dtype {@code in} (held in its compute type), giving a {@code out}. */
    static String alu(Op op, DType out, DType in, List<String> a) {
        String x = a.getFirst(), y = a.size() > 1 ? a.get(1) : null;
        boolean f = in.isFloat(), bool = in == DType.BOOL, f64 = in == DType.FLOAT64;
        return switch (op) {
            case NEG -> bool ? "(!" + x + ")" : wrap(out, "-" + x);
            case EXP2 -> f64 ? "Math.pow(2.0, " + x + ")" : "(float) Math.exp(" + x + " * 0.6931471805599453)";
            case LOG2 -> f64 ? "(Math.log(" + x + ") * 1.4426950408889634)" : "(float) (Math.log(" + x + ") * 1.4426950408889634)";
            case SIN -> f64 ? "Math.sin(" + x + ")" : "(float) Math.sin(" + x + ")";
            case SQRT -> f64 ? "Math.sqrt(" + x + ")" : "(float) Math.sqrt(" + x + ")";
            case RECIP -> f64 ? "(1.0 / " + x + ")" : "(1.0f / " + x + ")";
            case TRUNC -> (f64 ? "(" : "(float) (") + "(double) " + x + " < 0 ? Math.ceil(" + x + ") : Math.floor(" + x + "))";
            case CAST -> cast(x, in, out);
            case ADD -> bool ? "(" + x + " | " + y + ")" : wrap(out, x + " + " + y);
            case MUL -> bool ? "(" + x + " & " + y + ")" : wrap(out, x + " * " + y);
            // Math.max is branch-free (an intrinsic); the comparison it replaced mispredicted on data of either sign,
            // which made a ReLU or a max pool 4-12x slower. It returns NaN for a NaN operand, as the vector path does.
            case MAX -> bool ? "(" + x + " | " + y + ")" : "Math.max(" + x + ", " + y + ")";
            case CMPLT -> bool ? "(!" + x + " & " + y + ")" : "(" + x + " < " + y + ")";
            case CMPEQ -> "(" + x + " == " + y + ")";
            case IDIV -> wrap(out, x + " / " + y);
            case MOD -> "(" + x + " % " + y + ")";
            case AND -> "(" + x + " & " + y + ")";
            case OR -> "(" + x + " | " + y + ")";
            case XOR -> "(" + x + " ^ " + y + ")";
            case WHERE -> "(" + x + " ? " + y + " : " + a.get(2) + ")";
            default -> throw new IllegalArgumentException("not an ALU op: " + op);
        };
    }

    /** An integer result narrowed to {@code t}'s width, as C's conversion to char or uchar does. */
    private static String wrap(DType t, String e) {
        return switch (t) {
            case INT8 -> "(byte) (" + e + ")";
            case UINT8 -> "((" + e + ") & 0xFF)";
            default -> "(" + e + ")";
        };
    }

    /**
     * A value held in {@code from}'s compute type converted to {@code to}: casts to float16/bfloat16 round (a double
     * through float rounded to odd, so only once); float to integer truncates toward zero.
     */
    private static String cast(String x, DType from, DType to) {
        if (to == DType.BOOL) return "(" + x + " != 0)";
        // Through an int: HotSpot selects ints without a branch, floats with one, which mispredicts on data (a max
        // pool's backward, a ReLU's mask: 3x slower).
        if (from == DType.BOOL) {
            String i = "(" + x + " ? 1 : 0)";
            return switch (to.computeType()) {
                case FLOAT32 -> "((float) " + i + ")";
                case FLOAT64 -> "((double) " + i + ")";
                default -> "(" + x + " ? " + literal(1, to) + " : " + literal(0, to) + ")";
            };
        }
        DType fc = from.computeType();
        String real = fc == DType.FLOAT64 || fc == DType.FLOAT32 ? x : "(float) " + x;
        return switch (to) {
            case FLOAT16 -> HALF + "roundF16(" + real + ")";
            case BFLOAT16 -> HALF + "roundBf16(" + real + ")";
            case UINT8 -> fc.isFloat() ? "((int) " + x + " & 0xFF)" : fc == DType.INT64 ? "((int) (" + x + " & 0xFF))" : "(" + x + " & 0xFF)";
            case INT8 -> "((byte) " + x + ")";
            default -> fc == to.computeType() ? x : "((" + type(to) + ") " + x + ")";
        };
    }
}
