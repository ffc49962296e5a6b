// A schedule-time rewrite for CPUs with vector lanes: a convolution's sum over sliding windows becomes a copy of the
// windows into panels (im2col) and a matmul over them, which the register-tiled kernel computes at matmul speed.
package dev.jtiny.runtime.schedule;

import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.Op;
import dev.jtiny.runtime.device.Capabilities;
import dev.jtiny.runtime.graph.LazyBuffer;
import dev.jtiny.runtime.view.View;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * A convolution reaches the scheduler as a sum over its channels and taps of weights times a view of the input's
 * sliding windows: a view of several stacked trackers, padded, whose index into the input is affine in every axis
 * but not contiguous along any one an output vector would use. Read in place, it keeps the Java backend's kernel
 * scalar (a few GFLOPS). BLAS-backed frameworks copy the windows once into a matrix (im2col) and multiply: the copy
 * reads each input element a few times, the multiply is a matmul with all its reuse.
 *
 * <p>Here the product's output axes fall in three groups: rows, where the windows are broadcast and the other
 * operand varies (output channels); columns, where the other operand is broadcast (batch and pixels); and batch
 * axes, where both vary (groups). The windows are copied as (batch, columns / 16, reduced, 16): panels of 16
 * columns, each panel's reduced steps one after another, as {@link PackPanels} lays out a matmul's shared operand,
 * with the columns padded with zeros to whole panels. The sum then runs over one reduced axis of a
 * (batch, rows, columns, reduced) product, which the CPU tile covers rows by columns, and its result is read back in
 * the convolution's own axis order (a copy where that is not a reshape: padded columns, or rows and columns
 * interleaved). It applies to float32 sums of products whose output has both rows and columns, over two or more
 * reduced axes or with rows or columns over several axes, when the work is large enough to pay for the copy:
 * convolutions (the windowed operand is the one copied), 1x1 convolutions and ones with constant weights (read as
 * plain arrays), input gradients (the output's gradient times the weights, summed over output channels) and weight
 * gradients (a sum over batch and pixels of windows times the output's gradient: there the windows are the rows).
 */
final class Im2col {
    /** Columns per panel: as {@link PackPanels#PANEL}. */
    static final int PANEL = PackPanels.PANEL;
    /** The fewest multiply-adds that pay for the copy, and the fewest rows that reuse each copied element. */
    static final long MIN_FMAS = 1 << 18, MIN_ROWS = 4;

    private Im2col() {}

    /** {@code reduce} as a copy of its windows and a matmul over them, viewed in its own shape; null where it does not apply. */
    static LazyBuffer lower(LazyBuffer reduce, Capabilities d) {
        if (reduce.op != Op.SUM || d.workGroups() || d.vectorLanes() <= 1 || reduce.dtype != DType.FLOAT32) return null;
        int[] axes = (int[]) reduce.arg;
        LazyBuffer product = reduce.srcs().getFirst();
        if (!product.isBase() || product.op != Op.MUL || product.isRealized()) return null;
        List<LazyBuffer> operands = product.srcs();
        if (operands.size() != 2) return null;
        // Float32 values: whatever computes them (a previous layer's activation) runs in the copy or, for the other
        // operand, inline in the matmul's kernel, as the scheduler fuses it.
        for (LazyBuffer v : operands) if (v.dtype != DType.FLOAT32) return null;
        int[] shape = product.shape();
        int n = shape.length;
        Groups first = Groups.of(operands.get(0), operands.get(1), shape, axes), second = Groups.of(operands.get(1), operands.get(0), shape, axes);
        // The copied operand is the one read as columns: the windows (a convolution's input) where one operand is
        // such a view, else (a 1x1 convolution) the one that leaves whole vectors of rows, then the longer columns.
        int w = first == null ? 1 : second == null ? 0 : pick(first, second, operands.get(0), operands.get(1));
        Groups groups = w == 0 ? first : second;
        if (groups == null) return null;
        // A sum over one axis whose rows and columns are one axis each is a (batched) matmul: the tiled kernel
        // reads it in place. Over one axis with rows or columns over several (a convolution's input gradient:
        // the output's gradient times the weights, summed over output channels, per channel and tap), the copy.
        if (axes.length < 2 && groups.rows.size() < 2 && groups.cols.size() < 2) return null;
        LazyBuffer windows = operands.get(w), other = operands.get(1 - w);
        List<Integer> rows = groups.rows, cols = groups.cols, batch = groups.batch, red = groups.reduced;
        long nr = groups.rowCount, nc = groups.colCount, nb = product(shape, batch), k = product(shape, red);
        if (nr < MIN_ROWS || nb * nr * nc * k < MIN_FMAS || nb * k * (nc + PANEL) > Integer.MAX_VALUE) return null;
        int b = (int) nb, r = (int) nr, p = (int) nc, kk = (int) k;
        // Each row of pixels padded to whole panels where that adds at most a quarter (55 -> 64, 14 -> 16), else
        // the columns padded as one run: with rows padded a panel never straddles two rows of pixels, so the copy's
        // index is affine in its lanes with no division per element (the CNN's second convolution's copy 7.5 ->
        // 1.6 ms); the matmul computes the padding columns too.
        int wc = shape[cols.getLast()], wp = (wc + PANEL - 1) / PANEL * PANEL;
        boolean rowPadded = wc % PANEL != 0 && (wp - wc) * 4 <= wc;
        int padded = rowPadded ? p / wc * wp : (p + PANEL - 1) / PANEL * PANEL;

        // A reduction under the windows (a pooling before this convolution) is computed once first: the copy
        // reads each element once per tap and would compute it again each time.
        if (!windows.base.isRealized() && computesReduction(windows.base, Collections.newSetFromMap(new IdentityHashMap<>()))) {
            windows = windows.over(windows.base.contiguous());
        }
        // The windows as (batch, reduced, columns), padded to whole panels and copied as (batch, panels, reduced, PANEL).
        LazyBuffer win = ones(windows, rows).permute(order(n, batch, red, cols, rows)).reshape(b, kk, p);
        if (rowPadded) win = win.reshape(b, kk, p / wc, wc).pad(new int[][]{{0, 0}, {0, 0}, {0, 0}, {0, wp - wc}}).reshape(b, kk, padded);
        else if (padded != p) win = win.pad(new int[][]{{0, 0}, {0, 0}, {0, padded - p}});
        LazyBuffer panels = win.reshape(b, kk, padded / PANEL, PANEL).permute(0, 2, 1, 3).contiguous();
        LazyBuffer x = panels.permute(0, 2, 1, 3).reshape(b, kk, padded).permute(0, 2, 1)
                .reshape(b, 1, padded, kk).expand(b, r, padded, kk);
        // The other operand as (batch, rows, 1, reduced). Read in place where it is an array in memory (weights);
        // computed (an output's gradient through a pooling's backward, say) it is made once first, since the
        // tiled kernel would compute it again for every block of columns, and only plain loads keep it tiled.
        // Copied in the axes it has (then merged for free), so the copy's index needs no divisions.
        LazyBuffer rowsOf = ones(other, cols).permute(order(n, batch, rows, red, cols));
        if (!inMemory(other) && !fromConstants(other.base, Collections.newSetFromMap(new IdentityHashMap<>()))) rowsOf = rowsOf.contiguous();
        LazyBuffer y = rowsOf.reshape(b, r, 1, kk).expand(b, r, padded, kk);
        LazyBuffer sum = (w == 0 ? x.alu(Op.MUL, y) : y.alu(Op.MUL, x)).reduceWhole(Op.SUM, 3);

        // The sum is stored as it is computed, (batch, rows, columns): a consumer fused into its kernel (a bias, an
        // activation, or the copy back below) would give the kernel the convolution's own axes, where the columns
        // are split into rows and columns of pixels that a tile of whole vectors rarely divides.
        LazyBuffer out = sum.contiguous().reshape(b, r, padded);
        // Back to the convolution's axes: (batch, rows, columns) in their own order, reduced axes of size 1. A
        // replaced node's views read its stand-in's buffer in order: a reshape of the sum where it can be one.
        List<Integer> placed = new ArrayList<>(batch);
        placed.addAll(rows);
        placed.addAll(cols);
        List<Integer> sorted = new ArrayList<>(placed);
        sorted.sort(null);
        LazyBuffer plain = placed.equals(sorted) && padded == p ? asShape(out, reduce.shape()) : null;
        if (plain != null) return plain;
        if (rowPadded) out = out.reshape(b, r, p / wc, wp).shrink(new int[][]{{0, b}, {0, r}, {0, p / wc}, {0, wc}}).reshape(b, r, p);
        else if (padded != p) out = out.shrink(new int[][]{{0, b}, {0, r}, {0, p}});
        int[] grouped = new int[placed.size()], back = new int[placed.size()];
        for (int i = 0; i < grouped.length; i++) {
            grouped[i] = shape[placed.get(i)];
            back[i] = placed.indexOf(sorted.get(i));
        }
        return out.reshape(grouped).permute(back).reshape(reduce.shape()).contiguous();
    }

    /** {@code v} (contiguous, in order) reshaped to {@code shape}, or null where the view would not be contiguous. */
    private static LazyBuffer asShape(LazyBuffer v, int[] shape) {
        LazyBuffer r = v.reshape(shape);
        return r.st.isContiguous() && r.base.numel() == r.numel() ? r : null;
    }

    /**
     * The product's axes seen with {@code x} as the copied operand: rows where x is broadcast, columns where only
     * {@code y} is, batch axes where neither is; null where either rows or columns would be empty.
     */
    private record Groups(List<Integer> rows, List<Integer> cols, List<Integer> batch, List<Integer> reduced, long rowCount, long colCount) {
        static Groups of(LazyBuffer x, LazyBuffer y, int[] shape, int[] axes) {
            boolean[] isReduced = new boolean[shape.length];
            for (int a : axes) isReduced[a] = true;
            List<Integer> rows = new ArrayList<>(), cols = new ArrayList<>(), batch = new ArrayList<>(), red = new ArrayList<>();
            for (int a = 0; a < shape.length; a++) {
                if (isReduced[a]) red.add(a);
                else if (shape[a] == 1) continue;
                else if (broadcast(x, a)) rows.add(a); // where y is broadcast too (a constant weight), still rows
                else if (broadcast(y, a)) cols.add(a);
                else batch.add(a);
            }
            if (rows.isEmpty() || cols.isEmpty()) return null;
            return new Groups(rows, cols, batch, red, product(shape, rows), product(shape, cols));
        }
    }

    /**
     * 0 to copy the first operand, 1 the second: see {@link #lower}. The windows are copied into panels, except
     * where the sum runs along their rows of pixels (a weight gradient sums over batch and pixels): then they are
     * made as rows in their own order, each row of pixels read and written in one run, and the other operand (the
     * output's gradient) is the one copied into panels.
     */
    private static int pick(Groups first, Groups second, LazyBuffer a, LazyBuffer b) {
        boolean firstWindowed = windowed(a), secondWindowed = windowed(b);
        if (firstWindowed != secondWindowed) {
            LazyBuffer win = firstWindowed ? a : b;
            Groups asColumns = firstWindowed ? first : second;
            // As rows they must fill whole vectors of the tile (a 1-channel image's 9 taps would not).
            boolean asRows = alongPixels(win, asColumns.reduced) && asColumns.colCount % 8 == 0;
            return asRows == firstWindowed ? 1 : 0;
        }
        boolean firstRows = first.rowCount % 8 == 0, secondRows = second.rowCount % 8 == 0;
        if (firstRows != secondRows) return firstRows ? 0 : 1;
        return first.colCount >= second.colCount ? 0 : 1;
    }

    /** Whether the innermost of the {@code reduced} axes reads {@code v} in a run of consecutive elements, 8 or more. */
    private static boolean alongPixels(LazyBuffer v, List<Integer> reduced) {
        if (reduced.isEmpty()) return false;
        int a = reduced.getLast();
        return v.shape()[a] >= 8 && v.st.top().strides()[a] == 1;
    }

    /** Whether {@code v} is read through stacked views or padding: sliding windows, not a plain strided array. */
    private static boolean windowed(LazyBuffer v) {
        return v.st.views().size() > 1 || v.st.top().mask() != null;
    }

    /** Whether computing base {@code b} (down to realized or copied buffers) takes a reduction. */
    private static boolean computesReduction(LazyBuffer b, Set<LazyBuffer> seen) {
        if (b.isRealized() || b.op == Op.CONTIGUOUS || !seen.add(b)) return false; // each node once: graphs share
        if (b.op.isReduce()) return true;
        for (LazyBuffer s : b.srcs()) if (computesReduction(s.base, seen)) return true;
        return false;
    }

    /** Whether base {@code b} is computed from constants alone (a model's constant weights): nothing to load. */
    private static boolean fromConstants(LazyBuffer b, Set<LazyBuffer> seen) {
        if (b.op == Op.CONST) return true;
        if (b.isRealized() || b.srcs().isEmpty()) return false;
        if (!seen.add(b)) return true; // known so far to be made of constants: its first visit decides
        for (LazyBuffer s : b.srcs()) if (!fromConstants(s.base, seen)) return false;
        return true;
    }

    /** Whether {@code v} reads a buffer through one view without padding (a realized array, not a computation). */
    private static boolean inMemory(LazyBuffer v) {
        return v.base.isRealized() && v.st.views().size() == 1 && v.st.top().mask() == null;
    }

    /** Whether {@code v}'s value does not change along axis {@code a}. */
    private static boolean broadcast(LazyBuffer v, int a) {
        View top = v.st.top();
        return top.shape()[a] == 1 || top.strides()[a] == 0;
    }

    private static long product(int[] shape, List<Integer> axes) {
        long n = 1;
        for (int a : axes) n *= shape[a];
        return n;
    }

    /** {@code v} with the axes in {@code axes} (where it is broadcast) cut to size 1. */
    private static LazyBuffer ones(LazyBuffer v, List<Integer> axes) {
        int[] shape = v.shape();
        int[][] ranges = new int[shape.length][];
        for (int a = 0; a < shape.length; a++) ranges[a] = new int[]{0, axes.contains(a) ? 1 : shape[a]};
        return v.shrink(ranges);
    }

    /** A permutation of {@code n} axes: the given groups in turn, then every other axis (all of size 1). */
    @SafeVarargs
    private static int[] order(int n, List<Integer>... groups) {
        int[] order = new int[n];
        boolean[] used = new boolean[n];
        int i = 0;
        for (List<Integer> group : groups) {
            for (int a : group) {
                order[i++] = a;
                used[a] = true;
            }
        }
        for (int a = 0; a < n; a++) if (!used[a]) order[i++] = a;
        return order;
    }
}
