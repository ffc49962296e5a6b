// What BEAM may time for a kernel: the heuristics' pick, tiled layouts ranked by the cost model, groups, upcasts.
package dev.jtiny.runtime.codegen.opt;

import dev.jtiny.runtime.Settings;
import dev.jtiny.runtime.codegen.KNode;
import dev.jtiny.runtime.codegen.Kernel;
import dev.jtiny.runtime.codegen.LinearKernel;
import dev.jtiny.runtime.codegen.Linearizer;
import dev.jtiny.runtime.codegen.Plan;
import dev.jtiny.runtime.view.View;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

final class SearchSpace {
    private SearchSpace() {}

    /** Register tiles (output rows x columns per work item) BEAM tries; at most 64 outputs, so they stay in registers. */
    static final int[][] BEAM_TILES = {{8, 8}, {16, 4}, {4, 16}, {8, 4}, {4, 8}, {4, 4}, {16, 2}, {2, 16}, {8, 2}, {2, 8}, {4, 2},
            {2, 4}, {2, 2}, {16, 1}, {1, 16}, {8, 1}, {1, 8}, {4, 1}, {1, 4}};
    /** Block shapes tried per register tile: the squarest that fits, then one wider and one taller. */
    static final int BLOCKS_PER_TILE = 3;
    /** Chunks of the reduced axis a staged tile copies into local memory at a time: BEAM tries each. */
    static final int[] STAGES = {8, 16};

    /**
     * What BEAM search may time: the heuristic's choice first; then, for a reduction into a 2-D (or larger) output,
     * register tiles over every pair of output axes ({@link #BEAM_TILES}), each with the reduction's innermost loop
     * unrolled 1, 4 or 8 times or completely when it is short (a convolution's 3 taps), and each with up to
     * {@link #BLOCKS_PER_TILE} shapes of its block of work items; then every work-group size for a grouped
     * reduction and every lane count that applies; on a CPU with vector lanes, every register tile and block of
     * tiles ({@link Heuristics#cpuTileChoices}), each row of lanes and the scalar loops; then the plain kernel.
     * Each choice once. Tiles are listed before
     * the rest for kernels that can be tiled (a matmul or convolution gains most there); Beam ranks them.
     */
    static List<LinearKernel> choices(Kernel k, int lanes, boolean groups, int computeUnits) {
        var out = new LinkedHashMap<Plan, LinearKernel>();
        Consumer<Supplier<LinearKernel>> add = f -> {
            try {
                LinearKernel lk = f.get();
                if (lk != null) out.putIfAbsent(lk.plan(), lk);
            } catch (Linearizer.CannotUpcast e) {
                // not expressible this way
            }
        };
        // Rows of l lanes along each axis where they apply and the cost model sees them pay.
        java.util.function.IntConsumer rowsOfLanes = l -> {
            for (Linearizer.Upcast up : Heuristics.candidates(k, l)) add.accept(() -> {
                LinearKernel lk = Linearizer.linearize(k, up);
                return CostModel.score(lk) > 0 ? lk : null;
            });
        };
        add.accept(() -> Heuristics.optimize(k, lanes, groups, computeUnits));
        if (groups) {
            KNode.Reduce reduce = Heuristics.topReduce(k.root());
            if (reduce != null) {
                for (Tiled t : rankedTiles(k, reduce, computeUnits, Settings.BEAMKEEP.getInt())) add.accept(t::lk);
                for (int g : Heuristics.GROUPS) add.accept(() -> {
                    LinearKernel lk = Linearizer.linearize(k, Linearizer.Upcast.NONE, g);
                    return CostModel.coalesced(lk) ? lk : null;
                });
            }
            rowsOfLanes.accept(2);
            rowsOfLanes.accept(4);
        }
        if (!groups && lanes > 1) {
            // A CPU: every register tile and block of tiles, then each row of lanes, then the scalar loops.
            for (LinearKernel lk : Heuristics.cpuTileChoices(k, lanes)) add.accept(() -> lk);
            rowsOfLanes.accept(lanes);
            add.accept(() -> Linearizer.looped(k));
        }
        add.accept(() -> Linearizer.linearize(k));
        return List.copyOf(out.values());
    }

