// Chooses how to lay out a kernel's work for a device: which axis to upcast, and by how many lanes.
package dev.jtiny.runtime.codegen;

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

    public static LinearKernel optimize(Kernel k, int lanes) {
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
