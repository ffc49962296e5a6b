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

    /**
     * Statements for the body of the work-item loop (an empty one where a statement needs no line); scalar
     * statements come from {@code scalar}. A register tile's reduction ({@code tile} not null) is one call.
     */
    static List<String> statements(LinearKernel k, int speciesLanes, TileCall tile, Function<UOp, String> scalar) {
        JavaVectorRenderer r = new JavaVectorRenderer(speciesLanes, k.lanes() / speciesLanes);
        if (r.segments > 1) r.findFused(k.uops());
        List<String> lines = new ArrayList<>();
        List<UOp> uops = k.uops();
        for (int i = 0; i < uops.size(); i++) {
            if (tile != null && i >= tile.first() && i <= tile.last()) {
                lines.add(i == tile.first() ? r.call(tile) : "");
            } else if (tile != null && tile.direct() && uops.get(i) == tile.store()) {
                lines.add("// stored by the tile call above");
            } else {
                lines.add(r.statement(uops.get(i), scalar));
            }
        }
        return lines;
    }

    /**
     * A register tile's reduction as the shared micro-kernel computes it ({@code dev.jtiny.runtime.device.java.Gemm}):
     * statements {@code first..last} are the accumulator, its loop over {@code k} and the fused multiply-add of A's
     * broadcast element and B's vector; A's element for the tile's row r at step p is {@code a0 + r*aRow + p},
     * B's vector v at {@code b0 + v*bVec + p*bK}. With {@code direct} the sums are the kernel's output, stored at
     * {@code c0 + r*cRow + v*cVec} by the call; otherwise the call writes them into a scratch tile the epilogue reads.
     */
    record TileCall(int first, int last, String acc, int rows, int vecs, long k, int aArg, Expr a0, long aRow,
                    int bArg, Expr b0, long bVec, long bK, boolean direct, UOp.Store store, Expr c0, long cRow, long cVec) {
        /** The scratch tile's declaration, once per call of the kernel, where an epilogue reads the sums. */
        String scratch(int lanes) { return "final float[] " + SCRATCH + " = new float[" + lanes + "];"; }
    }

    private static final String SCRATCH = "tile";

    /** The register tile's reduction of {@code k} in the micro-kernel's form, or null where it has another form. */
    static TileCall tileCall(LinearKernel k, int width) {
        List<UOp> u = k.uops();
        int n = k.lanes() / width;
        if (n < 2) return null;
        for (int i = 0; i + 6 < u.size(); i++) {
            if (!(u.get(i) instanceof UOp.DefineVar d && d.vec() && d.init() == 0
                    && u.get(i + 1) instanceof UOp.Loop loop && u.get(i + 2) instanceof UOp.Load l1 && u.get(i + 3) instanceof UOp.Load l2
                    && u.get(i + 4) instanceof UOp.Alu m && m.vec() && m.op() == Op.MUL
                    && u.get(i + 5) instanceof UOp.Accumulate acc && acc.vec() && acc.op() == Op.ADD && acc.acc().equals(d.name())
                    && acc.value().equals(m.out()) && u.get(i + 6) instanceof UOp.End)) continue;
            if (!l1.vec() || !l2.vec() || !l1.valid().equals(Expr.TRUE) || !l2.valid().equals(Expr.TRUE)
                    || !m.args().contains(l1.out()) || !m.args().contains(l2.out())) return null;
            boolean firstIsA = uniform(l1.index(), 0, width) && !uniform(l2.index(), 0, width);
            UOp.Load a = firstIsA ? l1 : l2, b = firstIsA ? l2 : l1;
            if (!allSegments(b.index(), width, n, false)) return null;
            String p = loop.var();
            Expr[] as = new Expr[n], bs = new Expr[n];
            for (int s = 0; s < n; s++) {
                if (!uniform(a.index(), s, width)) return null;
                as[s] = a.index().substitute(Lanes.LANE, s * width);
                bs[s] = b.index().substitute(Lanes.LANE, s * width);
            }
            // The rows of the tile are where A's element changes; its vectors of columns run within a row.
            int vecs = 1;
            while (vecs < n && as[vecs].equals(as[0])) vecs++;
            if (n % vecs != 0) return null;
            int rows = n / vecs;
            Long aRow = rows > 1 ? step(as[vecs], as[0], p) : Long.valueOf(0), bVec = vecs > 1 ? step(bs[1], bs[0], p) : Long.valueOf(0);
            Long aK = step(as[0].substitute(p, 1), as[0].substitute(p, 0), p), bK = step(bs[0].substitute(p, 1), bs[0].substitute(p, 0), p);
            // The micro-kernel reads A's rows along k as contiguous (a constant stride keeps its loads unchecked).
            if (aRow == null || bVec == null || aK == null || bK == null || aK != 1) return null;
            // Every segment a constant away from the first, so the first's step in k is every segment's.
            for (int s = 0; s < n; s++) {
                if (!as[s].equals(Expr.add(as[0], (s / vecs) * aRow)) || !bs[s].equals(Expr.add(bs[0], (s % vecs) * bVec))) return null;
            }
            // Stored as it is summed: the call writes the output, if every segment lands where the tile's shape says.
            UOp.Store store = null;
            for (UOp x : u.subList(i + 7, u.size())) {
                if (x instanceof UOp.Store st) {
                    if (store != null) return null;
                    store = st;
                }
            }
            Expr c0 = null;
            long cRow = 0, cVec = 0;
            boolean direct = store != null && store.vec() && store.value().equals(d.name()) && store.dtype() == DType.FLOAT32;
            if (direct) {
                Expr[] cs = new Expr[n];
                for (int s = 0; s < n; s++) cs[s] = store.index().substitute(Lanes.LANE, s * width);
                Long r = rows > 1 ? step(cs[vecs], cs[0], p) : Long.valueOf(0), v = vecs > 1 ? step(cs[1], cs[0], p) : Long.valueOf(0);
                direct = r != null && v != null && allSegments(store.index(), width, n, false);
                for (int s = 0; direct && s < n; s++) direct = cs[s].equals(Expr.add(cs[0], (s / vecs) * r + (s % vecs) * v));
                if (direct) {
                    c0 = cs[0];
                    cRow = r;
                    cVec = v;
                }
            }
            return new TileCall(i, i + 6, d.name(), rows, vecs, loop.extent(), a.arg(), as[0].substitute(p, 0), aRow,
                    b.arg(), bs[0].substitute(p, 0), bVec, bK, direct, store, c0, cRow, cVec);
        }
        return null;
    }

    /** {@code d} where {@code e1 == e0 + d} for a constant d, else null; {@code loop} is the reduction's variable. */
    private static Long step(Expr e1, Expr e0, String loop) {
        Long v1 = atZero(e1, loop), v0 = atZero(e0, loop);
        if (v1 == null || v0 == null) return null;
        return e1.equals(Expr.add(e0, v1 - v0)) ? v1 - v0 : null;
    }

    /** The value of an index with the work item, the lane and {@code loop} at 0, or null if it is not a number then. */
    private static Long atZero(Expr e, String loop) {
        for (String v : List.of("gidx", Lanes.LANE, loop)) e = e.substitute(v, 0);
        return e instanceof Expr.Num num ? num.value() : null;
    }

    /** The micro-kernel call for a tile, and the accumulator's segments read back where an epilogue follows. */
    private String call(TileCall t) {
        String c = t.direct() ? "data" + t.store().arg() + ", " + t.c0().render() + ", " + t.cRow() + ", " + t.cVec()
                : SCRATCH + ", 0, " + (long) t.vecs() * width + ", " + width;
        String line = "dev.jtiny.runtime.device.java.Gemm.tile(" + t.rows() + ", " + t.vecs() + ", " + t.k() + ", data" + t.aArg()
                + ", " + t.a0().render() + ", " + t.aRow() + ", data" + t.bArg() + ", " + t.b0().render() + ", "
                + t.bVec() + ", " + t.bK() + ", " + c + ");";
        if (t.direct()) return line;
        vec.add(t.acc());
        return line + " " + each(s -> "FloatVector " + seg(t.acc(), s) + " = FloatVector.fromArray(S, " + SCRATCH + ", " + s * width + ");");
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
