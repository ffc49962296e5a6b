// A schedule-time rewrite: a long reduction into few outputs, or a GPU matmul too small to fill the device
// (split-k), becomes two reductions, so two kernels.
package dev.jtiny.runtime.schedule;

import dev.jtiny.runtime.Op;
import dev.jtiny.runtime.Settings;
import dev.jtiny.runtime.device.Capabilities;
import dev.jtiny.runtime.graph.LazyBuffer;
import dev.jtiny.runtime.graph.UserOp;
import dev.jtiny.runtime.codegen.opt.KernelOptimizer;
import dev.jtiny.runtime.view.View;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A sum of 16M floats into one output would otherwise be one work item looping 16M times: serial, and
 * inaccurate in float32. Splitting it into partial sums of a few thousand elements each makes the first stage
 * parallel and keeps every float32 accumulation short. CPUs read each partial's elements contiguously; GPUs read
 * them strided, so that neighbouring threads read neighbouring addresses (coalesced).
 *
 * <p>The graph says what to compute; how to cut it depends on the device, so the split happens here, when the
 * graph is scheduled for devices whose {@link Capabilities} are known, and never while the graph is built. The
 * rewrite leaves the given graph as it is and returns a new one: the nodes that changed are new, with the user op
 * of the node they stand for, and every other node is shared.
 */
public final class ReduceSplit {
    private ReduceSplit() {}

    /**
     * The graph behind {@code outputs} with its reductions split where they should be, and on CPUs with vector lanes
     * a convolution lowered to a copy of its windows and a matmul ({@link Im2col}) and a large matmul's shared
     * operand packed first ({@link PackPanels}).
     *
     * @param outputs   the rewritten outputs, in the order given
     * @param rewritten for every base that was replaced, the base that stands for it (same shape, same values)
     * @param origin    for every new base, the base of the given graph it came from: the one it stands for, or the
     *                  reduction whose split made it
     */
    public record Rewrite(List<LazyBuffer> outputs, Map<LazyBuffer, LazyBuffer> rewritten, Map<LazyBuffer, LazyBuffer> origin) {}

    /** Splits the unrealized reductions behind {@code outputs}, asking {@code devices} what each device can do. */
    public static Rewrite rewrite(List<LazyBuffer> outputs, Function<String, Capabilities> devices) {
        Rewriter w = new Rewriter(devices);
        List<LazyBuffer> out = new ArrayList<>(outputs.size());
        for (LazyBuffer o : outputs) out.add(w.node(o));
        return new Rewrite(out, w.rewritten, w.origin);
    }

    private static final class Rewriter {
        final Function<String, Capabilities> devices;
        final Map<LazyBuffer, LazyBuffer> rewritten = new IdentityHashMap<>(), origin = new IdentityHashMap<>();
        final Map<LazyBuffer, LazyBuffer> done = new IdentityHashMap<>();

        Rewriter(Function<String, Capabilities> devices) { this.devices = devices; }

        LazyBuffer node(LazyBuffer n) {
            LazyBuffer stand = base(n.base);
            if (stand == n.base) return n;
            return n.isBase() ? stand : n.over(stand.base);
        }

        /**
         * The node standing for base {@code b} in the rewritten graph: b itself when nothing behind it changed, a
         * new base, or a contiguous view of one with b's shape (a split reduction ends in a reshape).
         */
        LazyBuffer base(LazyBuffer b) {
            LazyBuffer known = done.get(b);
            if (known != null) return known;
            LazyBuffer result = b;
            if (!b.isRealized()) {
                List<LazyBuffer> srcs = b.srcs();
                List<LazyBuffer> now = new ArrayList<>(srcs.size());
                boolean changed = false;
                for (LazyBuffer s : srcs) {
                    LazyBuffer r = node(s);
                    changed |= r != s;
                    now.add(r);
                }
                if (changed) result = b.withSources(now);
                if (b.op.isReduce()) {
                    LazyBuffer split = split(result, b);
                    LazyBuffer conv = split != null ? null : im2col(result, b);
                    LazyBuffer packed = split != null || conv != null ? null : pack(result, b);
                    if (split != null) result = split;
                    else if (conv != null) result = conv;
                    else if (packed != null) result = packed;
                }
                if (result != b) {
                    rewritten.put(b, result.base);
                    origin.put(result.base, b);
                }
            }
            done.put(b, result);
            return result;
        }

