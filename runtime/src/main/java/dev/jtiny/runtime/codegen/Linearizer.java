// Turns a kernel's input graph into a flat list of statements: loops for reductions, loads with index math.
package dev.jtiny.runtime.codegen;

import dev.jtiny.runtime.Settings;
import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.Op;
import dev.jtiny.runtime.view.Expr;
import dev.jtiny.runtime.view.ShapeTracker;
import dev.jtiny.runtime.view.View;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Each work item computes one output element, or {@code lanes} of them when the kernel is upcast along an output
 * axis; a reduction upcast along its reduced axis keeps one partial per lane and combines them after the loop.
 * A node is emitted once per distinct index it is read at (common subexpressions are shared, also across a
 * diamond, and values that are the same for every lane are computed once), inside the innermost loop or guard
 * that needs it.
 */
public final class Linearizer {
    /**
     * How a kernel is upcast: none, along output axis {@code axis}, or along reduced axis {@code axis}; or, with
     * {@code axis2 >= 0}, along two output axes at once (a register tile of {@code lanes / lanes2} by
     * {@code lanes2} outputs per work item: lane {@code l} is row {@code l / lanes2}, column {@code l % lanes2}).
     */
    public record Upcast(int lanes, boolean onReduce, int axis, int axis2, int lanes2, int unroll, int stage, int prefetch) {
        public static final Upcast NONE = new Upcast(1, false, -1);

        /**
         * {@link #prefetch}: 0, or each chunk's reads from global memory issued one chunk ahead, into registers,
         * before the math on the chunk in local memory, so the reads are in flight while the items compute; stored
         * behind a second barrier ({@code PREFETCHED}), or into the other half of arrays twice the chunk's size, chunk
         * {@code j} read from half {@code j % 2}, so one barrier per chunk is enough ({@code DOUBLE_BUFFERED}).
         */
        public static final int PREFETCHED = 1, DOUBLE_BUFFERED = 2;

        public Upcast(int lanes, boolean onReduce, int axis) { this(lanes, onReduce, axis, -1, 1, 1, 0, 0); }

        public Upcast(int lanes, boolean onReduce, int axis, int axis2, int lanes2, int unroll) {
            this(lanes, onReduce, axis, axis2, lanes2, unroll, 0, 0);
        }

        /**
         * The same tile with its reduction staged through work-group memory, {@code chunk} elements of the reduced
         * axis at a time ({@code prefetch} as {@link #PREFETCHED}): the group's items first copy the chunk of each
         * input their block reads (coalesced, each element once), wait, then compute from the copy. Needs a block
         * of at most {@link #STAGE_GROUP} items.
         */
        public Upcast staged(int chunk, int prefetch) { return new Upcast(lanes, onReduce, axis, axis2, lanes2, unroll, chunk, prefetch); }

        /**
         * A {@code rows} x {@code cols} tile of outputs along output axes {@code axis} and {@code axis2}; the
         * reduction's innermost loop is unrolled {@code unroll} times (consecutive elements: wide loads).
         */
        public static Upcast tile(int axis, int rows, int axis2, int cols, int unroll) {
            return new Upcast(rows * cols, false, axis, axis2, cols, unroll);
        }
    }

    /** The most work items a staged kernel's block (its work-group: they share the copies) may have. */
    public static final int STAGE_GROUP = 256;

    /**
     * The most work-group memory a staged kernel may use: 48 KiB, what OpenCL GPUs commonly offer a work-group
     * (NVIDIA's driver reports 48 KiB on an H200).
     */
    static final long SHARED_BYTES = 48 * 1024;

    /** Thrown when an upcast cannot be expressed (a guard that differs per lane); the caller tries another. */
    public static final class CannotUpcast extends RuntimeException {
        CannotUpcast() { super(null, null, false, false); }
    }

    private final Upcast upcast;
    private final Expr lane;
    /** Grouped reduction: items per work-group (0: none), and the item's number in its group. */
    private final int group;
    private final Expr lid;
    private int guardDepth;
    private final List<UOp> uops = new ArrayList<>();
    private final Set<String> vec = new HashSet<>();
    private final Deque<Map<Object, String>> scopes = new ArrayDeque<>();
    private final Deque<Long> loopExtents = new ArrayDeque<>();
    private final Map<KNode, Integer> ids = new IdentityHashMap<>();
    private int nextVar, nextLoop, reduceDepth, nextShared;
    /**
     * A tiled kernel's block, for staging: the output axes of its rows and columns, where the block starts along
     * each ({@code base}), the output's offset from there for this item and lane ({@code local}), and the block's
     * extent in outputs ({@code span}).
     */
    private int rowSpan, colSpan, blockItems;
    private Expr rowBase, rowLocal, colBase, colLocal, inBlockItem;
    /** A tiled kernel's output index along its rows and its columns (the base plus the local offset). */
    private Expr rowIndex, colIndex;
    /** Values a staged reduction reads from work-group memory: the array, its pitch per reduced element, the item's offset. */
    private record StagedLoad(String array, int pitch, Expr local) {}
    private final Map<KNode, StagedLoad> staged = new IdentityHashMap<>();
    /** The chunk offset along the reduced axis that staged loads read at. */
    private Expr stagedK;
    private final List<UOp> shared = new ArrayList<>();
    private boolean grouped;
    private long flops;

