// Cuts the lazy graph into kernels with tinygrad's fusion rules: a pure function of the graph and of what its devices can do.
package dev.jtiny.runtime.schedule;

import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.Op;
import dev.jtiny.runtime.device.Capabilities;
import dev.jtiny.runtime.graph.LazyBuffer;
import dev.jtiny.runtime.codegen.KNode;
import dev.jtiny.runtime.codegen.Kernel;
import dev.jtiny.runtime.view.ShapeTracker;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import dev.jtiny.runtime.view.Expr;

/**
 * Rules: elementwise ops fuse into their consumers (recomputed where read twice, which is cheap); a reduction fuses
 * with its elementwise inputs and with what consumes it, also with an outer reduction; a reduced value that is
 * broadcast back, or read by more than one consumer, gets a buffer of its own (recomputing it would cost a whole
 * reduction per read), and so does a large reduction under an outer one with few outputs (one work item would do
 * it all); CONTIGUOUS and COPY always get a buffer; constants never do unless they are the output.
 */
public final class Scheduler {
    /** An outer reduction with fewer outputs than this does not absorb a large inner one. */
    static final long MIN_PARALLEL_OUTPUTS = 64;
    static final long MIN_STARVING_WORK = 1 << 15;

    private Scheduler() {}

    /** One step of a schedule: a kernel that computes {@code out}, or a copy into {@code out}. */
    public sealed interface Item {
        LazyBuffer out();
    }

    /** @param inputs bases whose buffers are kernel arguments 1..n (argument 0 is out) */
    public record KernelItem(LazyBuffer out, Kernel kernel, List<LazyBuffer> inputs) implements Item {}

    public record CopyItem(LazyBuffer out, LazyBuffer src) implements Item {}

    /**
     * One item of a schedule with the graph bases it computes: a kernel's output and every base (constants
     * included) inlined into it, in the order they were built; a copy's output alone. A base that is recomputed
     * in two kernels is listed by both.
     */
    public record Step(Item item, List<LazyBuffer> nodes) {}

    /**
     * A schedule: its steps in order, over the graph as {@link ReduceSplit} rewrote it, and that rewrite's map from
     * each replaced base of the given graph to the base that stands for it (a realizer gives the replaced base the
     * same buffer once its stand-in is computed).
     */
    public record Schedule(List<Step> steps, Map<LazyBuffer, LazyBuffer> rewritten) {
        public List<Item> items() { return steps.stream().map(Step::item).toList(); }
    }

    /** The kernels and copies that compute {@code outputs}, for devices that can do what {@code devices} says. */
    public static List<Item> schedule(List<LazyBuffer> outputs, Function<String, Capabilities> devices) {
        return of(outputs, devices).items();
    }

    /**
     * The schedule {@link #schedule} gives, with what each item computes, named by the nodes of the given graph (a
     * split reduction's partial sums are named by the reduction): a dry run for showing a graph and the kernels it
     * will become. Like {@code schedule}, it realizes, allocates, compiles and launches nothing.
     */
    public static List<Step> plan(List<LazyBuffer> outputs, Function<String, Capabilities> devices) {
        ReduceSplit.Rewrite rw = ReduceSplit.rewrite(outputs, devices);
        List<Step> steps = new ArrayList<>();
        for (Step s : cut(rw.outputs(), devices)) {
            Set<LazyBuffer> named = java.util.Collections.newSetFromMap(new LinkedHashMap<>());
            for (LazyBuffer n : s.nodes()) named.add(rw.origin().getOrDefault(n, n));
            steps.add(new Step(s.item(), List.copyOf(named)));
        }
        return steps;
    }

    /** The schedule of {@code outputs}: the graph's reductions split for the devices, then cut into kernels. */
    public static Schedule of(List<LazyBuffer> outputs, Function<String, Capabilities> devices) {
        ReduceSplit.Rewrite rw = ReduceSplit.rewrite(outputs, devices);
        return new Schedule(cut(rw.outputs(), devices), rw.rewritten());
    }

