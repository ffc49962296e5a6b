// Turns an upcast kernel's per-lane statements into plain scalar statements, one copy per lane.
package dev.jtiny.runtime.codegen;

import dev.jtiny.runtime.view.Expr;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

public final class Lanes {
    /** The index variable that numbers a work item's lanes. */
    public static final String LANE = "lane";

    private Lanes() {}

    /** Scalar statements for a kernel with {@code lanes} lanes: a vector value v becomes v_0 … v_{lanes-1}. */
    public static List<UOp> expand(List<UOp> uops, int lanes) {
        if (lanes == 1) return uops;
        Set<String> vec = new HashSet<>();
        List<UOp> out = new ArrayList<>();
        for (UOp u : uops) {
            switch (u) {
                case UOp.Load l when l.vec() -> {
                    vec.add(l.out());
                    for (int i = 0; i < lanes; i++) out.add(new UOp.Load(l.out() + "_" + i, l.dtype(), l.arg(),
                            l.index().substitute(LANE, i), l.valid().substitute(LANE, i), false));
                }
                case UOp.Const c when c.vec() -> {
                    vec.add(c.out());
                    for (int i = 0; i < lanes; i++) out.add(new UOp.Const(c.out() + "_" + i, c.dtype(), c.value(), c.valid().substitute(LANE, i), false));
                }
                case UOp.Alu a when a.vec() -> {
                    vec.add(a.out());
                    for (int i = 0; i < lanes; i++) {
                        int lane = i;
                        out.add(new UOp.Alu(a.out() + "_" + i, a.dtype(), a.op(), a.srcType(),
                                a.args().stream().map(x -> name(x, lane, vec)).toList(), false));
                    }
                }
                case UOp.DefineVar d when d.vec() -> {
                    vec.add(d.name());
                    for (int i = 0; i < lanes; i++) out.add(new UOp.DefineVar(d.name() + "_" + i, d.dtype(), d.init(), false));
                }
                case UOp.Assign a when a.vec() -> {
                    for (int i = 0; i < lanes; i++) out.add(new UOp.Assign(a.name() + "_" + i, name(a.value(), i, vec), false));
                }
                case UOp.Accumulate a when a.vec() -> {
                    for (int i = 0; i < lanes; i++) out.add(new UOp.Accumulate(a.acc() + "_" + i, a.dtype(), a.op(), name(a.value(), i, vec), false));
                }
                case UOp.SharedLoad l when l.vec() -> {
                    vec.add(l.out());
                    for (int i = 0; i < lanes; i++) out.add(new UOp.SharedLoad(l.out() + "_" + i, l.dtype(), l.name(),
                            l.index().substitute(LANE, i), false));
                }
                case UOp.Store s when s.vec() -> {
                    for (int i = 0; i < lanes; i++) out.add(new UOp.Store(s.arg(), s.dtype(), s.index().substitute(LANE, i), name(s.value(), i, vec), false));
                }
                case UOp.LaneReduce lr -> {
                    // out = acc_0 op acc_1 op …, pairwise so the chain stays short.
                    List<String> level = new ArrayList<>();
                    for (int i = 0; i < lanes; i++) level.add(lr.acc() + "_" + i);
                    int k = 0;
                    while (level.size() > 1) {
                        List<String> next = new ArrayList<>();
                        for (int i = 0; i + 1 < level.size(); i += 2) {
                            String n = level.size() == 2 ? lr.out() : lr.out() + "_t" + k++;
                            out.add(new UOp.Alu(n, lr.dtype(), lr.op(), lr.dtype(), List.of(level.get(i), level.get(i + 1)), false));
                            next.add(n);
                        }
                        if (level.size() % 2 == 1) next.add(level.getLast());
                        level = next;
                    }
                }
                default -> out.add(u);
            }
        }
        return out;
    }

    private static String name(String n, int lane, Set<String> vec) { return vec.contains(n) ? n + "_" + lane : n; }

    /**
     * index(lane = i) is index(lane = 0) + i for every lane i: checking lane 1 alone would take {@code lane % 2}
     * (a size-2 operand broadcast across the lanes) for a contiguous run, and read past its end.
     */
    public static boolean contiguous(Expr index, int lanes) {
        var i0 = index.substitute(LANE, 0);
        for (int i = 1; i < lanes; i++) {
            if (!index.substitute(LANE, i).equals(Expr.add(i0, i))) return false;
        }
        return true;
    }
}