        /**
         * {@code reduce} split in two (a contiguous node of its shape), or null where it is not split; the new
         * nodes carry the user op of {@code of}, the reduction in the given graph.
         */
        LazyBuffer split(LazyBuffer reduce, LazyBuffer of) {
            LazyBuffer x = reduce.srcs().getFirst();
            LazyBuffer result;
            try (UserOp ignored = UserOp.as(of.userOp)) {
                result = reduceSplit(x, reduce.op, (int[]) reduce.arg, reduce.shape(), devices.apply(reduce.device));
            }
            if (result == null) return null;
            // Views of the old node read the new one alike only if it is its base's elements in order.
            if (!result.st.isContiguous() || result.base.numel() != result.numel()) {
                throw new IllegalStateException("split of " + of + " ended in a view " + result.st);
            }
            markNew(result.base, of, Set.of(x.base));
            return result;
        }

        /** {@code reduce} as a copy of its windows and a matmul ({@link Im2col}), a contiguous node of its shape; or null. */
        LazyBuffer im2col(LazyBuffer reduce, LazyBuffer of) { return product(reduce, of, Im2col::lower); }

        /** {@code reduce} reading a packed copy of its shared operand ({@link PackPanels}), or null. */
        LazyBuffer pack(LazyBuffer reduce, LazyBuffer of) { return product(reduce, of, PackPanels::pack); }

        /**
         * {@code reduce} (a sum of products) as {@code how} rewrites it for its device, or null; the nodes it made
         * carry the user op of {@code of} and come from it, down to the product's operands, which are the given graph's.
         */
        private LazyBuffer product(LazyBuffer reduce, LazyBuffer of, BiFunction<LazyBuffer, Capabilities, LazyBuffer> how) {
            LazyBuffer result;
            try (UserOp ignored = UserOp.as(of.userOp)) {
                result = how.apply(reduce, devices.apply(reduce.device));
            }
            if (result != null) {
                Set<LazyBuffer> given = Collections.newSetFromMap(new IdentityHashMap<>());
                for (LazyBuffer s : reduce.srcs().getFirst().srcs()) given.add(s.base);
                markNew(result.base, of, given);
            }
            return result;
        }

        /** Every base from {@code b} down to (not into) the given graph's bases in {@code given} comes from {@code of}. */
        private void markNew(LazyBuffer b, LazyBuffer of, Set<LazyBuffer> given) {
            if (given.contains(b) || origin.containsKey(b)) return;
            origin.put(b, of);
            for (LazyBuffer s : b.srcs()) markNew(s.base, of, given);
        }

    }

    /** One reduction, split in two where that pays on a device like {@code d}: what LazyBuffer.reduce used to do. */
    static LazyBuffer reduceSplit(LazyBuffer x, Op op, int[] axes, int[] outShape, Capabilities d) {
        LazyBuffer split = split(x, op, axes, outShape, d);
        if (split == null) split = splitK(x, op, axes, outShape, d);
        return split;
    }

    static LazyBuffer split(LazyBuffer x, Op op, int[] axes, int[] outShape, Capabilities d) {
        long outputs = View.numel(outShape);
        long r = x.numel() / Math.max(outputs, 1);
        long minOutputs = d.gpu() ? 4096 : 8L * d.computeUnits();
        long minLength = d.gpu() ? 1 << 14 : 1 << 15;
        if (outputs >= minOutputs || r < minLength || r > Integer.MAX_VALUE) return null;
        int inner = d.gpu() ? chooseGpuInner((int) r) : chooseCpuInner((int) r);
        if (inner <= 1 || inner >= r) return null;
        int parts = (int) (r / inner);

        // Move the reduced axes last and merge them: (kept..., r).
        int n = x.shape().length;
        int[] order = new int[n];
        int k = 0;
        boolean[] reduced = new boolean[n];
        for (int a : axes) reduced[a] = true;
        for (int i = 0; i < n; i++) if (!reduced[i]) order[k++] = i;
        int kept = k;
        for (int i = 0; i < n; i++) if (reduced[i]) order[k++] = i;
        int[] flatShape = new int[kept + 1];
        for (int i = 0; i < kept; i++) flatShape[i] = x.shape()[order[i]];
        flatShape[kept] = (int) r;
        // float16 and bfloat16 partials stay in float32 (their compute type), so only the result is rounded.
        LazyBuffer flat = x.permute(order).reshape(flatShape).cast(x.dtype.computeType());

        int[] twoStage = new int[kept + 2];
        System.arraycopy(flatShape, 0, twoStage, 0, kept);
        LazyBuffer partial;
        if (d.gpu()) {
            twoStage[kept] = inner;
            twoStage[kept + 1] = parts;
            partial = flat.reshape(twoStage).reduceWhole(op, kept).contiguous();
        } else {
            twoStage[kept] = parts;
            twoStage[kept + 1] = inner;
            partial = flat.reshape(twoStage).reduceWhole(op, kept + 1).contiguous();
        }
        int[] partsShape = new int[kept + 1];
        System.arraycopy(flatShape, 0, partsShape, 0, kept);
        partsShape[kept] = parts;
        LazyBuffer parts2 = partial.reshape(partsShape);
        int[] keptShape = partsShape.clone();
        keptShape[kept] = 1;
        LazyBuffer second = reduceSplit(parts2, op, new int[]{kept}, keptShape, d);
        if (second == null) second = parts2.reduceWhole(op, kept);
        return second.reshape(outShape).cast(x.dtype);
    }