    private static List<Step> cut(List<LazyBuffer> outputs, Function<String, Capabilities> devices) {
        List<LazyBuffer> order = new ArrayList<>();
        Set<LazyBuffer> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (LazyBuffer o : outputs) topo(o.base, seen, order);

        Map<LazyBuffer, Integer> consumers = new IdentityHashMap<>();
        for (LazyBuffer b : order) {
            for (LazyBuffer s : b.srcs()) if (pending(s.base)) consumers.merge(s.base, 1, Integer::sum);
        }
        Set<LazyBuffer> realize = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (LazyBuffer o : outputs) if (pending(o.base)) realize.add(o.base);
        for (LazyBuffer b : order) if (b.op == Op.CONTIGUOUS || b.op == Op.COPY) realize.add(b);

        // Elements read by the largest reduction inlined into each base (0: none).
        Map<LazyBuffer, Long> reduceWork = new IdentityHashMap<>();
        // Row fusion (GPUs): for a base whose inlined reductions all reduce the last axis of one shape, that shape;
        // a base in rowOnly carries reduction work only through reductions already fused as rows.
        Map<LazyBuffer, int[]> rowShape = new IdentityHashMap<>();
        Set<LazyBuffer> rowOnly = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (LazyBuffer b : order) {
            long w = b.op.isReduce() ? b.srcs().getFirst().numel() : 0;
            int[] row = b.op.isReduce() ? reducedRow(b) : null;
            boolean rowsOk = true, viaRows = false;
            for (LazyBuffer s : b.srcs()) {
                LazyBuffer sb = s.base;
                if (!pending(sb) || sb.op == Op.CONST) continue;
                if (b.op == Op.COPY) realize.add(sb);
                long sw = realize.contains(sb) ? 0 : reduceWork.getOrDefault(sb, 0L);
                boolean broadcastBack = !s.st.isInjective();
                boolean readTwice = consumers.getOrDefault(sb, 0) > 1;
                // Nesting a large reduction inside one with few outputs would leave most cores idle.
                boolean starves = b.op.isReduce() && b.numel() < MIN_PARALLEL_OUTPUTS && sw >= MIN_STARVING_WORK;
                // A per-row value broadcast back along its row is computed by the row's work-group in the kernel
                // that reads it: softmax and layernorm become one kernel. Values derived from such rows alone are
                // cheap to recompute where read twice.
                boolean fusedRow = sw > 0 && !starves && rowFusion(sb, devices) && broadcastsRow(sb, s, b, rowShape.get(sb));
                boolean rowDerived = sw > 0 && rowOnly.contains(sb);
                if (sw > 0 && ((broadcastBack && !fusedRow) || (readTwice && !fusedRow && !rowDerived) || starves)) {
                    realize.add(sb);
                    sw = 0;
                }
                if (sw > 0) {
                    int[] r = rowShape.get(sb);
                    if (r == null || (row != null && !java.util.Arrays.equals(row, r))) rowsOk = false;
                    else if (row == null && !b.op.isReduce()) row = r;
                    // Per-row values stay per-row through elementwise ops; full rows only through fused reads.
                    if (fusedRow || rowDerived) viaRows = true;
                    else if (!b.op.isReduce() && (r == null || !perRow(b.shape(), r))) rowsOk = false;
                }
                w = Math.max(w, sw);
            }
            reduceWork.put(b, w);
            if (w > 0 && rowsOk && row != null) rowShape.put(b, row);
            if (w > 0 && rowsOk && viaRows && !b.op.isReduce()) rowOnly.add(b);
        }

        List<Step> steps = new ArrayList<>();
        for (LazyBuffer b : order) {
            if (!realize.contains(b)) continue;
            if (b.op == Op.COPY) steps.add(new Step(new CopyItem(b, b.srcs().getFirst()), List.of(b)));
            else steps.add(kernelFor(b, realize));
        }
        return steps;
    }

    /** The longest row a work-group fuses: its items take this / 256 elements each. */
    static final int MAX_FUSED_ROW = 16384;

    /** Whether the device of {@code b} runs reductions as work-groups (see Capabilities#groupsReductions). */
    private static boolean rowFusion(LazyBuffer b, Function<String, Capabilities> devices) {
        try {
            return devices.apply(b.device).groupsReductions();
        } catch (RuntimeException noDevice) {
            return false;
        }
    }

    /** The source shape of a reduction over only its last non-1 axis (a row of at most MAX_FUSED_ROW, a multiple of 32). */
    private static int[] reducedRow(LazyBuffer reduce) {
        int[] src = reduce.srcs().getFirst().shape(), axes = (int[]) reduce.arg;
        int last = src.length - 1;
        while (last >= 0 && src[last] == 1) last--;
        if (axes.length != 1 || axes[0] != last || src[last] > MAX_FUSED_ROW || src[last] % 32 != 0) return null;
        return src;
    }

    /** Whether {@code shape} is {@code row} with its row axis (the last non-1) reduced to 1. */
    private static boolean perRow(int[] shape, int[] row) {
        if (shape.length != row.length) return false;
        int last = row.length - 1;
        while (last >= 0 && row[last] == 1) last--;
        for (int i = 0; i < row.length; i++) if (shape[i] != (i == last ? 1 : row[i])) return false;
        return true;
    }

