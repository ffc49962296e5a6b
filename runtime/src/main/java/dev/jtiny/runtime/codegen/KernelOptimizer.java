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

    public static LinearKernel optimize(Kernel k, int lanes) { return optimize(k, lanes, false, 1); }

    /** GPU kernels without a reduction to split or tile: this many elements per work item, for 16-byte accesses. */
    static final int GPU_LANES = 4;

    /**
     * {@code groups}: the device runs work-groups well (a GPU). A reduction with few outputs and many elements per
     * output then gets one work-group per output ({@link Linearizer#linearize(Kernel, Linearizer.Upcast, int)}),
     * as long as its group-split loads stay contiguous across the group's items.
     */
    public static LinearKernel optimize(Kernel k, int lanes, boolean groups, int computeUnits) {
        if (groups) {
            LinearKernel g = grouped(k);
            if (g != null) return g;
            LinearKernel t = tiled(k, computeUnits);
            if (t != null) return t;
            lanes = GPU_LANES;
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

    /** Work items per side of a tiled kernel's square work-group; the tiled reduction loop is unrolled this much. */
    static final int TILE_ITEMS = 16, TILE_UNROLL = 4;

    /**
     * A reduction into a large 2-D output (a matmul, a batched one, a convolution's output plane) on a GPU: each
     * work item computes a tile of outputs (measured on an H200, fp32 4096: 8x8 with the reduction unrolled by 4
     * 4.6 ms, 8x4 6.2 ms, 4x4 6.1 ms), so every value it loads is used several times from registers, and a
     * work-group's 16x16 items cover a block whose loads come from cache. Smaller tiles when the large ones would
     * leave compute units idle (1024: 4x4 0.12 ms against 8x8's 0.18).
     */
    /** Register tiles tried, largest first; the first that still gives every compute unit work is taken. */
    static final int[][] TILES = {{8, 8}, {8, 4}, {4, 4}, {2, 2}};

    private static LinearKernel tiled(Kernel k, int computeUnits) {
        int[] out = k.outShape();
        if (topReduce(k.root()) == null || View.numel(out) < (1 << 16)) return null;
        int c = out.length - 1;
        while (c >= 0 && out[c] == 1) c--; // a reduction's output keeps its reduced axes as 1s
        int r = c - 1;
        while (r >= 0 && out[r] == 1) r--;
        if (r < 0) return null;
        // GPUTILE=RxC forces a register tile (for measuring); GPUTILE=0 turns tiling off.
        String setting = dev.jtiny.runtime.Config.get("GPUTILE", "");
        if (setting.equals("0")) return null;
        int[][] tiles = setting.isEmpty() ? TILES
                : new int[][]{{Integer.parseInt(setting.split("x")[0]), Integer.parseInt(setting.split("x")[1])}};
        long outputs = View.numel(out);
        int unroll = dev.jtiny.runtime.Config.getInt("GPUUNROLL", TILE_UNROLL); // measuring knob, as GPUTILE
        for (int[] t : tiles) {
            if (out[r] % (t[0] * TILE_ITEMS) != 0 || out[c] % (t[1] * TILE_ITEMS) != 0) continue;
            long groups = outputs / ((long) t[0] * t[1] * TILE_ITEMS * TILE_ITEMS);
            if (setting.isEmpty() && t != TILES[TILES.length - 1] && groups * 2 < 3L * computeUnits) continue;
            try {
                return Linearizer.linearize(k, Linearizer.Upcast.tile(r, t[0], c, t[1], unroll), 0, TILE_ITEMS);
            } catch (Linearizer.CannotUpcast e) {
                return null;
            }
        }
        return null;
    }

    /**
     * What BEAM search times: the heuristic's choice first, then every work-group size, register tile (with and
     * without unrolling) and lane count that applies, then the plain kernel; each choice once.
     */
    public static List<LinearKernel> choices(Kernel k, int lanes, boolean groups, int computeUnits) {
        var out = new java.util.LinkedHashMap<String, LinearKernel>();
        java.util.function.Consumer<java.util.function.Supplier<LinearKernel>> add = f -> {
            try {
                LinearKernel lk = f.get();
                if (lk != null) out.putIfAbsent(lk.opts().toString(), lk);
            } catch (Linearizer.CannotUpcast e) {
                // not expressible this way
            }
        };
        add.accept(() -> optimize(k, lanes, groups, computeUnits));
        if (groups) {
            if (topReduce(k.root()) != null) for (int g : GROUPS) add.accept(() -> {
                LinearKernel lk = Linearizer.linearize(k, Linearizer.Upcast.NONE, g);
                return coalesced(lk) ? lk : null;
            });
            int[] out2 = k.outShape();
            int c = out2.length - 1;
            while (c >= 0 && out2[c] == 1) c--;
            int r = c - 1;
            while (r >= 0 && out2[r] == 1) r--;
            if (r >= 0 && topReduce(k.root()) != null) {
                int rr = r, cc = c;
                for (int[] t : new int[][]{{8, 8}, {8, 4}, {4, 8}, {4, 4}, {4, 2}, {2, 4}, {2, 2}}) {
                    if (out2[rr] % (t[0] * TILE_ITEMS) != 0 || out2[cc] % (t[1] * TILE_ITEMS) != 0) continue;
                    for (int u : new int[]{1, TILE_UNROLL}) {
                        add.accept(() -> Linearizer.linearize(k, Linearizer.Upcast.tile(rr, t[0], cc, t[1], u), 0, TILE_ITEMS));
                    }
                }
            }
            for (int l : new int[]{2, 4}) for (Linearizer.Upcast up : candidates(k, l)) add.accept(() -> {
                LinearKernel lk = Linearizer.linearize(k, up);
                return score(lk) > 0 ? lk : null;
            });
        }
        add.accept(() -> Linearizer.linearize(k));
        return List.copyOf(out.values());
    }

    private static LinearKernel grouped(Kernel k) {
        KNode.Reduce r = topReduce(k.root());
        if (r == null) return null;
        // Reductions only read broadcast (the scheduler fused rows): one group per row, whatever the sizes.
        boolean rowWise = Linearizer.isRowKernel(k);
        long outputs = View.numel(k.outShape()), perOutput = 1;
        for (int a : r.axes()) perOutput *= r.src().shape()[a];
        if (!rowWise && (outputs >= GROUP_BELOW_OUTPUTS || perOutput < GROUP_MIN_REDUCE)) return null;
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
