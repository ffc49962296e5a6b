// The input graph of one kernel: loads through views, constants, elementwise ops, reductions and inlined views.
package dev.jtiny.runtime.codegen;

import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.Op;
import dev.jtiny.runtime.view.ShapeTracker;

import java.util.Arrays;
import java.util.List;

public sealed interface KNode {
    DType dtype();
    int[] shape();

    /** Reads kernel argument {@code arg} through a view; the argument is a realized buffer. */
    record Load(int arg, DType dtype, ShapeTracker st) implements KNode {
        public int[] shape() { return st.shape(); }
    }

    /** A constant seen through a view (padding reads as zero). */
    record Const(double value, DType dtype, ShapeTracker st) implements KNode {
        public int[] shape() { return st.shape(); }
    }

    /** An elementwise primitive over same-shaped sources. */
    record Alu(Op op, DType dtype, List<KNode> src) implements KNode {
        public int[] shape() { return src.getFirst().shape(); }
    }

    /** Reduces {@code axes} of the source to size 1. */
    record Reduce(Op op, KNode src, int[] axes) implements KNode {
        public DType dtype() { return src.dtype(); }
        public int[] shape() {
            int[] s = src.shape().clone();
            for (int a : axes) s[a] = 1;
            return s;
        }
        @Override public boolean equals(Object o) { return this == o; }
        @Override public int hashCode() { return System.identityHashCode(this); }
        @Override public String toString() { return "Reduce[" + op + " axes=" + Arrays.toString(axes) + ", " + src + "]"; }
    }

    /** A computed (not stored) source seen through a view: a movement op fused into its consumer. */
    record ViewOf(KNode src, ShapeTracker st) implements KNode {
        public DType dtype() { return src.dtype(); }
        public int[] shape() { return st.shape(); }
    }

    /** An indented tree listing, for DEBUG=5. */
    static String describe(KNode n) {
        StringBuilder b = new StringBuilder();
        describe(n, 0, b);
        return b.toString();
    }

    private static void describe(KNode n, int depth, StringBuilder b) {
        b.append("  ".repeat(depth));
        switch (n) {
            case Load l -> b.append("LOAD data").append(l.arg).append(' ').append(l.dtype).append(' ').append(viewText(l.st)).append('\n');
            case Const c -> b.append("CONST ").append(c.value).append(' ').append(c.dtype).append(' ').append(Arrays.toString(c.st.shape())).append('\n');
            case Alu a -> {
                b.append(a.op).append(' ').append(a.dtype).append('\n');
                for (KNode s : a.src) describe(s, depth + 1, b);
            }
            case Reduce r -> {
                b.append("REDUCE ").append(r.op).append(" axes=").append(Arrays.toString(r.axes)).append(' ').append(Arrays.toString(r.shape())).append('\n');
                describe(r.src, depth + 1, b);
            }
            case ViewOf v -> {
                b.append("VIEW ").append(viewText(v.st)).append('\n');
                describe(v.src, depth + 1, b);
            }
        }
    }

    private static String viewText(ShapeTracker st) {
        return st.views().size() == 1 ? st.top().toString() : st.views().toString();
    }
}