    /** Output elements a GPU work-group of a tiled reduction computes: 256 items with a register tile of 64. */
    static final long TILED_GROUP_OUTPUTS = 256 * 64;
    /** The most parts split-k cuts a reduction into, and the fewest elements each part keeps. */
    static final int SPLITK_MAX = 16, SPLITK_MIN_LENGTH = 256;

    /**
     * Split-k: a GPU reduction into a large 2-D output (a matmul) too small to give every compute unit a tiled
     * work-group (a 64-row matmul, a 1024 one on a large GPU) is cut along its longest reduced axis into
     * {@code parts} slices reduced side by side, into a (parts, output) buffer, and then summed over the parts.
     * More work-groups run at once, each over a shorter loop, for one extra write and read of the partials. Null
     * when that does not apply. SPLITK=0 turns it off; SPLITK=N forces N parts on any device (for tests).
     */
    static LazyBuffer splitK(LazyBuffer x, Op op, int[] axes, int[] outShape, Capabilities d) {
        int forced = Settings.SPLITK.getInt();
        if (forced == 0 || (forced < 0 && !d.gpu())) return null;
        int[] shape = x.shape();
        int axis = axes[0];
        for (int a : axes) if (shape[a] > shape[axis]) axis = a;
        int parts = forced > 1 ? forced : splitKParts(outShape, shape[axis], d.computeUnits());
        if (parts <= 1 || shape[axis] % parts != 0 || shape[axis] == parts) return null;
        // (..., k, ...) -> (..., parts, k / parts, ...) -> (parts, ..., k / parts, ...): each reduced axis moves one up.
        int n = shape.length;
        int[] cut = new int[n + 1];
        for (int i = 0, j = 0; i < n; i++) {
            if (i == axis) {
                cut[j++] = parts;
                cut[j++] = shape[i] / parts;
            } else {
                cut[j++] = shape[i];
            }
        }
        int[] order = new int[n + 1];
        order[0] = axis;
        for (int i = 1; i <= n; i++) order[i] = i <= axis ? i - 1 : i;
        int[] moved = Arrays.stream(axes).map(a -> a + 1).toArray();
        LazyBuffer partial = x.reshape(cut).permute(order).cast(x.dtype.computeType()).reduceWhole(op, moved).contiguous();
        return partial.reduceWhole(op, 0).reshape(outShape).cast(x.dtype);
    }

    /**
     * Parts for split-k on a GPU with {@code computeUnits}: the fewest (a power of two, at most
     * {@value #SPLITK_MAX}, each at least {@value #SPLITK_MIN_LENGTH} long) that give every compute unit a
     * work-group of {@link #TILED_GROUP_OUTPUTS}; 1 for an output that is grouped instead (fewer than
     * {@link KernelOptimizer#GROUP_BELOW_OUTPUTS} elements) or is not 2-D, so not tiled.
     */
    static int splitKParts(int[] outShape, int extent, int computeUnits) {
        long outputs = View.numel(outShape);
        long wide = Arrays.stream(outShape).filter(e -> e > 1).count();
        if (outputs < KernelOptimizer.GROUP_BELOW_OUTPUTS || wide < 2) return 1;
        long target = computeUnits * TILED_GROUP_OUTPUTS;
        int parts = 1;
        while (outputs * parts < target && parts < SPLITK_MAX && extent % (parts * 2) == 0
                && extent / (parts * 2) >= SPLITK_MIN_LENGTH) parts *= 2;
        return parts;
    }

    /** A divisor of r near 4096: partial sums that long are accurate in float32 and cheap to schedule. */
    private static int chooseCpuInner(int r) {
        for (int len = 4096; len >= 512; len--) if (r % len == 0) return len;
        for (int len = 4097; len <= 16384; len++) if (r % len == 0) return len;
        return 1;
    }

    /** Enough threads (about 2^18) to fill a large GPU, each summing a strided slice. */
    private static int chooseGpuInner(int r) {
        int target = Math.max(16, r >> 18);
        for (int len = target; len >= Math.max(2, target / 4); len--) if (r % len == 0) return len;
        for (int len = target + 1; len <= target * 4; len++) if (r % len == 0) return len;
        return 1;
    }
}
