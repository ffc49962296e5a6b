// Renders an upcast kernel's lanes as Vector API code (FloatVector), where every lane value is a float.
package dev.jtiny.runtime.codegen;

import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.Op;
import dev.jtiny.runtime.view.Expr;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Vector values become FloatVectors of the preferred species: contiguous loads and stores are single vector
 * memory operations, lane-independent values are broadcast, and a reduction split across lanes ends with
 * reduceLanes. A kernel with more lanes than a vector holds (a register tile: rows x columns of outputs per work
 * item) keeps each value in several vectors, one per segment of consecutive lanes; a load that is the same for
 * every lane of a segment (a row's element of A in a matmul) is one broadcast, shared by the segments that read it,
 * and a product accumulated straight away is one fused multiply-add. Kernels this cannot express (int or bool
 * lanes, unsupported ops, gathers) are rendered as scalars instead.
 */
final class JavaVectorRenderer {
    private static final Set<Op> OPS = Set.of(Op.ADD, Op.MUL, Op.MAX, Op.NEG, Op.EXP2, Op.LOG2, Op.SIN, Op.SQRT, Op.RECIP);

    private final Set<String> vec = new HashSet<>();
    private final int width, segments;
    /** Products consumed only by the accumulate that follows them: rendered as that accumulate's fma. */
    private final Map<String, UOp.Alu> fused = new HashMap<>();
    /** A segment's load already made, by its source text: later segments that read the same reuse it. */
    private final Map<String, String> loaded = new HashMap<>();

    private JavaVectorRenderer(int width, int segments) {
        this.width = width;
        this.segments = segments;
    }

    /** True when every lane statement of the kernel has a vector form here, with vectors of {@code speciesLanes}. */
    static boolean supports(LinearKernel k, int speciesLanes) {
        if (speciesLanes <= 0 || k.lanes() % speciesLanes != 0) return false;
        int n = k.lanes() / speciesLanes;
        for (UOp u : k.uops()) {
            boolean ok = switch (u) {
                case UOp.Load l -> !l.vec() || (l.dtype() == DType.FLOAT32 && !l.valid().uses(Lanes.LANE)
                        && allSegments(l.index(), speciesLanes, n, true));
                case UOp.Const c -> !c.vec();
                case UOp.Alu a -> !a.vec() || (a.dtype() == DType.FLOAT32 && a.srcType() == DType.FLOAT32 && OPS.contains(a.op()));
                case UOp.DefineVar d -> !d.vec() || d.dtype() == DType.FLOAT32;
                case UOp.Accumulate a -> !a.vec() || a.dtype() == DType.FLOAT32;
                case UOp.LaneReduce r -> r.dtype() == DType.FLOAT32;
                case UOp.Store s -> !s.vec() || (s.dtype() == DType.FLOAT32 && allSegments(s.index(), speciesLanes, n, false));
                default -> true;
            };
            if (!ok) return false;
        }
        return true;
    }

    /** Every segment of {@code index} is contiguous, or (where {@code broadcastOk}) the same for its lanes. */
    private static boolean allSegments(Expr index, int width, int n, boolean broadcastOk) {
        for (int s = 0; s < n; s++) {
            if (!contiguous(index, s, width) && !(broadcastOk && n > 1 && uniform(index, s, width))) return false;
        }
        return true;
    }

    /** Lanes s*width … s*width+width-1 of {@code index} are consecutive elements. */
    private static boolean contiguous(Expr index, int s, int width) {
        Expr first = index.substitute(Lanes.LANE, s * width);
        for (int i = 1; i < width; i++) {
            if (!index.substitute(Lanes.LANE, s * width + i).equals(Expr.add(first, i))) return false;
        }
        return true;
    }

    /** Lanes s*width … s*width+width-1 of {@code index} are one element. */
    private static boolean uniform(Expr index, int s, int width) {
        Expr first = index.substitute(Lanes.LANE, s * width);
        for (int i = 1; i < width; i++) if (!index.substitute(Lanes.LANE, s * width + i).equals(first)) return false;
        return true;
    }

    /** Statements for the body of the work-item loop; scalar statements come from {@code scalar}. */
    static List<String> statements(LinearKernel k, int speciesLanes, Function<UOp, String> scalar) {
        JavaVectorRenderer r = new JavaVectorRenderer(speciesLanes, k.lanes() / speciesLanes);
        if (r.segments > 1) r.findFused(k.uops());
        return k.uops().stream().map(u -> r.statement(u, scalar)).toList();
    }

    /** Vector products whose only use is the ADD accumulate right after them. */
    private void findFused(List<UOp> uops) {
        Map<String, Integer> uses = new HashMap<>();
        for (UOp u : uops) {
            List<String> read = switch (u) {
                case UOp.Alu a -> a.args();
                case UOp.Assign a -> List.of(a.value());
                case UOp.Accumulate a -> List.of(a.value());
                case UOp.Store s -> List.of(s.value());
                case UOp.LaneReduce r -> List.of(r.acc());
                default -> List.of();
            };
            for (String x : read) uses.merge(x, 1, Integer::sum);
        }
        for (int i = 0; i + 1 < uops.size(); i++) {
            if (uops.get(i) instanceof UOp.Alu m && m.vec() && m.op() == Op.MUL
                    && uops.get(i + 1) instanceof UOp.Accumulate a && a.vec() && a.op() == Op.ADD && a.value().equals(m.out())
                    && uses.get(m.out()) == 1) {
                fused.put(m.out(), m);
            }
        }
    }

    /** The name of segment {@code s} of vector value {@code name} (the name itself when one vector holds all lanes). */
    private String seg(String name, int s) { return segments == 1 ? name : name + "_" + s; }

    private String v(String name, int s) { return vec.contains(name) ? seg(name, s) : "FloatVector.broadcast(S, " + name + ")"; }

    private String each(Function<Integer, String> line) {
        List<String> lines = new ArrayList<>(segments);
        for (int s = 0; s < segments; s++) lines.add(line.apply(s));
        return String.join(" ", lines);
    }

    private String statement(UOp u, Function<UOp, String> scalar) {
        return switch (u) {
            case UOp.Load l when l.vec() -> {
                vec.add(l.out());
                yield each(s -> {
                    Expr at = l.index().substitute(Lanes.LANE, s * width);
                    String read = contiguous(l.index(), s, width)
                            ? "FloatVector.fromArray(S, data" + l.arg() + ", " + at.render() + ")"
                            : "FloatVector.broadcast(S, data" + l.arg() + "[" + at.render() + "])";
                    String value = l.valid().equals(Expr.TRUE) ? read : l.valid().render() + " ? " + read + " : FloatVector.zero(S)";
                    String earlier = segments > 1 ? loaded.putIfAbsent(value, seg(l.out(), s)) : null;
                    return "FloatVector " + seg(l.out(), s) + " = " + (earlier != null ? earlier : value) + ";";
                });
            }
            case UOp.Alu a when a.vec() && fused.containsKey(a.out()) -> "// " + a.out() + ": multiplied in the fma below";
            case UOp.Alu a when a.vec() -> {
                vec.add(a.out());
                yield each(s -> "FloatVector " + seg(a.out(), s) + " = " + alu(a.op(), a.args(), s) + ";");
            }
            case UOp.DefineVar d when d.vec() -> {
                vec.add(d.name());
                yield each(s -> "FloatVector " + seg(d.name(), s) + " = FloatVector.broadcast(S, " + JavaRenderer.literal(d.init(), d.dtype()) + ");");
            }
            case UOp.Assign a when a.vec() -> each(s -> seg(a.name(), s) + " = " + v(a.value(), s) + ";");
            case UOp.Accumulate a when a.vec() && fused.containsKey(a.value()) -> {
                UOp.Alu m = fused.get(a.value());
                yield each(s -> seg(a.acc(), s) + " = " + v(m.args().get(0), s) + ".fma(" + v(m.args().get(1), s) + ", " + seg(a.acc(), s) + ");");
            }
            case UOp.Accumulate a when a.vec() -> each(s -> seg(a.acc(), s) + " = " + alu(a.op(), List.of(a.acc(), a.value()), s) + ";");
            case UOp.LaneReduce r -> {
                String lanewise = switch (r.op()) {
                    case ADD -> "add";
                    case MUL -> "mul";
                    case MAX -> "max";
                    default -> throw new IllegalStateException("no lane reduction for " + r.op());
                };
                String all = seg(r.acc(), 0);
                for (int s = 1; s < segments; s++) all = all + "." + lanewise + "(" + seg(r.acc(), s) + ")";
                yield "float " + r.out() + " = " + all + ".reduceLanes(VectorOperators." + r.op().name() + ");";
            }
            case UOp.Store s when s.vec() -> each(g -> v(s.value(), g) + ".intoArray(data" + s.arg() + ", "
                    + s.index().substitute(Lanes.LANE, g * width).render() + ");");
            default -> {
                // A load made in another loop or guard is out of scope here.
                if (u instanceof UOp.Loop || u instanceof UOp.If || u instanceof UOp.End) loaded.clear();
                yield scalar.apply(u);
            }
        };
    }

    private String alu(Op op, List<String> a, int s) {
        String x = v(a.getFirst(), s);
        return switch (op) {
            case ADD -> x + ".add(" + v(a.get(1), s) + ")";
            case MUL -> x + ".mul(" + v(a.get(1), s) + ")";
            case MAX -> x + ".max(" + v(a.get(1), s) + ")";
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