    /** A tiled layout and the choice it was made from. */
    record Tiled(LinearKernel lk, TileChoice choice) {}

    /**
     * Tiled layouts, best first by {@link CostModel#cost}: first every axis pair and register tile (plain loop,
     * squarest block) is ranked, then the best {@code keep} get every unroll and block shape, ranked within their tile
     * (a block after the squarest counts 15% worse per place, since blocks do not change the model's cost), and
     * the list runs diagonally: the first tile's first variant; the first tile's second and the second tile's first;
     * then three; and so on.
     */
    static List<Tiled> rankedTiles(Kernel k, KNode.Reduce reduce, int computeUnits, int keep) {
        record Ranked(LinearKernel lk, TileChoice choice, List<TileChoice> variants, double key) {}
        var byTile = new LinkedHashMap<List<Integer>, List<TileChoice>>();
        for (TileChoice t : tileChoices(k, reduce)) {
            byTile.computeIfAbsent(List.of(t.rowAxis(), t.rows(), t.colAxis(), t.cols()), x -> new ArrayList<>()).add(t);
        }
        List<Ranked> tiles = new ArrayList<>();
        for (List<TileChoice> variants : byTile.values()) {
            LinearKernel lk = variants.getFirst().linearize(k); // unroll 1, squarest block
            if (lk != null) tiles.add(new Ranked(lk, variants.getFirst(), variants, CostModel.cost(lk, computeUnits)));
        }
        tiles.sort(Comparator.comparingDouble(Ranked::key));
        List<List<Ranked>> families = new ArrayList<>();
        for (Ranked r : tiles.subList(0, Math.min(keep, tiles.size()))) {
            var blockPlace = new HashMap<List<Integer>, Integer>();
            List<Ranked> family = new ArrayList<>();
            for (TileChoice t : r.variants()) {
                int place = blockPlace.computeIfAbsent(List.of(t.blockRows(), t.blockCols()), x -> blockPlace.size());
                LinearKernel lk = t == r.variants().getFirst() ? r.lk() : t.linearize(k);
                if (lk != null) family.add(new Ranked(lk, t, List.of(), CostModel.cost(lk, computeUnits) * (1 + 0.15 * place)));
            }
            family.sort(Comparator.comparingDouble(Ranked::key));
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

    /** Every tiled layout of a reduction kernel whose output has at least two axes longer than one; none when too small. */
    static List<TileChoice> tileChoices(Kernel k, KNode.Reduce reduce) {
        int[] out = k.outShape();
        List<TileChoice> c = new ArrayList<>();
        if (View.numel(out) < (1 << 12)) return c;
        int last = reduce.axes()[0];
        for (int x : reduce.axes()) last = Math.max(last, x);
        int inner = reduce.src().shape()[last];
        var unrolls = new LinkedHashSet<Integer>(List.of(1, Heuristics.TILE_UNROLL, 8));
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
        var stages = new LinkedHashSet<Integer>();
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
                                if (st != Heuristics.STAGE) continue;
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
        Comparator<int[]> square = Comparator.<int[]>comparingDouble(b -> Math.abs(Math.log((double) b[0] / b[1])))
                .thenComparingInt(b -> -b[0] * b[1]);
        List<int[]> picked = new ArrayList<>();
        picked.add(fits.stream().min(square).orElseThrow());
        fits.stream().max(Comparator.<int[]>comparingInt(b -> b[1]).thenComparingInt(b -> b[0] * b[1])).ifPresent(picked::add);
        fits.stream().max(Comparator.<int[]>comparingInt(b -> b[0]).thenComparingInt(b -> b[0] * b[1])).ifPresent(picked::add);
        List<int[]> distinct = new ArrayList<>();
        for (int[] b : picked) {
            if (distinct.stream().noneMatch(d -> Arrays.equals(d, b)) && distinct.size() < BLOCKS_PER_TILE) distinct.add(b);
        }
        return distinct;
    }
}