    private Linearizer(Upcast upcast, int group) {
        this.upcast = upcast;
        this.lane = upcast.lanes > 1 ? Expr.var(Lanes.LANE, 0, upcast.lanes - 1) : null;
        this.group = group;
        this.lid = group > 0 ? Expr.var(LID, 0, group - 1) : null;
        scopes.push(new HashMap<>());
    }

    public static LinearKernel linearize(Kernel k) { return linearize(k, Upcast.NONE); }

    /** Work items a looped kernel keeps at least, where its output has that many along its leading axes. */
    static final long LOOPED_ITEMS = 64;

    /**
     * A scalar kernel for a CPU: work items over the leading output axes (the fewest whose product reaches
     * {@link #LOOPED_ITEMS}), loops over the others inside each item. A flat work item divides its number into
     * every axis again for each element; in loops, the index math of the outer axes is computed once per row (the
     * JIT hoists it), which is most of a gather's cost (a convolution's windows copied into panels). The plain
     * layout where every axis is needed for work items.
     */
    public static LinearKernel looped(Kernel k) {
        int[] out = k.outShape();
        int split = 0;
        long items = 1;
        while (split < out.length && items < LOOPED_ITEMS) items *= out[split++];
        int loops = 0;
        for (int i = split; i < out.length; i++) if (out[i] > 1) loops++;
        if (loops == 0) return linearize(k);
        Linearizer l = new Linearizer(Upcast.NONE, 0);
        int[] global = out.clone();
        for (int i = split; i < out.length; i++) global[i] = 1;
        long n = View.numel(global);
        Expr[] idx = ShapeTracker.unravel(Expr.var("gidx", 0, Math.max(n - 1, 0)), global);
        for (int i = split; i < out.length; i++) {
            if (out[i] == 1) continue;
            String j = "oidx" + i;
            l.uops.add(new UOp.Loop(j, out[i]));
            l.loopExtents.push((long) out[i]);
            l.scopes.push(new HashMap<>());
            idx[i] = Expr.var(j, 0, out[i] - 1);
        }
        String v = l.emit(k.root(), idx);
        Expr flat = storeIndex(out, idx);
        l.uops.add(new UOp.Store(0, k.argTypes().getFirst(), flat, v, false));
        for (int i = 0; i < loops; i++) {
            l.scopes.pop();
            l.loopExtents.pop();
            l.uops.add(new UOp.End());
        }
        return new LinearKernel(name(k), List.copyOf(l.uops), k.argTypes(), (int) n, 1, l.flops * n, k.fusedOps(),
                Plan.looped(split), 0, 0);
    }

    /** Where the output element at per-axis index {@code idx} of the row-major {@code out} is stored. */
    private static Expr storeIndex(int[] out, Expr[] idx) {
        int[] strides = View.canonicalStrides(out);
        Expr flat = Expr.num(0);
        for (int i = 0; i < out.length; i++) if (out[i] != 1) flat = Expr.add(flat, Expr.mul(idx[i], strides[i]));
        return flat;
    }

    /** The variable a grouped kernel's statements read their work item's number in its group from. */
    public static final String LID = "lid";

    public static LinearKernel linearize(Kernel k, Upcast up) { return linearize(k, up, 0); }

    /**
     * With {@code group > 0}, a work-group of {@code group} items computes each output element: every reduction
     * at the top of the kernel splits one of its reduced axes across the group (item {@code lid} takes elements
     * {@code lid}, {@code lid + group}, ...) and the partials are combined in local memory; item 0 stores.
     */
    public static LinearKernel linearize(Kernel k, Upcast up, int group) { return linearize(k, up, group, 0); }

    /**
     * With {@code tile > 0} (a kernel upcast along two output axes), consecutive work items cover a {@code tile} x
     * {@code tile} square of register tiles, so that a work-group of {@code tile * tile} items reads one band of each
     * input many times from cache instead of one long strip once.
     */
    public static LinearKernel linearize(Kernel k, Upcast up, int group, int tile) {
        return linearize(k, up, group, tile, tile);
    }

