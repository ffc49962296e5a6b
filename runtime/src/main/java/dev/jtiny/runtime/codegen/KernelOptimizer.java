// Chooses how to lay out a kernel's work for a device: which axis to upcast, and by how many lanes.
package dev.jtiny.runtime.codegen;

import dev.jtiny.runtime.view.View;
import java.util.ArrayList;
import java.util.List;

/**
 * Hand-written heuristics. On CPUs a work item computes a vector's worth of lanes: along the last output axis
 * when that makes loads contiguous or shared (matmul reads a row of B per k, and A's element once), or along a
 * reduction's innermost axis when the reduction reads contiguous memory (a long sum streams through its input).
 * A candidate whose per-lane loads would be gathers is not taken. GPUs keep one element per work item for now.
 */
public final class KernelOptimizer {
    private KernelOptimizer() {}

    /** Work-group sizes tried for a grouped reduction, largest first. */
    static final int[] GROUPS = {256, 128, 64, 32};
    /** Outputs below which a GPU reduction is grouped: fewer would leave most of a large GPU idle. */
    static final long GROUP_BELOW_OUTPUTS = 1 << 18;
    /** Elements per output below which a reduction is not worth a work-group. */
    static final long GROUP_MIN_REDUCE = 256;

    public static LinearKernel optimize(Kernel k, int lanes) { return optimize(k, lanes, false); }

    /**
     * {@code groups}: the device runs work-groups well (a GPU). A reduction with few outputs and many elements per
     * output then gets one work-group per output ({@link Linearizer#linearize(Kernel, Linearizer.Upcast, int)}),
     * as long as its group-split loads stay contiguous across the group's items.
     */
    public static LinearKernel optimize(Kernel k, int lanes, boolean groups) {
        if (groups) {
            LinearKernel g = grouped(k);
            if (g != null) return g;
        }
        if (lanes <= 1) return Linearizer.linearize(k);
        LinearKernel best = null;
        int bestScore = 0;
        for (Linearizer.Upcast up : candidates(k, lanes)) {
            LinearKernel lk;
            try {
                lk = Linearizer.linearize(k, up);
            } catch (Linearizer.CannotUpcast e) {
                continue;
            }
            int score = score(lk);
            if (score > bestScore) {
                best = lk;
                bestScore = score;
            }
        }
        return best != null ? best : Linearizer.linearize(k);
    }

    private static LinearKernel grouped(Kernel k) {
        KNode.Reduce r = topReduce(k.root());
        if (r == null) return null;
        long outputs = View.numel(k.outShape()), perOutput = 1;
        for (int a : r.axes()) perOutput *= r.src().shape()[a];
        if (outputs >= GROUP_BELOW_OUTPUTS || perOutput < GROUP_MIN_REDUCE) return null;
        for (int g : GROUPS) {
            LinearKernel lk;
            try {
                lk = Linearizer.linearize(k, Linearizer.Upcast.NONE, g);
            } catch (Linearizer.CannotUpcast e) {
                continue;
            }
            if (coalesced(lk)) return lk;
        }
        return null;
    }

    /** Every load that depends on the item's number in its group reads consecutive elements for consecutive items. */
    static boolean coalesced(LinearKernel lk) {
        for (UOp u : lk.uops()) {
            if (u instanceof UOp.Load l && l.index().uses(Linearizer.LID)) {
                var i0 = l.index().substitute(Linearizer.LID, 0);
                var i1 = l.index().substitute(Linearizer.LID, 1);
                if (!i1.equals(dev.jtiny.runtime.view.Expr.add(i0, 1))) return false;
            }
        }
        return true;
    }

    private static List<Linearizer.Upcast> candidates(Kernel k, int lanes) {
        List<Linearizer.Upcast> c = new ArrayList<>();
        int[] out = k.outShape();
        for (int a = out.length - 1; a >= 0; a--) {
            if (out[a] == 1) continue;
            if (out[a] % lanes == 0) c.add(new Linearizer.Upcast(lanes, false, a));
            break;
        }
        if (k.root() instanceof KNode.Reduce || containsReduce(k.root())) {
            KNode.Reduce r = topReduce(k.root());
            if (r != null) {
                int a = r.axes()[r.axes().length - 1];
                for (int x : r.axes()) a = Math.max(a, x);
                if (r.src().shape()[a] % lanes == 0 && r.src().shape()[a] >= 4 * lanes) c.add(new Linearizer.Upcast(lanes, true, a));
            }
        }
        return c;
    }

    /** Higher is better; 0 rejects. Contiguous and lane-independent loads count; any gather rejects. */
    static int score(LinearKernel lk) {
        int good = 1;
        for (UOp u : lk.uops()) {
            if (u instanceof UOp.Load l && l.vec()) {
                if (l.valid().uses(Lanes.LANE)) return 0;
                if (!contiguous(l.index())) return 0;
                good += 2;
            }
            if (u instanceof UOp.Store s && s.vec() && !contiguous(s.index())) return 0;
        }
        return good;
    }

    /** index(lane = i) is index(lane = 0) + i. */
    static boolean contiguous(dev.jtiny.runtime.view.Expr index) {
        var i0 = index.substitute(Lanes.LANE, 0);
        var i1 = index.substitute(Lanes.LANE, 1);
        return i1.equals(dev.jtiny.runtime.view.Expr.add(i0, 1));
    }

    private static boolean containsReduce(KNode n) { return topReduce(n) != null; }

    private static KNode.Reduce topReduce(KNode n) {
        return switch (n) {
            case KNode.Reduce r -> r;
            case KNode.Alu a -> a.src().stream().map(KernelOptimizer::topReduce).filter(java.util.Objects::nonNull).findFirst().orElse(null);
            case KNode.ViewOf v -> topReduce(v.src());
            default -> null;
        };
    }
}
