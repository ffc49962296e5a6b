// Chooses how to lay out a kernel's work for a device: which axis to upcast, and by how many lanes.
package dev.jtiny.runtime.codegen.opt;

import dev.jtiny.runtime.codegen.KNode;
import dev.jtiny.runtime.codegen.Kernel;
import dev.jtiny.runtime.codegen.Lanes;
import dev.jtiny.runtime.codegen.LinearKernel;
import dev.jtiny.runtime.codegen.Linearizer;
import dev.jtiny.runtime.codegen.Plan;
import dev.jtiny.runtime.codegen.UOp;
import dev.jtiny.runtime.Settings;
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
    public static final long GROUP_BELOW_OUTPUTS = 1 << 18;
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

    /** Work items per side of a tiled kernel's square work-group; the tiled reduction loop is unrolled this much (GPUUNROLL's default). */
    static final int TILE_ITEMS = 16, TILE_UNROLL = Settings.GPUUNROLL.fallback();

    /**
     * A reduction into a large 2-D output (a matmul, a batched one, a convolution's output plane) on a GPU: each
     * work item computes a tile of outputs (measured on an H200, fp32 4096: 8x8 with the reduction unrolled by 4
     * 4.6 ms, 8x4 6.2 ms, 4x4 6.1 ms), so every value it loads is used several times from registers, and a
     * work-group's 16x16 items cover a block whose loads come from cache. Smaller tiles when the large ones would
     * leave compute units idle (1024: 4x4 0.12 ms against 8x8's 0.18). Other shapes take the {@link #cost} model's
     * first choice when it clearly pays.
     */
    /**
     * The chunk of the reduced axis a square tile stages through local memory by default (H200, fp32: 4096 4.37 ms
     * against 4.65 unstaged, 64x8192x8192 0.74 against 1.12, 1024 0.106 against 0.119; chunks of 16 and 32 were
     * slower than 8).
     */
    static final int STAGE = Settings.GPUSTAGE.fallback();

    /**
     * Register tiles tried, largest first; the first that still gives every compute unit work is taken. 16x4 first:
     * on the H200, fp32 4096 staged in chunks of 8 with 4x64-item blocks, 16x4 took 3.64 ms and 8x8 3.94 (found by
     * BEAM; 8x8 in 16x16 blocks, the default before, 4.37).
     */
    static final int[][] TILES = {{16, 4}, {8, 8}, {8, 4}, {4, 4}, {2, 2}};

    /**
     * The block of work items (rows x columns) for a grid of {@code rows} x {@code cols} items with {@code lanes}
     * outputs each: 4x64 for tiles of 64 outputs where it fits (H200, fp32 4096 staged: 3.65 ms against 4.37 with
     * 16x16), else 16x16 (smaller tiles were slower in 4x64 blocks with the default unroll and chunk: 1024 with 4x4
     * tiles 0.121 ms against 0.109, the skinny 64-row matmul with 2x2 tiles 1.07 against 0.75); null when neither
     * divides the grid.
     */
    static int[] block(int rows, int cols, int lanes) {
        if (lanes >= 64 && rows % 4 == 0 && cols % 64 == 0) return new int[]{4, 64};
        if (rows % TILE_ITEMS == 0 && cols % TILE_ITEMS == 0) return new int[]{TILE_ITEMS, TILE_ITEMS};
        return null;
    }

    private static LinearKernel tiled(Kernel k, int computeUnits) {
        int[] out = k.outShape();
        KNode.Reduce reduce = topReduce(k.root());
        if (reduce == null || View.numel(out) < (1 << 16)) return null;
        int c = out.length - 1;
        while (c >= 0 && out[c] == 1) c--; // a reduction's output keeps its reduced axes as 1s
        int r = c - 1;
        while (r >= 0 && out[r] == 1) r--;
        if (r < 0) return null;
        // GPUTILE=RxC forces a register tile (for measuring); GPUTILE=0 turns tiling off.
        String setting = Settings.GPUTILE.get();
        if (setting.equals("0")) return null;
        int[][] tiles = setting.isEmpty() ? TILES
                : new int[][]{{Integer.parseInt(setting.split("x")[0]), Integer.parseInt(setting.split("x")[1])}};
        long outputs = View.numel(out);
        int unroll = Settings.GPUUNROLL.getInt(); // measuring knob, as GPUTILE
        int stage = Settings.GPUSTAGE.getInt(); // GPUSTAGE=0 turns staging off, another chunk measures it
        // Square tiles over the last two axes are for matmuls; a convolution's are its rows and columns of pixels,
        // which share no weights: it takes the cost model's pair of axes below (output channels by columns).
        boolean convolution = reduce.axes().length > 1 && setting.isEmpty();
        for (int[] t : convolution ? new int[0][] : tiles) {
            if (out[r] % t[0] != 0 || out[c] % t[1] != 0) continue;
            int[] block = block(out[r] / t[0], out[c] / t[1], t[0] * t[1]);
            if (block == null) continue;
            long groups = outputs / ((long) t[0] * t[1] * TILE_ITEMS * TILE_ITEMS);
            if (setting.isEmpty() && t != TILES[TILES.length - 1] && groups * 2 < 3L * computeUnits) continue;
            // GPUPREFETCH=1: read each chunk one ahead, 2: into a second buffer (for measuring; BEAM tries both).
            LinearKernel staged = stage > 0
                    ? tile(k, new TileChoice(r, t[0], c, t[1], unroll, block[0], block[1], stage, Settings.GPUPREFETCH.getInt()))
                    : null;
            return staged != null ? staged : tile(k, new TileChoice(r, t[0], c, t[1], unroll, block[0], block[1], 0, 0));
        }
        if (!setting.isEmpty()) return null;
        // A convolution, or a reduction no square tile fits: the unstaged layout the cost model ranks first over
        // every pair of output axes, if it reads at most half as much per multiply-add as the plain kernel (H200,
        // conv2d 32x64x56x56 by 128 3x3 filters: output channels by columns 8x8, the 3 taps unrolled, 0.75 ms
        // against 2.29 untiled).
        Tiled first = rankedTiles(k, reduce, computeUnits, 1).stream().filter(t -> t.choice().stage() == 0).findFirst().orElse(null);
        if (first == null || cost(first.lk(), computeUnits) * 2 > cost(Linearizer.linearize(k), computeUnits)) return null;
        // A convolution (several reduced axes) is then staged over the same pair of axes: CONV_TILE outputs per
        // item, chunks of CONV_STAGE elements of its channels x taps, in the largest block of items.
        LinearKernel conv = reduce.axes().length > 1 && stage > 0 ? stagedConv(k, first.choice()) : null;
        return conv != null ? conv : first.lk();
    }

    /**
     * A convolution's register tile and chunk when staged (H200, BEAM's picks on two resnet-like 3x3 convolutions,
     * both 8x4 in chunks of 16 in blocks of 224 items: 32x64x56x56 to 128 channels 0.49 ms against 0.75 unstaged,
     * 32x256x28x28 to 256 channels 1.08 against 2.56).
     */
    static final int[] CONV_TILE = {8, 4};
    static final int CONV_STAGE = 16;

    /** Over {@code like}'s axes, a {@link #CONV_TILE} tile staged in chunks of {@link #CONV_STAGE}; null if that does not fit. */
    private static LinearKernel stagedConv(Kernel k, TileChoice like) {
        int r = like.rowAxis(), c = like.colAxis();
        int[] out = k.outShape();
        if (out[r] % CONV_TILE[0] != 0 || out[c] % CONV_TILE[1] != 0) return null;
        int[] block = blocks(out[r] / CONV_TILE[0], out[c] / CONV_TILE[1]).stream()
                .max(java.util.Comparator.comparingInt(b -> b[0] * b[1])).orElse(null);
        if (block == null) return null;
        return tile(k, new TileChoice(r, CONV_TILE[0], c, CONV_TILE[1], 1, block[0], block[1], CONV_STAGE, 0));
    }

    /**
     * What BEAM search may time: the heuristic's choice first; then, for a reduction into a 2-D (or larger) output,
     * register tiles over every pair of output axes ({@link #BEAM_TILES}), each with the reduction's innermost loop
     * unrolled 1, 4 or 8 times or completely when it is short (a convolution's 3 taps), and each with up to
     * {@link #BLOCKS_PER_TILE} shapes of its block of work items; then every work-group size for a grouped
     * reduction and every lane count that applies; then the plain kernel. Each choice once. Tiles are listed before
     * the rest for kernels that can be tiled (a matmul or convolution gains most there); Beam ranks them.
     */
    public static List<LinearKernel> choices(Kernel k, int lanes, boolean groups, int computeUnits) {
        var out = new java.util.LinkedHashMap<Plan, LinearKernel>();
        java.util.function.Consumer<java.util.function.Supplier<LinearKernel>> add = f -> {
            try {
                LinearKernel lk = f.get();
                if (lk != null) out.putIfAbsent(lk.plan(), lk);
            } catch (Linearizer.CannotUpcast e) {
                // not expressible this way
            }
        };
        add.accept(() -> optimize(k, lanes, groups, computeUnits));
        if (groups) {
            KNode.Reduce reduce = topReduce(k.root());
            if (reduce != null) {
                for (Tiled t : rankedTiles(k, reduce, computeUnits, Settings.BEAMKEEP.getInt())) add.accept(t::lk);
                for (int g : GROUPS) add.accept(() -> {
                    LinearKernel lk = Linearizer.linearize(k, Linearizer.Upcast.NONE, g);
                    return coalesced(lk) ? lk : null;
                });
            }
            for (int l : new int[]{2, 4}) for (Linearizer.Upcast up : candidates(k, l)) add.accept(() -> {
                LinearKernel lk = Linearizer.linearize(k, up);
                return score(lk) > 0 ? lk : null;
            });
        }
        add.accept(() -> Linearizer.linearize(k));
        return List.copyOf(out.values());
    }

    /**
     * Tiled layouts, best first by {@link #cost}: first every axis pair and register tile (plain loop, squarest
     * block) is ranked, then the best {@code keep} get every unroll and block shape, ranked within their tile
     * (a block after the squarest counts 15% worse per place, since blocks do not change the model's cost), and
     * the list runs diagonally: the first tile's first variant; the first tile's second and the second tile's first;
     * then three; and so on.
     */
    static List<Tiled> rankedTiles(Kernel k, KNode.Reduce reduce, int computeUnits, int keep) {
        record Ranked(LinearKernel lk, TileChoice choice, List<TileChoice> variants, double key) {}
        var byTile = new java.util.LinkedHashMap<List<Integer>, List<TileChoice>>();
        for (TileChoice t : tileChoices(k, reduce)) {
            byTile.computeIfAbsent(List.of(t.rowAxis(), t.rows(), t.colAxis(), t.cols()), x -> new ArrayList<>()).add(t);
        }
        List<Ranked> tiles = new ArrayList<>();
        for (List<TileChoice> variants : byTile.values()) {
            LinearKernel lk = tile(k, variants.getFirst()); // unroll 1, squarest block
            if (lk != null) tiles.add(new Ranked(lk, variants.getFirst(), variants, cost(lk, computeUnits)));
        }
        tiles.sort(java.util.Comparator.comparingDouble(Ranked::key));
        List<List<Ranked>> families = new ArrayList<>();
        for (Ranked r : tiles.subList(0, Math.min(keep, tiles.size()))) {
            var blockPlace = new java.util.HashMap<List<Integer>, Integer>();
            List<Ranked> family = new ArrayList<>();
            for (TileChoice t : r.variants()) {
                int place = blockPlace.computeIfAbsent(List.of(t.blockRows(), t.blockCols()), x -> blockPlace.size());
                LinearKernel lk = t == r.variants().getFirst() ? r.lk() : tile(k, t);
                if (lk != null) family.add(new Ranked(lk, t, List.of(), cost(lk, computeUnits) * (1 + 0.15 * place)));
            }
            family.sort(java.util.Comparator.comparingDouble(Ranked::key));
            families.add(family);
        }
        // Diagonally: the n-th variant of the t-th tile at place n + t, so the best tile's variants (blocks and
        // unrolls, which the model hardly tells apart) are timed first, and every tile shape still gets its turn.
        List<Tiled> all = new ArrayList<>();
        for (int d = 0; families.stream().anyMatch(f -> !f.isEmpty()); d++) {
            for (int t = 0; t <= Math.min(d, families.size() - 1); t++) {
                List<Ranked> f = families.get(t);
                if (f.isEmpty()) continue;
                Ranked r = f.removeFirst();
                all.add(new Tiled(r.lk(), r.choice()));
            }
        }
        return all;
    }

    /** A tiled layout and the choice it was made from. */
    record Tiled(LinearKernel lk, TileChoice choice) {}

    private static LinearKernel tile(Kernel k, TileChoice t) {
        try {
            Linearizer.Upcast up = Linearizer.Upcast.tile(t.rowAxis(), t.rows(), t.colAxis(), t.cols(), t.unroll());
            if (t.stage() > 0) up = up.staged(t.stage(), t.prefetch());
            return Linearizer.linearize(k, up, 0, t.blockRows(), t.blockCols());
        } catch (Linearizer.CannotUpcast e) {
            return null;
        }
    }

    /**
     * A rough model of a tiled reduction's time, for ranking: per multiply-accumulate in the innermost loop, the
     * 32-byte sectors that 8 neighbouring work items read together (so coalesced reads, and reads every item shares,
     * are cheap; strided ones are not) divided among them, plus a tenth per load instruction an item issues (four
     * consecutive unguarded elements are one wide load, as the OpenCL renderer emits them); scaled up when the
     * kernel has fewer work items than two groups of 256 per compute unit. Infinite for a kernel without a loop.
     */
    public static double cost(LinearKernel lk, int computeUnits) {
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
        var sectors = new java.util.HashSet<List<Long>>();
        var wide = new java.util.HashMap<Integer, java.util.Set<Long>>(); // unguarded addresses of item 0, per argument
        long scalar = 0;
        for (UOp.Load l : loads) {
            int lanes = l.vec() ? lk.lanes() : 1;
            boolean guarded = !(l.valid() instanceof dev.jtiny.runtime.view.Expr.Num);
            long itemSize = l.dtype().itemSize;
            for (int item = 0; item < items; item++) {
                for (int lane = 0; lane < lanes; lane++) {
                    Long address = evaluate(l.index(), item, lane, loopVars);
                    if (address == null) return Double.POSITIVE_INFINITY;
                    sectors.add(List.of((long) l.arg(), address * itemSize / 32));
                    if (item > 0) continue;
                    if (guarded) scalar++;
                    else wide.computeIfAbsent(l.arg(), x -> new java.util.HashSet<>()).add(address);
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

    /** Work items whose reads the cost model pools: neighbours in a group, which the GPU serves together. */
    static final int NEIGHBOURS = 8;

    /** The value of {@code e} for work item {@code item}, lane {@code lane}, every loop at 0 (null if it has other variables). */
    private static Long evaluate(dev.jtiny.runtime.view.Expr e, long item, long lane, List<String> loopVars) {
        e = e.substitute("gidx", item).substitute(Lanes.LANE, lane);
        for (String v : loopVars) e = e.substitute(v, 0);
        return e instanceof dev.jtiny.runtime.view.Expr.Num n ? n.value() : null;
    }

    /** Register tiles (output rows x columns per work item) BEAM tries; at most 64 outputs, so they stay in registers. */
    static final int[][] BEAM_TILES = {{8, 8}, {16, 4}, {4, 16}, {8, 4}, {4, 8}, {4, 4}, {16, 2}, {2, 16}, {8, 2}, {2, 8}, {4, 2},
            {2, 4}, {2, 2}, {16, 1}, {1, 16}, {8, 1}, {1, 8}, {4, 1}, {1, 4}};
    /** Block shapes tried per register tile: the squarest that fits, then one wider and one taller. */
    static final int BLOCKS_PER_TILE = 3;

    /** One tiled layout: a register tile along two output axes, the reduction's unroll, the block of work items. */
    record TileChoice(int rowAxis, int rows, int colAxis, int cols, int unroll, int blockRows, int blockCols, int stage,
                      int prefetch) {}

    /** Chunks of the reduced axis a staged tile copies into local memory at a time: BEAM tries each. */
    static final int[] STAGES = {8, 16};

    /** Every tiled layout of a reduction kernel whose output has at least two axes longer than one; none when too small. */
    static List<TileChoice> tileChoices(Kernel k, KNode.Reduce reduce) {
        int[] out = k.outShape();
        List<TileChoice> c = new ArrayList<>();
        if (View.numel(out) < (1 << 12)) return c;
        int last = reduce.axes()[0];
        for (int x : reduce.axes()) last = Math.max(last, x);
        int inner = reduce.src().shape()[last];
        var unrolls = new java.util.LinkedHashSet<Integer>(List.of(1, TILE_UNROLL, 8));
        if (inner > 1 && inner <= 9) unrolls.add(inner);
        // Chunks of the reduced axes taken together (a convolution's channels x taps) that divide them: STAGES, and
        // the product of all but the first axis (one input channel's taps) when it is short.
        long reduced = 1;
        int first = last;
        for (int x : reduce.axes()) {
            reduced *= reduce.src().shape()[x];
            first = Math.min(first, x);
        }
        long taps = reduced / reduce.src().shape()[first];
        var stages = new java.util.LinkedHashSet<Integer>();
        for (int st : STAGES) stages.add(st);
        if (taps > 1 && taps <= 32) stages.add((int) taps);
        long all = reduced;
        stages.removeIf(st -> all % st != 0 || all == st);
        for (int r = 0; r < out.length; r++) {
            if (out[r] == 1) continue;
            for (int col = r + 1; col < out.length; col++) {
                if (out[col] == 1) continue;
                for (int[] t : BEAM_TILES) {
                    if (out[r] % t[0] != 0 || out[col] % t[1] != 0) continue;
                    for (int[] b : blocks(out[r] / t[0], out[col] / t[1])) {
                        for (int u : unrolls) {
                            if (u > 1 && inner % u != 0) continue;
                            c.add(new TileChoice(r, t[0], col, t[1], u, b[0], b[1], 0, 0));
                            for (int st : stages) {
                                if (st % u != 0) continue;
                                c.add(new TileChoice(r, t[0], col, t[1], u, b[0], b[1], st, 0));
                                if (st != STAGE) continue;
                                c.add(new TileChoice(r, t[0], col, t[1], u, b[0], b[1], st, Linearizer.Upcast.PREFETCHED));
                                c.add(new TileChoice(r, t[0], col, t[1], u, b[0], b[1], st, Linearizer.Upcast.DOUBLE_BUFFERED));
                            }
                        }
                    }
                }
            }
        }
        return c;
    }

    /**
     * Block shapes (rows x columns of work items, 64 to 256 in all, each side at least 4 where the grid allows)
     * for a grid of {@code rows} x {@code cols} work items: the squarest first, then the widest and the tallest;
     * each side divides the grid's.
     */
    static List<int[]> blocks(int rows, int cols) {
        List<int[]> fits = new ArrayList<>();
        for (int bc = Math.min(4, cols); bc <= Math.min(cols, 64); bc++) {
            if (cols % bc != 0) continue;
            for (int br = Math.min(4, rows); br <= Math.min(rows, 256 / bc); br++) {
                if (rows % br == 0 && br * bc >= 64) fits.add(new int[]{br, bc});
            }
        }
        if (fits.isEmpty()) return fits;
        // Squarest (largest block among the squarest), then widest, then tallest; distinct, at most BLOCKS_PER_TILE.
        java.util.Comparator<int[]> square = java.util.Comparator.<int[]>comparingDouble(b -> Math.abs(Math.log((double) b[0] / b[1])))
                .thenComparingInt(b -> -b[0] * b[1]);
        List<int[]> picked = new ArrayList<>();
        picked.add(fits.stream().min(square).orElseThrow());
        fits.stream().max(java.util.Comparator.<int[]>comparingInt(b -> b[1]).thenComparingInt(b -> b[0] * b[1])).ifPresent(picked::add);
        fits.stream().max(java.util.Comparator.<int[]>comparingInt(b -> b[0]).thenComparingInt(b -> b[0] * b[1])).ifPresent(picked::add);
        List<int[]> distinct = new ArrayList<>();
        for (int[] b : picked) {
            if (distinct.stream().noneMatch(d -> java.util.Arrays.equals(d, b)) && distinct.size() < BLOCKS_PER_TILE) distinct.add(b);
        }
        return distinct;
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
                if (!Lanes.contiguous(l.index(), lk.lanes())) return 0;
                good += 2;
            }
            if (u instanceof UOp.Store s && s.vec() && !Lanes.contiguous(s.index(), lk.lanes())) return 0;
        }
        return good;
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