    /**
     * The same with a {@code tileRows} x {@code tileCols} block of work items (along the upcast's first and second
     * axis): a rectangle fits outputs whose sides a square does not divide (a convolution's 56-wide rows), and
     * changes which band of each input a work-group shares. Zero for both: no blocks.
     */
    public static LinearKernel linearize(Kernel k, Upcast up, int group, int tileRows, int tileCols) {
        if ((tileRows > 0) != (tileCols > 0)) throw new IllegalArgumentException("a block has two sides or none");
        if (group > 0 && up.lanes > 1) throw new IllegalArgumentException("a kernel is either upcast or grouped");
        Linearizer l = new Linearizer(up, group);
        int[] out = k.outShape();
        int[] global = out.clone();
        boolean two = up.axis2 >= 0;
        if (two) {
            global[up.axis] /= up.lanes / up.lanes2;
            global[up.axis2] /= up.lanes2;
        } else if (up.lanes > 1 && !up.onReduce) {
            global[up.axis] /= up.lanes;
        }
        if (group > 0) {
            LinearKernel rows = l.rowKernel(k, out);
            if (rows != null) return rows;
        }
        long n = View.numel(global);
        Expr gidx = Expr.var("gidx", 0, Math.max(n - 1, 0));
        Expr[] idx;
        if (group > 0 && !l.inner.isEmpty()) l.precompute(gidx, out);
        if (tileRows > 0) {
            if (!two || global[up.axis] % tileRows != 0 || global[up.axis2] % tileCols != 0) throw new CannotUpcast();
            // gidx = (outer block, row in block, column in block): blocks of tileRows x tileCols items, row-major.
            int[] blocks = global.clone();
            blocks[up.axis] /= tileRows;
            blocks[up.axis2] /= tileCols;
            long items = (long) tileRows * tileCols;
            Expr inBlock = Expr.mod(gidx, items);
            idx = ShapeTracker.unravel(Expr.div(gidx, items), blocks);
            int tr = up.lanes / up.lanes2, tc = up.lanes2;
            l.rowSpan = tileRows * tr;
            l.colSpan = tileCols * tc;
            l.inBlockItem = inBlock;
            l.blockItems = tileRows * tileCols;
            l.rowBase = Expr.mul(idx[up.axis], (long) tileRows * tr);
            l.colBase = Expr.mul(idx[up.axis2], (long) tileCols * tc);
            l.rowLocal = Expr.add(Expr.mul(Expr.div(inBlock, tileCols), tr), Expr.div(l.lane, tc));
            l.colLocal = Expr.add(Expr.mul(Expr.mod(inBlock, tileCols), tc), Expr.mod(l.lane, tc));
            idx[up.axis] = Expr.add(Expr.mul(idx[up.axis], tileRows), Expr.div(inBlock, tileCols));
            idx[up.axis2] = Expr.add(Expr.mul(idx[up.axis2], tileCols), Expr.mod(inBlock, tileCols));
        } else {
            idx = ShapeTracker.unravel(gidx, global);
        }
        if (two) {
            idx[up.axis] = Expr.add(Expr.mul(idx[up.axis], up.lanes / up.lanes2), Expr.div(l.lane, up.lanes2));
            idx[up.axis2] = Expr.add(Expr.mul(idx[up.axis2], up.lanes2), Expr.mod(l.lane, up.lanes2));
            l.rowIndex = idx[up.axis];
            l.colIndex = idx[up.axis2];
        } else if (up.lanes > 1 && !up.onReduce) {
            idx[up.axis] = Expr.add(Expr.mul(idx[up.axis], up.lanes), l.lane);
        }
        if (up.stage > 0 && (tileRows == 0 || tileRows * tileCols > STAGE_GROUP)) throw new CannotUpcast();
        String v = l.emit(k.root(), idx);
        if (up.stage > 0 && l.shared.isEmpty()) throw new CannotUpcast(); // nothing was staged
        long sharedBytes = l.shared.stream().mapToLong(u -> (long) ((UOp.Shared) u).size() * ((UOp.Shared) u).dtype().itemSize).sum();
        if (sharedBytes > SHARED_BYTES) throw new CannotUpcast();
        l.uops.addAll(0, l.shared);
        Expr flat = storeIndex(out, idx);
        boolean storeVec = l.lane != null && flat.uses(Lanes.LANE);
        if (group > 0) {
            if (!l.grouped) throw new CannotUpcast(); // nothing to split across a group
            l.uops.add(new UOp.If(Expr.lt(l.lid, 1), false));
        }
        l.uops.add(new UOp.Store(0, k.argTypes().getFirst(), flat, v, storeVec));
        if (group > 0) l.uops.add(new UOp.End());
        return new LinearKernel(name(k), List.copyOf(l.uops), k.argTypes(), (int) n, up.lanes, l.flops * n,
                k.fusedOps(), Plan.of(up, group, tileRows, tileCols), group, up.stage > 0 ? tileRows * tileCols : 0);
    }

    /** Reductions read through a broadcast (per-row values), computed once per work-group before the rest. */
    private List<KNode.Reduce> inner = List.of();
    private final Map<KNode.Reduce, String> precomputed = new IdentityHashMap<>();
    private final Map<KNode.Reduce, List<Expr>> precomputedAt = new IdentityHashMap<>();

    /**
     * A grouped kernel whose output is as wide as the rows it reduces (softmax, layernorm: per-row values broadcast
     * back): one work-group per row computes the row's reductions, then each item writes its share of the row,
     * elements {@code lid}, {@code lid + group}, ... Null when the kernel has another shape.
     */
    private LinearKernel rowKernel(Kernel k, int[] out) {
        inner = broadcastReductions(k.root());
        if (inner.isEmpty() || !directReductions(k.root()).isEmpty()) return null;
        // Only a kernel whose output is as wide as the rows its reductions read; others (a reshaped reduction
        // output, say) precompute them at their own output index.
        if (inner.stream().noneMatch(r -> Arrays.equals(r.src().shape(), out))) return null;
        int axis = out.length - 1;
        while (axis >= 0 && out[axis] == 1) axis--;
        if (axis < 0 || out[axis] % group != 0) throw new CannotUpcast();
        int[] rows = out.clone();
        rows[axis] = 1;
        long n = View.numel(rows);
        Expr gidx = Expr.var("gidx", 0, Math.max(n - 1, 0));
        precompute(gidx, rows);
        String j = "ridx" + nextLoop++;
        uops.add(new UOp.Loop(j, out[axis] / group));
        loopExtents.push((long) out[axis] / group);
        scopes.push(new HashMap<>());
        Expr[] idx = ShapeTracker.unravel(gidx, rows);
        idx[axis] = Expr.add(Expr.mul(Expr.var(j, 0, out[axis] / group - 1), group), lid);
        String v = emit(k.root(), idx);
        Expr flat = storeIndex(out, idx);
        uops.add(new UOp.Store(0, k.argTypes().getFirst(), flat, v, false));
        scopes.pop();
        loopExtents.pop();
        uops.add(new UOp.End());
        return new LinearKernel(name(k), List.copyOf(uops), k.argTypes(), (int) n, 1, flops * n, k.fusedOps(),
                Plan.rows(group), group, 0);
    }

