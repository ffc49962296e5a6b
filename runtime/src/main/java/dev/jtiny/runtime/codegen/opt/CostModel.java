// Estimates that rank layouts without running them: the tiled-reduction cost, the CPU upcast score, coalescing.
package dev.jtiny.runtime.codegen.opt;

import dev.jtiny.runtime.codegen.Lanes;
import dev.jtiny.runtime.codegen.LinearKernel;
import dev.jtiny.runtime.codegen.Linearizer;
import dev.jtiny.runtime.codegen.UOp;
import dev.jtiny.runtime.view.Expr;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

final class CostModel {
    private CostModel() {}

    /** Work items whose reads the cost model pools: neighbours in a group, which the GPU serves together. */
    static final int NEIGHBOURS = 8;

    /**
     * A rough model of a tiled reduction's time, for ranking: per multiply-accumulate in the innermost loop, the
     * 32-byte sectors that 8 neighbouring work items read together (so coalesced reads, and reads every item shares,
     * are cheap; strided ones are not) divided among them, plus a tenth per load instruction an item issues (four
     * consecutive unguarded elements are one wide load, as the OpenCL renderer emits them); scaled up when the
     * kernel has fewer work items than two groups of 256 per compute unit. Infinite for a kernel without a loop.
     */
    static double cost(LinearKernel lk, int computeUnits) {
        List<UOp> u = lk.uops();
        int start = -1;
        for (int i = 0; i < u.size(); i++) if (u.get(i) instanceof UOp.Loop) start = i;
        if (start < 0) return Double.POSITIVE_INFINITY;
        List<String> loopVars = new ArrayList<>();
        for (UOp op : u) if (op instanceof UOp.Loop l) loopVars.add(l.var());
        List<UOp.Load> loads = new ArrayList<>();
        long accumulates = 0, sharedReads = 0;
        int depth = 0;
        for (int i = start + 1; i < u.size(); i++) {
            UOp op = u.get(i);
            if (op instanceof UOp.Loop || op instanceof UOp.If) depth++;
            else if (op instanceof UOp.End && depth-- == 0) break;
            else if (op instanceof UOp.Load l) loads.add(l);
            else if (op instanceof UOp.SharedLoad l) sharedReads += l.vec() ? (lk.lanes() + 3) / 4 : 1;
            else if (op instanceof UOp.Accumulate a) accumulates += a.vec() ? lk.lanes() : 1;
        }
        if (accumulates == 0) return Double.POSITIVE_INFINITY;
        double fill = Math.max(1.0, 512.0 * computeUnits / Math.max(1, lk.global()));
        // A staged reduction: its innermost loop reads local memory (a twentieth each, four consecutive as one);
        // the copies into it, one coalesced read per item each, are spread over that loop's iterations.
        long copies = u.stream().filter(op -> op instanceof UOp.SharedStore).count();
        if (copies > 0) {
            long chunkLoop = ((UOp.Loop) u.get(start)).extent();
            return (0.05 * sharedReads + copies * (1.0 / NEIGHBOURS + 0.1) / chunkLoop) / accumulates * fill;
        }
        int items = (int) Math.min(NEIGHBOURS, Math.max(1, lk.global()));
        var sectors = new HashSet<List<Long>>();
        var wide = new HashMap<Integer, Set<Long>>(); // unguarded addresses of item 0, per argument
        long scalar = 0;
        for (UOp.Load l : loads) {
            int lanes = l.vec() ? lk.lanes() : 1;
            boolean guarded = !(l.valid() instanceof Expr.Num);
            long itemSize = l.dtype().itemSize;
            for (int item = 0; item < items; item++) {
                for (int lane = 0; lane < lanes; lane++) {
                    Long address = evaluate(l.index(), item, lane, loopVars);
                    if (address == null) return Double.POSITIVE_INFINITY;
                    sectors.add(List.of((long) l.arg(), address * itemSize / 32));
                    if (item > 0) continue;
                    if (guarded) scalar++;
                    else wide.computeIfAbsent(l.arg(), x -> new HashSet<>()).add(address);
                }
            }
        }
        long instructions = scalar;
        for (var set : wide.values()) {
            for (long e : set) {
                if (set.contains(e - 1)) continue; // not the start of a run
                int run = 1;
                while (set.contains(e + run)) run++;
                instructions += (run + 3) / 4;
            }
        }
        double perItem = (double) sectors.size() / items + 0.1 * instructions;
        return perItem / accumulates * fill;
    }

    /** The value of {@code e} for work item {@code item}, lane {@code lane}, every loop at 0 (null if it has other variables). */
    private static Long evaluate(Expr e, long item, long lane, List<String> loopVars) {
        e = e.substitute("gidx", item).substitute(Lanes.LANE, lane);
        for (String v : loopVars) e = e.substitute(v, 0);
        return e instanceof Expr.Num n ? n.value() : null;
    }

    /** A CPU upcast's worth: higher is better; 0 rejects. Contiguous and lane-independent loads count; any gather rejects. */
    static int score(LinearKernel lk) {
        int good = 1;
        for (UOp u : lk.uops()) {
            if (u instanceof UOp.Load l && l.vec()) {
                if (l.valid().uses(Lanes.LANE)) return 0;
                if (!Lanes.contiguous(l.index(), lk.lanes())) return 0;
                good += 2;
            }
            if (u instanceof UOp.Store s && s.vec() && !Lanes.contiguous(s.index(), lk.lanes())) return 0;
        }
        return good;
    }

    /** Every load that depends on the item's number in its group reads consecutive elements for consecutive items. */
    static boolean coalesced(LinearKernel lk) {
        for (UOp u : lk.uops()) {
            if (u instanceof UOp.Load l && l.index().uses(Linearizer.LID)) {
                var i0 = l.index().substitute(Linearizer.LID, 0);
                var i1 = l.index().substitute(Linearizer.LID, 1);
                if (!i1.equals(Expr.add(i0, 1))) return false;
            }
        }
        return true;
    }

    /**
     * For a register-tiled kernel written with vectors of {@code width} lanes: the multiply-adds its innermost loop
     * does per vector it loads there, counting a load the same for several segments of lanes (a broadcast row of
     * A, a vector of B shared by every row) once. A plain row of lanes scores 1 or less.
     */
    static double fmasPerLoad(LinearKernel lk, int width) {
        int segments = lk.lanes() / width, depth = 0, inner = 0;
        for (UOp u : lk.uops()) {
            if (u instanceof UOp.Loop) inner = Math.max(inner, ++depth);
            else if (u instanceof UOp.End) depth--;
        }
        Set<String> loads = new HashSet<>();
        long fmas = 0;
        depth = 0;
        for (UOp u : lk.uops()) {
            if (u instanceof UOp.Loop || u instanceof UOp.If) depth++;
            else if (u instanceof UOp.End) depth--;
            else if (depth == inner && u instanceof UOp.Load l) {
                if (!l.vec()) loads.add(l.arg() + ":" + l.index());
                else for (int s = 0; s < segments; s++) {
                    loads.add(l.arg() + ":" + l.index().substitute(Lanes.LANE, s * width) + ":" + l.index().substitute(Lanes.LANE, s * width + 1));
                }
            } else if (depth == inner && u instanceof UOp.Accumulate a && a.vec()) fmas += segments;
        }
        return loads.isEmpty() ? 0 : (double) fmas / loads.size();
    }
}
