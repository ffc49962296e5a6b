// The default layout of a kernel for a device, without timing anything: CPU upcasts, GPU groups and register tiles.
package dev.jtiny.runtime.codegen.opt;

import dev.jtiny.runtime.Settings;
import dev.jtiny.runtime.codegen.JavaRenderer;
import dev.jtiny.runtime.codegen.KNode;
import dev.jtiny.runtime.codegen.Kernel;
import dev.jtiny.runtime.codegen.LinearKernel;
import dev.jtiny.runtime.codegen.Linearizer;
import dev.jtiny.runtime.view.View;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Hand-written heuristics. On CPUs a work item computes a vector's worth of lanes: along the last output axis
 * when that makes loads contiguous or shared (matmul reads a row of B per k, and A's element once), or along a
 * reduction's innermost axis when the reduction reads contiguous memory (a long sum streams through its input).
 * A candidate whose per-lane loads would be gathers is not taken. On GPUs a reduction with few outputs is grouped,
 * one into a large 2-D output is register-tiled, and anything else takes {@link #GPU_LANES} per work item.
 * The measurements behind the constants here are in docs/benchmarks.md.
 */
final class Heuristics {
    private Heuristics() {}

    /** Work-group sizes tried for a grouped reduction, largest first. */
    static final int[] GROUPS = {256, 128, 64, 32};
    /** Elements per output below which a reduction is not worth a work-group. */
    static final long GROUP_MIN_REDUCE = 256;
    /** GPU kernels without a reduction to split or tile: this many elements per work item, for 16-byte accesses. */
    static final int GPU_LANES = 4;

    /** Work items per side of a tiled kernel's square work-group; the tiled reduction loop is unrolled this much (GPUUNROLL's default). */
    static final int TILE_ITEMS = 16, TILE_UNROLL = Settings.GPUUNROLL.fallback();

    /**
     * The chunk of the reduced axis a square tile stages through local memory by default: a work-group copies each
     * chunk of its operands from global memory once and its items read it from local memory. GPUSTAGE's default,
     * the chunk that beat both no staging and larger chunks on matmuls small and large.
     */
    static final int STAGE = Settings.GPUSTAGE.fallback();

    /**
     * Register tiles tried, largest first; the first that still gives every compute unit work is taken, since a
     * large tile on a small output leaves compute units idle. 16x4 comes before 8x8: staged, in 4x64 blocks, it
     * was BEAM's pick on a large matmul.
     */
    static final int[][] TILES = {{16, 4}, {8, 8}, {8, 4}, {4, 4}, {2, 2}};

    /**
     * A convolution's register tile and chunk of its channels x taps when staged: BEAM's pick on resnet-like 3x3
     * convolutions, where staging beat the unstaged tile.
     */
    static final int[] CONV_TILE = {8, 4};
    static final int CONV_STAGE = 16;

    /**
     * {@code groups}: the device runs work-groups well (a GPU). A reduction with few outputs and many elements per
     * output then gets one work-group per output ({@link Linearizer#linearize(Kernel, Linearizer.Upcast, int)}),
     * as long as its group-split loads stay contiguous across the group's items.
     */
    static LinearKernel optimize(Kernel k, int lanes, boolean groups, int computeUnits) {
        if (groups) {
            LinearKernel g = grouped(k);
            if (g != null) return g;
            LinearKernel t = tiled(k, computeUnits);
            if (t != null) return t;
            lanes = GPU_LANES;
        }
        if (lanes <= 1) return Linearizer.linearize(k);
        LinearKernel tile = groups ? null : cpuTiled(k, lanes);
        if (tile != null) return tile;
        LinearKernel best = null;
        int bestScore = 0;
        for (Linearizer.Upcast up : candidates(k, lanes)) {
            LinearKernel lk;
            try {
                lk = Linearizer.linearize(k, up);
            } catch (Linearizer.CannotUpcast e) {
                continue;
            }
            int score = CostModel.score(lk);
            if (score > bestScore) {
                best = lk;
                bestScore = score;
            }
        }
        return best != null ? best : groups ? Linearizer.linearize(k) : Linearizer.looped(k);
    }

    /**
     * The block of work items (rows x columns) for a grid of {@code rows} x {@code cols} items with {@code lanes}
     * outputs each: 4x64 for tiles of 64 outputs where it fits, else 16x16, since only the large tiles gained from
     * the wide block (smaller ones were slower in it with the default unroll and chunk); null when neither divides
     * the grid.
     */
    static int[] block(int rows, int cols, int lanes) {
        if (lanes >= 64 && rows % 4 == 0 && cols % 64 == 0) return new int[]{4, 64};
        if (rows % TILE_ITEMS == 0 && cols % TILE_ITEMS == 0) return new int[]{TILE_ITEMS, TILE_ITEMS};
        return null;
    }

    /**
     * A reduction into a large 2-D output (a matmul, a batched one, a convolution's output plane) on a GPU: each
     * work item computes a tile of outputs ({@link #TILES}), so every value it loads is used several times from
     * registers, and a work-group's items cover a block whose loads come from cache. Other shapes take the
     * {@link CostModel#cost} model's first choice when it clearly pays.
     */
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
                : new int[][]{sides(setting)};
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
                    ? new TileChoice(r, t[0], c, t[1], unroll, block[0], block[1], stage, Settings.GPUPREFETCH.getInt()).linearize(k)
                    : null;
            return staged != null ? staged : new TileChoice(r, t[0], c, t[1], unroll, block[0], block[1], 0, 0).linearize(k);
        }
        if (!setting.isEmpty()) return null;
        // A convolution, or a reduction no square tile fits: the unstaged layout the cost model ranks first over
        // every pair of output axes (for a convolution, output channels by columns with its taps unrolled), if it
        // reads at most half as much per multiply-add as the plain kernel.
        SearchSpace.Tiled first = SearchSpace.rankedTiles(k, reduce, computeUnits, 1).stream()
                .filter(t -> t.choice().stage() == 0).findFirst().orElse(null);
        if (first == null || CostModel.cost(first.lk(), computeUnits) * 2 > CostModel.cost(Linearizer.linearize(k), computeUnits)) return null;
        // A convolution (several reduced axes) is then staged over the same pair of axes: CONV_TILE outputs per
        // item, chunks of CONV_STAGE elements of its channels x taps, in the largest block of items.
        LinearKernel conv = reduce.axes().length > 1 && stage > 0 ? stagedConv(k, first.choice()) : null;
        return conv != null ? conv : first.lk();
    }

    /** Over {@code like}'s axes, a {@link #CONV_TILE} tile staged in chunks of {@link #CONV_STAGE}; null if that does not fit. */
    private static LinearKernel stagedConv(Kernel k, TileChoice like) {
        int r = like.rowAxis(), c = like.colAxis();
        int[] out = k.outShape();
        if (out[r] % CONV_TILE[0] != 0 || out[c] % CONV_TILE[1] != 0) return null;
        int[] block = SearchSpace.blocks(out[r] / CONV_TILE[0], out[c] / CONV_TILE[1]).stream()
                .max(Comparator.comparingInt(b -> b[0] * b[1])).orElse(null);
        if (block == null) return null;
        return new TileChoice(r, CONV_TILE[0], c, CONV_TILE[1], 1, block[0], block[1], CONV_STAGE, 0).linearize(k);
    }

    /** One work-group per output for a reduction with few outputs and long rows, at the largest size whose loads coalesce. */
    private static LinearKernel grouped(Kernel k) {
        KNode.Reduce r = topReduce(k.root());
        if (r == null) return null;
        // Reductions only read broadcast (the scheduler fused rows): one group per row, whatever the sizes.
        boolean rowWise = Linearizer.isRowKernel(k);
        long outputs = View.numel(k.outShape()), perOutput = 1;
        for (int a : r.axes()) perOutput *= r.src().shape()[a];
        if (!rowWise && (outputs >= KernelOptimizer.GROUP_BELOW_OUTPUTS || perOutput < GROUP_MIN_REDUCE)) return null;
        for (int g : GROUPS) {
            LinearKernel lk;
            try {
                lk = Linearizer.linearize(k, Linearizer.Upcast.NONE, g);
            } catch (Linearizer.CannotUpcast e) {
                continue;
            }
            if (CostModel.coalesced(lk)) return lk;
        }
        return null;
    }

    /**
     * CPU register tiles of rows x columns for vectors of {@code lanes} floats, in the order tried: several fused
     * multiply-adds per load, the tile's accumulators, a row of B's vectors and a broadcast of A all in vector
     * registers ({@link JavaRenderer#tileFitsRegisters}). A tile that does not fit spills accumulators to the stack on every step:
     * on AVX2 (16 registers) 8 x 2 vectors (16 accumulators) ran 1.2-1.7x slower than 4 x 2 on 1024 and 2048
     * matmuls and a 4096x1024 linear layer, in alternating runs (docs/benchmarks.md).
     */
    static int[][] cpuTiles(int lanes) {
        return java.util.Arrays.stream(allCpuTiles(lanes))
                .filter(t -> JavaRenderer.tileFitsRegisters(t[0], t[1] / lanes, lanes)).toArray(int[][]::new);
    }

    /** Every register tile the CPU layouts know, fitting the registers or not (BEAM times them all). */
    static int[][] allCpuTiles(int lanes) {
        // 6 x 2 before 4 x 3, the same twelve sums: on AVX2, where 4 x 3 takes all sixteen registers (it no longer
        // fits, see cpuTiles), a 768x512 by 512x768 matmul ran 104-121 GFLOPS as 6 x 2 against 76-78 as 4 x 3; the
        // order was not measured on CPUs with 32 registers.
        return new int[][]{{8, 2 * lanes}, {6, 2 * lanes}, {4, 3 * lanes}, {4, 2 * lanes}, {3, 2 * lanes}, {2, 2 * lanes}};
    }

    /**
     * Blocks of register tiles (rows x columns of them) that consecutive work items cover, tried in order: a block's
     * rows of A and columns of B stay in cache while its items use them again, where a plain row-major order would
     * stream all of B once for every row of tiles (a 2048 matmul: 4x faster in blocks of 32 x 4 tiles).
     */
    static final int[][] CPU_BLOCKS = {{32, 4}, {16, 4}, {8, 4}, {8, 2}, {4, 2}};

    /**
     * A reduction into a 2-D (or larger) output on a CPU with vector lanes (a matmul, a linear layer, a
     * convolution): each work item computes a register tile of outputs, columns along the last output axis in
     * whole vectors and rows along another, so that each element loaded in the reduction's loop feeds several
     * fused multiply-adds (a matmul's row of B is loaded once per k for every row of the tile, A's element once for
     * every column), and consecutive items cover a block of tiles ({@link #CPU_BLOCKS}). The first tile of
     * {@link #cpuTiles} that fits, over the axis that gives it the most multiply-adds per load, if the Java
     * renderer can write it as vectors; null when none applies. CPUTILE=RxC forces a tile, RxC/BRxBC also its
     * block of tiles, CPUTILE=0 turns tiles off.
     */
    private static LinearKernel cpuTiled(Kernel k, int lanes) {
        int c = tiledColumns(k, lanes);
        if (c < 0) return null;
        String setting = Settings.CPUTILE.get();
        if (setting.equals("0")) return null;
        String[] forced = setting.split("/");
        int[][] tiles = setting.isEmpty() ? cpuTiles(lanes)
                : new int[][]{sides(forced[0])};
        int[][] blocks = forced.length > 1
                ? new int[][]{sides(forced[1])}
                : setting.isEmpty() ? CPU_BLOCKS : new int[0][];
        for (int[] t : tiles) {
            TileAxis best = tileAxis(k, c, t, lanes);
            // A tile that loads about as much as it computes gains nothing over a row of lanes.
            if (best == null || (setting.isEmpty() && best.score() <= 1.2)) continue;
            for (int[] b : blocks) {
                if (!best.fits(b)) continue;
                try {
                    return Linearizer.linearize(k, best.up(), 0, b[0], b[1]);
                } catch (Linearizer.CannotUpcast e) {
                    // no block of this shape: the next
                }
            }
            return Linearizer.linearize(k, best.up());
        }
        return null;
    }

    /**
     * Every register-tiled layout of {@code k} a CPU with {@code lanes} lanes can run as vectors, for BEAM: each tile
     * of {@link #allCpuTiles} (fitting the registers or not, and one vector wide) over the axis with the most
     * multiply-adds per load, with each block of {@link #CPU_BLOCKS} that divides it and with none; best tiles by
     * that measure first.
     */
    static List<LinearKernel> cpuTileChoices(Kernel k, int lanes) {
        List<LinearKernel> found = new ArrayList<>();
        int c = tiledColumns(k, lanes);
        if (c < 0) return found;
        List<int[]> tiles = new ArrayList<>(List.of(allCpuTiles(lanes)));
        tiles.add(new int[]{8, lanes});
        tiles.add(new int[]{4, lanes});
        List<TileAxis> scored = new ArrayList<>();
        for (int[] t : tiles) {
            TileAxis best = tileAxis(k, c, t, lanes);
            if (best != null) scored.add(best);
        }
        scored.sort(Comparator.comparingDouble(x -> -x.score()));
        for (TileAxis t : scored) {
            for (int[] b : CPU_BLOCKS) {
                if (!t.fits(b)) continue;
                try {
                    found.add(Linearizer.linearize(k, t.up(), 0, b[0], b[1]));
                } catch (Linearizer.CannotUpcast e) {
                    // no block of this shape
                }
            }
            try {
                found.add(Linearizer.linearize(k, t.up()));
            } catch (Linearizer.CannotUpcast e) {
                // not without a block either
            }
        }
        return found;
    }

    /** The output axis a CPU tile puts its columns on (the last longer than one), or -1 where {@code k} is not tiled. */
    private static int tiledColumns(Kernel k, int lanes) {
        int[] out = k.outShape();
        if (topReduce(k.root()) == null || View.numel(out) < 4L * lanes) return -1;
        int c = out.length - 1;
        while (c >= 0 && out[c] == 1) c--;
        return c;
    }

    /** A register tile over rows along one axis and columns along another, with how many tiles each side holds. */
    private record TileAxis(Linearizer.Upcast up, int rowTiles, int colTiles, double score) {
        /** Whether a block of b[0] x b[1] tiles divides the grid of tiles (and is not all of it). */
        boolean fits(int[] b) {
            return rowTiles % b[0] == 0 && colTiles % b[1] == 0 && !(rowTiles == b[0] && colTiles == b[1]);
        }
    }

    /**
     * Tile {@code t} (rows x columns) with its columns on axis {@code c} and its rows on the axis that gives it the
     * most multiply-adds per load, if the Java renderer can write it as vectors; null where no axis does.
     */
    private static TileAxis tileAxis(Kernel k, int c, int[] t, int lanes) {
        int[] out = k.outShape();
        int bestAxis = -1;
        double bestScore = 0;
        for (int r = 0; r < c; r++) {
            if (out[r] == 1 || out[r] % t[0] != 0 || out[c] % t[1] != 0) continue;
            LinearKernel lk;
            try {
                lk = Linearizer.linearize(k, Linearizer.Upcast.tile(r, t[0], c, t[1], 1));
            } catch (Linearizer.CannotUpcast e) {
                continue;
            }
            if (!JavaRenderer.vectorizes(lk, lanes)) continue;
            double score = CostModel.fmasPerLoad(lk, lanes);
            if (score > bestScore + 1e-9) {
                bestAxis = r;
                bestScore = score;
            }
        }
        return bestAxis < 0 ? null
                : new TileAxis(Linearizer.Upcast.tile(bestAxis, t[0], c, t[1], 1), out[bestAxis] / t[0], out[c] / t[1], bestScore);
    }

    /** {rows, columns} of a measuring knob's "RxC" (GPUTILE, CPUTILE). */
    private static int[] sides(String rxc) {
        String[] p = rxc.split("x");
        return new int[]{Integer.parseInt(p[0]), Integer.parseInt(p[1])};
    }

    /** CPU upcasts by {@code lanes}: along the last output axis longer than one, and along a reduction's innermost axis. */
    static List<Linearizer.Upcast> candidates(Kernel k, int lanes) {
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

    private static boolean containsReduce(KNode n) { return topReduce(n) != null; }

    /** The reduction a kernel's value is computed from, through element-wise ops and views; null if none. */
    static KNode.Reduce topReduce(KNode n) {
        return switch (n) {
            case KNode.Reduce r -> r;
            case KNode.Alu a -> a.src().stream().map(Heuristics::topReduce).filter(Objects::nonNull).findFirst().orElse(null);
            case KNode.ViewOf v -> topReduce(v.src());
            default -> null;
        };
    }
}