    /** Emits each broadcast reduction once, innermost first, at the row that work-group {@code gidx} owns. */
    private void precompute(Expr gidx, int[] rowsShape) {
        for (KNode.Reduce r : inner) {
            if (View.numel(r.shape()) != View.numel(rowsShape)) throw new CannotUpcast();
            List<Expr> at = List.of(ShapeTracker.unravel(gidx, r.shape()));
            precomputed.put(r, emitReduce(r, at.toArray(Expr[]::new)));
            precomputedAt.put(r, at);
        }
    }

    /** Whether the kernel writes whole rows that its reductions read (a fused softmax or layernorm). */
    public static boolean isRowKernel(Kernel k) {
        return directReductions(k.root()).isEmpty()
                && broadcastReductions(k.root()).stream().anyMatch(r -> Arrays.equals(r.src().shape(), k.outShape()));
    }

    /** Reductions the root reaches only through a view (read broadcast), children before parents. */
    private static List<KNode.Reduce> broadcastReductions(KNode root) {
        Set<KNode.Reduce> direct = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        direct.addAll(directReductions(root));
        List<KNode.Reduce> all = new ArrayList<>();
        collectReductions(root, all, java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
        return all.stream().filter(r -> !direct.contains(r)).toList();
    }

    private static void collectReductions(KNode n, List<KNode.Reduce> out, Set<KNode> seen) {
        if (!seen.add(n)) return;
        switch (n) {
            case KNode.Reduce r -> { collectReductions(r.src(), out, seen); out.add(r); }
            case KNode.Alu a -> a.src().forEach(x -> collectReductions(x, out, seen));
            case KNode.ViewOf v -> collectReductions(v.src(), out, seen);
            default -> {}
        }
    }

    /** Reductions reached from the root through elementwise ops alone: they compute the output's own elements. */
    static List<KNode.Reduce> directReductions(KNode n) {
        return switch (n) {
            case KNode.Reduce r -> List.of(r);
            case KNode.Alu a -> a.src().stream().flatMap(x -> directReductions(x).stream()).toList();
            default -> List.of();
        };
    }

    private record Key(Object node, List<Expr> idx) {}

    private String lookup(Object key) {
        for (Map<Object, String> s : scopes) {
            String v = s.get(key);
            if (v != null) return v;
        }
        return null;
    }

    private String fresh(String prefix) { return prefix + nextVar++; }

    private long work() {
        long w = 1;
        for (long e : loopExtents) w *= e;
        return w;
    }

    private boolean laneDependent(Expr e) { return lane != null && e.uses(Lanes.LANE); }

    private String emit(KNode node, Expr[] idx) {
        Object id = node instanceof KNode.Load || node instanceof KNode.Const ? node : ids.computeIfAbsent(node, n -> ids.size());
        Key key = new Key(id, List.of(idx));
        String hit = lookup(key);
        if (hit != null) return hit;
        String out = switch (node) {
            case KNode n when staged.containsKey(n) -> {
                StagedLoad st = staged.get(n);
                Expr index = Expr.add(Expr.mul(stagedK, st.pitch()), st.local());
                String name = fresh("val");
                boolean v = laneDependent(index);
                uops.add(new UOp.SharedLoad(name, n.dtype(), st.array(), index, v));
                if (v) vec.add(name);
                yield name;
            }
            case KNode.Load l -> {
                Expr[] fv = l.st().expr(idx);
                String name = fresh("val");
                boolean v = laneDependent(fv[0]) || laneDependent(fv[1]);
                if (fv[1].equals(Expr.FALSE)) uops.add(new UOp.Const(name, l.dtype(), 0, Expr.TRUE, false));
                else uops.add(new UOp.Load(name, l.dtype(), l.arg(), fv[0], fv[1], v));
                if (v && !fv[1].equals(Expr.FALSE)) vec.add(name);
                yield name;
            }
            case KNode.Const c -> {
                Expr valid = c.st().expr(idx)[1];
                String name = fresh("const");
                boolean v = laneDependent(valid);
                uops.add(new UOp.Const(name, c.dtype(), c.value(), valid, v));
                if (v) vec.add(name);
                yield name;
            }
            case KNode.Alu a -> {
                List<String> args = new ArrayList<>();
                for (KNode s : a.src()) args.add(emit(s, idx));
                String name = fresh("alu");
                boolean v = args.stream().anyMatch(vec::contains);
                DType srcType = a.op() == Op.WHERE ? a.src().get(1).dtype() : a.src().getFirst().dtype();
                uops.add(new UOp.Alu(name, a.dtype(), a.op(), srcType, args, v));
                if (v) vec.add(name);
                if (a.op() != Op.CAST) flops += work() * (v ? upcast.lanes : 1);
                yield name;
            }
            case KNode.Reduce r when precomputed.containsKey(r) -> precomputedAt(r, idx);
            case KNode.Reduce r -> emitReduce(r, idx);
            case KNode.ViewOf v when v.src() instanceof KNode.Reduce r && precomputed.containsKey(r) -> {
                Expr[] fv = v.st().expr(idx);
                if (!fv[1].equals(Expr.TRUE)) throw new CannotUpcast();
                yield precomputedAt(r, ShapeTracker.unravel(fv[0], r.shape()));
            }
            case KNode.ViewOf v -> {
                Expr[] fv = v.st().expr(idx);
                // The source is read only where the view is valid (below), so its index may use what that implies.
                Expr[] srcIdx = ShapeTracker.unravel(Expr.within(fv[0], fv[1]), v.src().shape());
                if (fv[1].equals(Expr.TRUE)) yield emit(v.src(), srcIdx);
                if (laneDependent(fv[1])) throw new CannotUpcast();
                String name = fresh("view");
                int def = uops.size();
                uops.add(new UOp.DefineVar(name, v.dtype(), 0, false));
                if (!fv[1].equals(Expr.FALSE)) {
                    // Padding: the source is only evaluated where the view is valid, so it never reads out of bounds.
                    uops.add(new UOp.If(fv[1], false));
                    scopes.push(new HashMap<>());
                    guardDepth++;
                    String value = emit(v.src(), srcIdx);
                    guardDepth--;
                    boolean isVec = vec.contains(value);
                    uops.add(new UOp.Assign(name, value, isVec));
                    scopes.pop();
                    uops.add(new UOp.End());
                    if (isVec) {
                        uops.set(def, new UOp.DefineVar(name, v.dtype(), 0, true));
                        vec.add(name);
                    }
                }
                yield name;
            }
        };
        scopes.peek().put(key, out);
        return out;
    }

    /** A precomputed reduction's value, read at {@code idx}: only at the row it was computed for. */
    private String precomputedAt(KNode.Reduce r, Expr[] idx) {
        if (!List.of(idx).equals(precomputedAt.get(r))) throw new CannotUpcast();
        return precomputed.get(r);
    }

    private String emitReduce(KNode.Reduce r, Expr[] idx) {
        if (upcast.stage > 0 && reduceDepth == 0) return emitStagedReduce(r, idx);
        int[] srcShape = r.src().shape();
        Expr[] inner = idx.clone();
        List<Integer> axes = Arrays.stream(r.axes()).sorted().boxed().toList();
        boolean laneSplit = lane != null && upcast.onReduce && reduceDepth == 0 && axes.contains(upcast.axis)
                && srcShape[upcast.axis] % upcast.lanes == 0;
        int groupAxis = -1;
        if (group > 0 && reduceDepth == 0) {
            // The innermost reduced axis that the group divides: consecutive items read consecutive elements.
            for (int a : axes) if (srcShape[a] % group == 0) groupAxis = a;
            if (groupAxis < 0 || guardDepth > 0) throw new CannotUpcast();
        }
        String acc = fresh("acc");
        int def = uops.size();
        uops.add(new UOp.DefineVar(acc, r.dtype(), r.op().identity(), laneSplit));
        int unroll = reduceDepth == 0 && upcast.unroll > 1 && srcShape[axes.getLast()] % upcast.unroll == 0 ? upcast.unroll : 1;
        for (int a : axes) {
            String var = "ridx" + nextLoop++;
            long extent = srcShape[a];
            if (unroll > 1 && a == axes.getLast()) {
                extent /= unroll;
                inner[a] = Expr.mul(Expr.var(var, 0, extent - 1), unroll); // + u below
            } else if (laneSplit && a == upcast.axis) {
                extent /= upcast.lanes;
                inner[a] = Expr.add(Expr.mul(Expr.var(var, 0, extent - 1), upcast.lanes), lane);
            } else if (a == groupAxis) {
                extent /= group;
                inner[a] = Expr.add(Expr.mul(Expr.var(var, 0, extent - 1), group), lid);
            } else {
                inner[a] = Expr.var(var, 0, extent - 1);
            }
            uops.add(new UOp.Loop(var, extent));
            loopExtents.push(extent);
        }
        scopes.push(new HashMap<>());
        reduceDepth++;
        List<String> values = new ArrayList<>();
        Expr base = inner[axes.getLast()];
        for (int u = 0; u < unroll; u++) {
            if (unroll > 1) inner[axes.getLast()] = Expr.add(base, u);
            values.add(emit(r.src(), inner));
        }
        reduceDepth--;
        boolean accVec = laneSplit || values.stream().anyMatch(vec::contains);
        if (accVec && !laneSplit) uops.set(def, new UOp.DefineVar(acc, r.dtype(), r.op().identity(), true));
        for (String v : values) {
            uops.add(new UOp.Accumulate(acc, r.dtype(), r.op().accumulate(), v, accVec));
        }
        flops += work() * (accVec ? upcast.lanes : 1) * unroll;
        scopes.pop();
        for (int ignored : axes) {
            uops.add(new UOp.End());
            loopExtents.pop();
        }
        if (laneSplit) {
            String total = fresh("acc");
            uops.add(new UOp.LaneReduce(total, r.dtype(), r.op().accumulate(), acc));
            return total;
        }
        if (groupAxis >= 0) {
            String total = fresh("acc");
            uops.add(new UOp.GroupReduce(total, r.dtype(), r.op().accumulate(), acc, group));
            grouped = true;
            return total;
        }
        if (accVec) vec.add(acc);
        return acc;
    }

    /**
     * A tiled reduction whose inputs each vary along the block's rows or its columns (a matmul's A and B, a
     * convolution's filters and input window): for each chunk of {@code stage} elements of the reduced axes (taken
     * together, row-major: a convolution's input channels, filter rows and filter columns count as one axis of
     * their product), the block's items copy the chunk of every such input their block reads into work-group
     * memory (each element once, consecutive items at consecutive addresses along whichever of the two axes is
     * contiguous in memory), wait, and run the chunk's loop on the copies; inputs that vary along neither are read
     * directly.
     */
    private String emitStagedReduce(KNode.Reduce r, Expr[] idx) {
        int[] srcShape = r.src().shape();
        // linearize() checked that the kernel is tiled in a block of at most STAGE_GROUP items.
        if (guardDepth > 0) throw new CannotUpcast();
        int[] axes = Arrays.stream(r.axes()).sorted().toArray();
        int[] extents = Arrays.stream(axes).map(x -> srcShape[x]).toArray();
        int chunk = upcast.stage;
        long extent = View.numel(extents);
        if (extent % chunk != 0 || extent == chunk) throw new CannotUpcast();
        int unroll = upcast.unroll > 1 && chunk % upcast.unroll == 0 ? upcast.unroll : 1;
        String acc = fresh("acc");
        uops.add(new UOp.DefineVar(acc, r.dtype(), r.op().identity(), true));
        Expr[] probe = idx.clone();
        reduced(probe, axes, extents, Expr.var("kprobe", 0, extent - 1));
        // The reduction's own axes along the block's rows and columns: the kernel may view its output (a
        // convolution's reshape), and a view that splits or merges them is not staged.
        int rowAxis = List.of(idx).indexOf(rowIndex), colAxis = List.of(idx).indexOf(colIndex);
        if (rowAxis < 0 || colAxis < 0) throw new CannotUpcast();
        probe[rowAxis] = Expr.var("rprobe", 0, rowSpan - 1);
        probe[colAxis] = Expr.var("cprobe", 0, colSpan - 1);
        List<Unit> units = new ArrayList<>();
        stageUnits(r.src(), probe, List.of(), units);
        List<Copy> copies = new ArrayList<>();
        for (Unit unit : units) {
            Copy same = copies.stream().filter(c -> c.unit() == unit.node()).findFirst().orElse(null);
            if (same != null && !same.views().equals(unit.views())) throw new CannotUpcast(); // read at two places
            if (same != null) continue;
            boolean rows = dependence(unit.node(), unit.probe())[0];
            int span = rows ? rowSpan : colSpan;
            // Which of the two runs along memory (for the unit's first load): consecutive items copy consecutive addresses.
            Expr address = firstAddress(unit.node(), unit.probe());
            boolean kFirst = address != null && address.substitute("kprobe", 1).equals(Expr.add(address.substitute("kprobe", 0), 1));
            String array = "lds" + nextShared++;
            // Copied along the reduced axis, consecutive items store a chunk's column apart: a pitch of a multiple of
            // 32 floats would put them all in a few of the 32 banks, so each row of the copy is padded.
            int pitch = span + (kFirst && span % 32 == 0 ? Settings.LDSPAD.getInt() : 0);
            shared.add(new UOp.Shared(array, unit.node().dtype(), chunk * pitch * (upcast.prefetch == Upcast.DOUBLE_BUFFERED ? 2 : 1)));
            copies.add(new Copy(unit.node(), unit.views(), array, span, pitch, rows, kFirst));
        }
        long chunks = extent / chunk;
        String j = "ridx" + nextLoop++;
        Expr chunkIndex = Expr.var(j, 0, chunks - 1), chunkStart = Expr.mul(chunkIndex, chunk);
        StagedChunk at = new StagedChunk(idx, axes, extents, chunk, rowAxis, colAxis);
        boolean ahead = upcast.prefetch > 0, doubled = upcast.prefetch == Upcast.DOUBLE_BUFFERED;
        // With two buffers, chunk j is in half j % 2 of each array: where it is read and the next is stored.
        java.util.function.Function<Copy, Expr> half = c -> doubled ? Expr.mul(Expr.mod(chunkIndex, 2), (long) chunk * c.pitch()) : Expr.num(0);
        java.util.function.Function<Copy, Expr> otherHalf = c -> Expr.mul(Expr.mod(Expr.add(chunkIndex, 1), 2), (long) chunk * c.pitch());
        if (ahead) { // the first chunk, before the loop
            for (CopyValue v : copyValues(copies, at, Expr.num(0))) store(v, Expr.num(0));
            uops.add(new UOp.Barrier());
        }
        uops.add(new UOp.Loop(j, chunks));
        loopExtents.push(chunks);
        List<CopyValue> next = new ArrayList<>();
        if (ahead) { // the next chunk into registers, declared before the guard that fills them
            int declarations = uops.size();
            uops.add(new UOp.If(Expr.lt(chunkIndex, chunks - 1), false));
            guardDepth++;
            List<CopyValue> values = copyValues(copies, at, Expr.add(chunkStart, chunk));
            guardDepth--;
            List<UOp> registers = new ArrayList<>();
            for (CopyValue v : values) {
                String register = fresh("next");
                registers.add(new UOp.DefineVar(register, v.copy().unit().dtype(), 0, false));
                uops.add(new UOp.Assign(register, v.value(), false));
                next.add(new CopyValue(v.copy(), v.index(), register, v.inRange()));
            }
            uops.add(new UOp.End());
            uops.addAll(declarations, registers);
        } else {
            for (CopyValue v : copyValues(copies, at, chunkStart)) store(v, Expr.num(0));
            uops.add(new UOp.Barrier());
        }
        for (Copy c : copies) {
            staged.put(c.unit(), new StagedLoad(c.array(), c.pitch(), Expr.add(half.apply(c), c.rows() ? rowLocal : colLocal)));
        }
        String k = "ridx" + nextLoop++;
        uops.add(new UOp.Loop(k, chunk / unroll));
        loopExtents.push((long) chunk / unroll);
        scopes.push(new HashMap<>());
        reduceDepth++;
        List<String> values = new ArrayList<>();
        Expr[] inner = idx.clone();
        for (int u = 0; u < unroll; u++) {
            stagedK = Expr.add(Expr.mul(Expr.var(k, 0, chunk / unroll - 1), unroll), u);
            reduced(inner, axes, extents, Expr.add(chunkStart, stagedK));
            values.add(emit(r.src(), inner));
        }
        reduceDepth--;
        for (String v : values) uops.add(new UOp.Accumulate(acc, r.dtype(), r.op().accumulate(), v, true));
        flops += work() * upcast.lanes * unroll;
        scopes.pop();
        uops.add(new UOp.End());
        loopExtents.pop();
        if (doubled) { // into the half no item reads now; the barrier then ends this chunk for every item
            for (CopyValue v : next) store(v, otherHalf.apply(v.copy()));
            uops.add(new UOp.Barrier());
        } else {
            uops.add(new UOp.Barrier()); // the next chunk's copies must not overwrite what a slower item still reads
            if (ahead) {
                for (CopyValue v : next) store(v, Expr.num(0));
                uops.add(new UOp.Barrier());
            }
        }
        uops.add(new UOp.End());
        loopExtents.pop();
        staged.clear();
        vec.add(acc);
        return acc;
    }

    /** Sets the reduced axes of {@code idx} to the element {@code flat} of their row-major product. */
    private static void reduced(Expr[] idx, int[] axes, int[] extents, Expr flat) {
        Expr[] each = ShapeTracker.unravel(flat, extents);
        for (int i = 0; i < axes.length; i++) idx[axes[i]] = each[i];
    }

    /**
     * The largest parts of a staged reduction's source that vary along only one side of the block (rows or
     * columns): a load, or a computation on one such as a scaled or cast operand. What varies along neither is
     * left to be computed in the loop; an ALU op on both sides is split into its operands, and so is a view of one
     * that only reshapes or permutes (split-k's parts); anything else that varies along both (a padded view of a
     * mixed computation, a nested reduction) cannot be staged.
     */
    private static void stageUnits(KNode n, Expr[] probe, List<KNode.ViewOf> views, List<Unit> out) {
        boolean[] d = dependence(n, probe);
        if (d[0] != d[1]) out.add(new Unit(n, views, probe));
        else if (d[0]) {
            if (n instanceof KNode.Alu a) {
                for (KNode x : a.src()) stageUnits(x, probe, views, out);
            } else if (n instanceof KNode.ViewOf v && v.st().expr(probe)[1].equals(Expr.TRUE)) {
                List<KNode.ViewOf> inner = new ArrayList<>(views);
                inner.add(v);
                stageUnits(v.src(), throughView(v, probe), List.copyOf(inner), out);
            } else {
                throw new CannotUpcast();
            }
        }
    }

    /** The index into a view's source that reading the view at {@code idx} reads. */
    private static Expr[] throughView(KNode.ViewOf v, Expr[] idx) {
        return ShapeTracker.unravel(v.st().expr(idx)[0], v.src().shape());
    }

    /** A part of a staged reduction's source, reached through {@code views}, with the probe index at it. */
    private record Unit(KNode node, List<KNode.ViewOf> views, Expr[] probe) {}

    /** A part of a staged reduction's source copied into work-group array {@code array}, along rows or columns. */
    private record Copy(KNode unit, List<KNode.ViewOf> views, String array, int span, int pitch, boolean rows, boolean kFirst) {}

    /**
     * One element a work item copies: the value's name, where it goes in its copy's array, and the condition for
     * it to exist (null: always; the block's last pass over a copy whose size its items do not divide).
     */
    private record CopyValue(Copy copy, Expr index, String value, Expr inRange) {}

    /** A staged reduction's output index, its reduced axes with their extents, its chunk, its row and column axes. */
    private record StagedChunk(Expr[] idx, int[] axes, int[] extents, int chunk, int rowAxis, int colAxis) {}

    /**
     * The values this item copies for the chunk starting at {@code chunkStart}: each copy's {@code chunk} x
     * {@code span} elements spread over the block's items, consecutive items at consecutive addresses along
     * whichever axis runs along memory.
     */
    private List<CopyValue> copyValues(List<Copy> copies, StagedChunk st, Expr chunkStart) {
        List<CopyValue> out = new ArrayList<>();
        int chunk = st.chunk();
        long items = blockItems;
        scopes.push(new HashMap<>()); // the copies' values are theirs: the loop reads the arrays
        for (Copy c : copies) {
            long total = (long) chunk * c.span();
            for (long s = 0; s * items < total; s++) {
                Expr e = Expr.add(inBlockItem, s * items);
                Expr kk = c.kFirst() ? Expr.mod(e, chunk) : Expr.div(e, c.span());
                Expr p = c.kFirst() ? Expr.div(e, chunk) : Expr.mod(e, c.span());
                Expr[] at = st.idx().clone();
                reduced(at, st.axes(), st.extents(), Expr.add(chunkStart, kk));
                at[c.rows() ? st.rowAxis() : st.colAxis()] = Expr.add(c.rows() ? rowBase : colBase, p);
                at[c.rows() ? st.colAxis() : st.rowAxis()] = Expr.num(0); // not read: simpler index math through views
                for (KNode.ViewOf v : c.views()) at = throughView(v, at);
                Expr inRange = (s + 1) * items > total ? Expr.lt(e, total) : null;
                String value;
                if (inRange == null) {
                    value = emit(c.unit(), at);
                } else { // past the copy's end on some items: read only where it exists
                    value = fresh("copy");
                    uops.add(new UOp.DefineVar(value, c.unit().dtype(), 0, false));
                    uops.add(new UOp.If(inRange, false));
                    scopes.push(new HashMap<>());
                    guardDepth++;
                    String v = emit(c.unit(), at);
                    guardDepth--;
                    scopes.pop();
                    if (vec.contains(v)) throw new CannotUpcast();
                    uops.add(new UOp.Assign(value, v, false));
                    uops.add(new UOp.End());
                }
                if (vec.contains(value)) throw new CannotUpcast(); // a copy is one value per item
                out.add(new CopyValue(c, Expr.add(Expr.mul(kk, c.pitch()), p), value, inRange));
            }
        }
        scopes.pop();
        return out;
    }

    private void store(CopyValue v, Expr offset) {
        if (v.inRange() != null) uops.add(new UOp.If(v.inRange(), false));
        uops.add(new UOp.SharedStore(v.copy().array(), Expr.add(offset, v.index()), v.value()));
        if (v.inRange() != null) uops.add(new UOp.End());
    }

    /** The address the first load under {@code n} reads for output index {@code idx}; null when it has none. */
    private static Expr firstAddress(KNode n, Expr[] idx) {
        return switch (n) {
            case KNode.Load l -> l.st().expr(idx)[0];
            case KNode.ViewOf v -> firstAddress(v.src(), throughView(v, idx));
            case KNode.Alu a -> a.src().stream().map(x -> firstAddress(x, idx)).filter(java.util.Objects::nonNull).findFirst().orElse(null);
            default -> null;
        };
    }

    /** Whether {@code n}'s value at {@code probe} depends on the block's row probe and on its column probe. */
    private static boolean[] dependence(KNode n, Expr[] probe) {
        return switch (n) {
            case KNode.Load l -> uses(l.st().expr(probe));
            case KNode.Const c -> uses(c.st().expr(probe));
            case KNode.ViewOf v -> uses(v.st().expr(probe));
            case KNode.Alu a -> {
                boolean[] d = new boolean[2];
                for (KNode x : a.src()) {
                    boolean[] e = dependence(x, probe);
                    d[0] |= e[0];
                    d[1] |= e[1];
                }
                yield d;
            }
            case KNode.Reduce r -> new boolean[]{true, true}; // not staged
        };
    }

    private static boolean[] uses(Expr[] indexAndValid) {
        return new boolean[]{indexAndValid[0].uses("rprobe") || indexAndValid[1].uses("rprobe"),
                indexAndValid[0].uses("cprobe") || indexAndValid[1].uses("cprobe")};
    }

    /** E_4_16 for elementwise work over 4x16; r_4_16_32 when 32 elements are reduced per output, and so on. */
    static String name(Kernel k) {
        List<Integer> reduceDims = new ArrayList<>();
        collectReduceDims(k.root(), reduceDims);
        StringBuilder b = new StringBuilder(reduceDims.isEmpty() ? "E" : "r");
        int[] out = k.outShape();
        boolean any = false;
        for (int d : out) if (d != 1) { b.append('_').append(d); any = true; }
        if (!any) b.append("_1");
        for (int d : reduceDims) b.append('_').append(d);
        return b.toString();
    }

    private static void collectReduceDims(KNode n, List<Integer> dims) {
        switch (n) {
            case KNode.Reduce r -> {
                collectReduceDims(r.src(), dims);
                for (int a : r.axes()) dims.add(r.src().shape()[a]);
            }
            case KNode.Alu a -> a.src().forEach(s -> collectReduceDims(s, dims));
            case KNode.ViewOf v -> collectReduceDims(v.src(), dims);
            default -> {}
        }
    }
}
