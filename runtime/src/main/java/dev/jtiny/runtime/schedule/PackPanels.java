// A schedule-time rewrite for CPUs with vector lanes: a matmul's shared operand is first copied into panels, so that
// the register-tiled kernel reads it sequentially.
package dev.jtiny.runtime.schedule;

import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.Op;
import dev.jtiny.runtime.device.Capabilities;
import dev.jtiny.runtime.graph.LazyBuffer;
import dev.jtiny.runtime.view.View;

import java.util.ArrayList;
import java.util.List;

/**
 * A CPU register tile reads, for every step k of the reduction, one row of B's columns that the tile covers: in a
 * row-major (K, N) matrix those rows are N elements apart, so every step touches another page and another cache
 * line, and a 2048-wide matrix thrashes the TLB. BLAS libraries pack B into panels first: here a small copy kernel
 * writes B as (N / PANEL, K, PANEL), each panel's K rows of PANEL columns one after another, and the matmul reads
 * that copy through a view, sequentially. It applies to a float32 sum of products whose operand is shared by every
 * row of the output (a weight: broadcast over all axes but its columns and the reduced one, contiguous along its
 * columns), when the product is large enough that one extra pass over B is cheap beside it.
 */
final class PackPanels {
    /** Columns per panel: two vectors of 8 floats, a tile's width. */
    static final int PANEL = 16;
    /** The smallest operand (columns x reduced length) worth a copy, and the fewest output rows that reuse it. */
    static final long MIN_ELEMENTS = 1 << 16, MIN_ROWS = 64;
    /**
     * The shortest distance between B's rows (in elements) that makes reading it by rows scatter: a 4 KB page per
     * row. Shorter rows stay in cache and pages anyway, and the copy would cost more than it saves (a 256 matmul).
     */
    static final int MIN_STRIDE = 1024;

    private PackPanels() {}

    /** {@code reduce} reading a packed copy of its shared operand, or null where packing does not apply. */
    static LazyBuffer pack(LazyBuffer reduce, Capabilities d) {
        if (reduce.op != Op.SUM || d.workGroups() || d.vectorLanes() <= 1 || reduce.dtype != DType.FLOAT32) return null;
        int[] axes = (int[]) reduce.arg;
        LazyBuffer product = reduce.srcs().getFirst();
        if (axes.length != 1 || !product.isBase() || product.op != Op.MUL || product.isRealized()) return null;
        int k = axes[0];
        int[] shape = product.shape();
        int c = shape.length - 1;
        while (c >= 0 && (shape[c] == 1 || c == k)) c--;
        if (c < 0 || shape[c] % PANEL != 0 || (long) shape[c] * shape[k] < MIN_ELEMENTS) return null;
        if (View.numel(shape) / ((long) shape[c] * shape[k]) < MIN_ROWS) return null;
        List<LazyBuffer> operands = product.srcs();
        // The tiled kernel is written with vectors only if what it computes inline is float32 all the way down (a
        // float16 prologue is read lane by lane): without the tile, a packed operand is only an extra copy.
        for (LazyBuffer v : operands) if (!float32(v.base, 0)) return null;
        for (int i = 0; i < operands.size(); i++) {
            LazyBuffer v = operands.get(i);
            if (!shared(v, c, k)) continue;
            List<LazyBuffer> now = new ArrayList<>(operands);
            now.set(i, packed(v, c, k));
            return reduce.withSources(List.of(product.withSources(now)));
        }
        return null;
    }

    /** Whether {@code b} is float32 and, unless realized, computed from float32 values only (a few levels deep). */
    static boolean float32(LazyBuffer b, int depth) {
        if (b.dtype != DType.FLOAT32) return false;
        if (b.isRealized() || b.op == Op.CONST) return true;
        if (depth > 8) return false;
        for (LazyBuffer s : b.srcs()) if (!float32(s.base, depth + 1)) return false;
        return true;
    }

    /** Whether {@code v} reads one matrix for every output row: contiguous along c, far apart along k, broadcast elsewhere. */
    private static boolean shared(LazyBuffer v, int c, int k) {
        if (v.st.views().size() != 1 || v.dtype != DType.FLOAT32) return false;
        View view = v.st.top();
        if (view.mask() != null || view.strides()[c] != 1 || view.strides()[k] < MIN_STRIDE) return false;
        for (int a = 0; a < view.shape().length; a++) {
            if (a != c && a != k && view.shape()[a] != 1 && view.strides()[a] != 0) return false;
        }
        return true;
    }

    /** The same view of a copy of {@code v}'s matrix written as panels of PANEL columns. */
    private static LazyBuffer packed(LazyBuffer v, int c, int k) {
        int[] shape = v.shape();
        int[][] one = new int[shape.length][];
        int[] kept = new int[shape.length];
        for (int a = 0; a < shape.length; a++) {
            boolean matrix = a == c || a == k;
            one[a] = new int[]{0, matrix ? shape[a] : 1};
            kept[a] = matrix ? shape[a] : 1;
        }
        int n = shape[c], len = shape[k];
        LazyBuffer m = v.shrink(one).reshape(k < c ? new int[]{len, n} : new int[]{n, len});
        if (k < c) m = m.permute(1, 0); // (n, len): columns first
        LazyBuffer panels = m.reshape(n / PANEL, PANEL, len).permute(0, 2, 1).contiguous();
        LazyBuffer back = panels.permute(0, 2, 1).reshape(n, len);
        if (k < c) back = back.permute(1, 0);
        return back.reshape(kept).expand(shape);
    }
}