    /** {@code view} of per-row values {@code sb} read by {@code b} expands exactly the row axis of b's shape, {@code row}. */
    private static boolean broadcastsRow(LazyBuffer sb, LazyBuffer view, LazyBuffer b, int[] row) {
        if (row == null || !java.util.Arrays.equals(row, b.shape()) || !java.util.Arrays.equals(view.shape(), b.shape())) return false;
        int[] per = sb.shape();
        if (per.length != row.length) return false;
        int last = row.length - 1;
        while (last >= 0 && row[last] == 1) last--;
        for (int i = 0; i < row.length; i++) if (per[i] != (i == last ? 1 : row[i])) return false;
        // The view reads element (i, j) of the row from per-row value i, for every j.
        Expr[] idx = new Expr[row.length], atRow = new Expr[row.length];
        for (int i = 0; i < row.length; i++) {
            idx[i] = Expr.var("i" + i, 0, row[i] - 1);
            atRow[i] = i == last ? Expr.num(0) : idx[i];
        }
        Expr[] read = view.st.expr(idx);
        return read[1].equals(Expr.TRUE) && read[0].equals(ShapeTracker.contiguous(per).expr(atRow)[0]);
    }

    /** True for a base that still needs computing: not realized, not a pending upload. */
    private static boolean pending(LazyBuffer base) { return !base.isRealized(); }

    private static void topo(LazyBuffer b, Set<LazyBuffer> seen, List<LazyBuffer> order) {
        if (!seen.add(b) || !pending(b)) return;
        for (LazyBuffer s : b.srcs()) topo(s.base, seen, order);
        order.add(b);
    }

    private static Step kernelFor(LazyBuffer out, Set<LazyBuffer> realize) {
        Builder builder = new Builder(out, realize);
        KNode root = switch (out.op) {
            case CONTIGUOUS -> builder.src(out.srcs().getFirst());
            case CONST -> new KNode.Const((Double) out.arg, out.dtype, ShapeTracker.contiguous(out.shape()));
            default -> builder.node(out);
        };
        List<DType> types = new ArrayList<>();
        types.add(out.dtype);
        for (LazyBuffer in : builder.args.keySet()) types.add(in.dtype);
        List<String> fused = new ArrayList<>(new LinkedHashSet<>(builder.userOps));
        if (fused.isEmpty() && out.userOp != null) fused.add(out.userOp);
        Kernel k = new Kernel(root, out.shape(), List.copyOf(types), List.copyOf(fused));
        builder.members.add(out);
        return new Step(new KernelItem(out, k, List.copyOf(builder.args.keySet())), List.copyOf(builder.members));
    }

    /** Builds one kernel's input graph, inlining every source that is not realized on its own. */
    private static final class Builder {
        final LazyBuffer out;
        final Set<LazyBuffer> realize;
        final Map<LazyBuffer, Integer> args = new LinkedHashMap<>();
        final Map<LazyBuffer, KNode> built = new HashMap<>();
        final List<String> userOps = new ArrayList<>();
        /** Bases computed by this kernel (identity: LazyBuffer keeps Object's equals), for {@link Step#nodes}. */
        final Set<LazyBuffer> members = java.util.Collections.newSetFromMap(new LinkedHashMap<>());

        Builder(LazyBuffer out, Set<LazyBuffer> realize) {
            this.out = out;
            this.realize = realize;
        }

        KNode src(LazyBuffer view) {
            LazyBuffer b = view.base;
            if (b.op == Op.CONST && pending(b)) {
                members.add(b);
                return new KNode.Const((Double) b.arg, b.dtype, view.st);
            }
            if (!pending(b) || (b != out && realize.contains(b))) {
                int arg = args.computeIfAbsent(b, x -> args.size() + 1);
                // A view of a multi-view base is read through the base's own (contiguous) buffer.
                return new KNode.Load(arg, b.dtype, view.st);
            }
            KNode n = node(b);
            if (view.st.isContiguous() && java.util.Arrays.equals(view.shape(), b.shape())) return n;
            return new KNode.ViewOf(n, view.st);
        }

        KNode node(LazyBuffer b) {
            KNode cached = built.get(b);
            if (cached != null) return cached;
            KNode n;
            if (b.op.isReduce()) {
                n = new KNode.Reduce(b.op, src(b.srcs().getFirst()), (int[]) b.arg);
            } else if (b.op.isElementwise()) {
                List<KNode> s = new ArrayList<>();
                for (LazyBuffer x : b.srcs()) s.add(src(x));
                n = new KNode.Alu(b.op, b.dtype, List.copyOf(s));
            } else if (b.op == Op.CONTIGUOUS) {
                n = src(b.srcs().getFirst());
            } else {
                throw new IllegalStateException("cannot inline " + b.op + " into a kernel");
            }
            if (b.userOp != null) userOps.add(b.userOp);
            built.put(b, n);
            members.add(b);
            return n;
        }
    }
}
