// How each primitive sends a gradient back to its inputs: the whole of autograd's calculus, one rule per op.
package dev.jtiny;

import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.Op;

/**
 * Every tensor op in the DSL bottoms out in a handful of primitives (elementwise ALU ops, three reductions,
 * six movement ops, cast, contiguous, copy); each gets a rule here. Composite ops (softmax, matmul, gelu, …)
 * need none: their gradients follow by the chain rule through the primitives they are made of. Rules build
 * lazy tensors, so the backward pass fuses into kernels like the forward pass does.
 */
final class Grad {
    private Grad() {}

    /** Gradients for the inputs (null where an input gets none) from the gradient of the output. */
    interface Rule {
        Tensor[] apply(Tensor grad, Tensor out, Tensor[] in);
    }

    private static final double LN_2 = 0.6931471805599453;

    static Rule alu(Op op) {
        return switch (op) {
            case ADD -> (g, out, in) -> new Tensor[]{g, g};
            case MUL -> (g, out, in) -> new Tensor[]{g.mul(in[1]), g.mul(in[0])};
            case MAX -> (g, out, in) -> {
                // Ties split the gradient evenly, as in tinygrad.
                Tensor half = in[0].eq(in[1]).cast(g.dtype()).mul(0.5);
                return new Tensor[]{g.mul(in[0].gt(in[1]).cast(g.dtype()).add(half)),
                        g.mul(in[1].gt(in[0]).cast(g.dtype()).add(half))};
            };
            case RECIP -> (g, out, in) -> new Tensor[]{g.mul(out).mul(out).neg()};
            case EXP2 -> (g, out, in) -> new Tensor[]{g.mul(out).mul(LN_2)};
            case LOG2 -> (g, out, in) -> new Tensor[]{g.div(in[0].mul(LN_2))};
            case SIN -> (g, out, in) -> new Tensor[]{g.mul(in[0].cos())};
            case SQRT -> (g, out, in) -> new Tensor[]{g.div(out.mul(2))};
            case WHERE -> (g, out, in) -> new Tensor[]{null, in[0].where(g, 0), in[0].where(0, g)};
            // Comparisons, integer and bit ops, truncation and logical not have no gradient.
            default -> (g, out, in) -> new Tensor[in.length];
        };
    }

    /** Back through a reduction (keepdim): spread the gradient over what was reduced. */
    static Rule reduce(Op op, int[] axes) {
        return switch (op) {
            case SUM -> (g, out, in) -> new Tensor[]{g.expand(in[0].shape())};
            case RMAX -> (g, out, in) -> {
                // The maxima share the gradient equally.
                Tensor mask = in[0].eq(out.expand(in[0].shape())).cast(g.dtype());
                Tensor count = mask.sum(axes, true).expand(in[0].shape());
                return new Tensor[]{mask.mul(g.expand(in[0].shape())).div(count)};
            };
            case PROD -> (g, out, in) -> new Tensor[]{g.mul(out).expand(in[0].shape()).div(in[0])};
            default -> throw new IllegalArgumentException(op + " is not a reduction");
        };
    }

    static Rule reshape() { return (g, out, in) -> new Tensor[]{g.reshape(in[0].shape())}; }

    static Rule permute(int[] order) {
        int[] inverse = new int[order.length];
        for (int i = 0; i < order.length; i++) inverse[order[i]] = i;
        return (g, out, in) -> new Tensor[]{g.permute(inverse)};
    }

    /** Back through a broadcast: sum over the broadcast dimensions (same rank: they were size 1). */
    static Rule expand() {
        return (g, out, in) -> {
            int[] from = in[0].shape(), to = out.shape();
            int n = 0;
            for (int i = 0; i < from.length; i++) if (from[i] != to[i]) n++;
            int[] axes = new int[n];
            for (int i = 0, k = 0; i < from.length; i++) if (from[i] != to[i]) axes[k++] = i;
            return new Tensor[]{n == 0 ? g : g.sum(axes, true)};
        };
    }

    static Rule pad(int[][] pads) {
        return (g, out, in) -> {
            int[] s = in[0].shape();
            int[][] keep = new int[s.length][];
            for (int i = 0; i < s.length; i++) keep[i] = new int[]{pads[i][0], pads[i][0] + s[i]};
            return new Tensor[]{g.shrink(keep)};
        };
    }

    static Rule shrink(int[][] ranges) {
        return (g, out, in) -> {
            int[] s = in[0].shape();
            int[][] pads = new int[s.length][];
            for (int i = 0; i < s.length; i++) pads[i] = new int[]{ranges[i][0], s[i] - ranges[i][1]};
            return new Tensor[]{g.pad(pads)};
        };
    }

    static Rule flip(int[] axes) { return (g, out, in) -> new Tensor[]{g.flip(axes)}; }

    /** A cast between float types (either way) passes the gradient through, in the input's type; to or from an integer or bool there is none. */
    static Rule cast() {
        return (g, out, in) -> new Tensor[]{in[0].dtype().isFloat() && out.dtype().isFloat() ? g.cast(in[0].dtype()) : null};
    }

    static Rule identity() { return (g, out, in) -> new Tensor[]{g}; }

    static Rule copy() { return (g, out, in) -> new Tensor[]{g.to(in[0].device())}; }
}
