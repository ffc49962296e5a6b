// The autograd tape: what each tensor was computed from, and the backward pass that walks it from a loss to the leaves.
package dev.jtiny;

import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.graph.LazyBuffer;
import dev.jtiny.runtime.graph.UserOp;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Only primitives record a {@link Node} (through {@link #derived}); composite ops get their gradients by the chain
 * rule through the primitives they are made of, each sending its gradient back with its {@link Grad.Rule}.
 */
final class Autograd {
    private Autograd() {}

    /** Depth of nested no-grad scopes on this thread; 0 records. */
    private static final ThreadLocal<int[]> NO_GRAD = ThreadLocal.withInitial(() -> new int[1]);

    /**
     * How a tensor that needs a gradient was computed. The inputs' and the output's graph nodes are kept as they
     * were when it was made: assign() may later point those tensors elsewhere.
     */
    record Node(Tensor[] parents, LazyBuffer[] inputsAtCreation, LazyBuffer outAtCreation, Grad.Rule rule) {}

    /** The result of a primitive over {@code in}: tracked for autograd when any input needs a gradient. */
    static Tensor derived(LazyBuffer out, Grad.Rule rule, Tensor... in) {
        Tensor t = new Tensor(out);
        if (NO_GRAD.get()[0] == 0 && out.dtype.isFloat()) {
            for (Tensor p : in) {
                if (p.requiresGrad) {
                    LazyBuffer[] inputs = new LazyBuffer[in.length];
                    for (int i = 0; i < in.length; i++) inputs[i] = in[i].lb;
                    t.requiresGrad = true;
                    t.made = new Node(in, inputs, out, rule);
                    break;
                }
            }
        }
        return t;
    }

    static Tensor requiresGrad(Tensor t, boolean on) {
        if (on && !t.lb.dtype.isFloat()) {
            throw new IllegalArgumentException("requiresGrad: only float tensors (float32, float64, float16, bfloat16) have gradients, this one is " + t.lb.dtype);
        }
        if (on && t.made != null) {
            throw new IllegalArgumentException("requiresGrad: this tensor is computed from others; call it on the leaf tensors (parameters) instead, or on detach()");
        }
        t.requiresGrad = on;
        return t;
    }

    static void setGrad(Tensor t, Tensor g) {
        if (g != null && !Arrays.equals(g.lb.shape(), t.lb.shape())) {
            throw new IllegalArgumentException("setGrad: gradient shape " + Arrays.toString(g.shape()) + " differs from the tensor's " + Arrays.toString(t.shape()));
        }
        if (g != null) g.lb.expose();
        t.grad = g;
    }

    static AutoCloseable noGrad() {
        int[] depth = NO_GRAD.get();
        depth[0]++;
        return () -> depth[0]--;
    }

    static <R> R noGrad(Supplier<R> body) {
        int[] depth = NO_GRAD.get();
        depth[0]++;
        try {
            return body.get();
        } finally {
            depth[0]--;
        }
    }

    static void backward(Tensor root) {
        if (root.numel() != 1) {
            throw new IllegalArgumentException("backward: the tensor has shape " + Arrays.toString(root.shape())
                    + "; backward() needs a single value such as a loss (reduce it first, e.g. .sum() or .mean())");
        }
        if (!root.requiresGrad) {
            throw new IllegalStateException("backward: nothing in this tensor's graph requires a gradient; mark the leaves "
                    + "(parameters) with requiresGrad(true) before computing from them");
        }
        List<Tensor> order = new ArrayList<>();
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        topo(root, seen, order);
        Map<Tensor, Tensor> grads = new IdentityHashMap<>();
        grads.put(root, root.onesLike().cast(root.lb.dtype.isFloat() ? root.lb.dtype : DType.FLOAT32));
        // The gradients flowing between nodes are the pass's own; only those it leaves on leaves are exposed.
        try (UserOp ignored = UserOp.internal()) {
            noGrad(() -> propagate(order, grads));
        }
        // The graph stays: a second backward (of this loss or of another sharing part of it) adds up correctly.
        // It is freed with the tensors, as soon as the loss and its intermediates are unreachable.
    }

    /** Sends each node's gradient to its parents, from the root down, and adds what reaches a leaf to its grad. */
    private static Void propagate(List<Tensor> order, Map<Tensor, Tensor> grads) {
        for (int i = order.size() - 1; i >= 0; i--) {
            Tensor t = order.get(i);
            Tensor g = grads.remove(t);
            if (g == null) continue;
            Node made = t.made;
            if (made == null) {
                t.grad = t.grad == null ? g : t.grad.add(g);
                t.grad.lb.expose();
                continue;
            }
            Tensor[] in = new Tensor[made.parents().length];
            for (int k = 0; k < in.length; k++) in[k] = new Tensor(made.inputsAtCreation()[k]);
            Tensor[] pg = made.rule().apply(g, new Tensor(made.outAtCreation()), in);
            for (int k = 0; k < made.parents().length; k++) {
                Tensor p = made.parents()[k];
                if (!p.requiresGrad || pg[k] == null) continue;
                grads.merge(p, pg[k], Tensor::add);
            }
        }
        return null;
    }

    /** Nodes that need a gradient, inputs before the tensors made from them; iterative so deep graphs are fine. */
    private static void topo(Tensor root, Set<Tensor> seen, List<Tensor> order) {
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[]{root, 0});
        seen.add(root);
        while (!stack.isEmpty()) {
            Object[] top = stack.peek();
            Tensor t = (Tensor) top[0];
            int next = (int) top[1];
            Tensor[] parents = t.made == null ? null : t.made.parents();
            if (parents != null && next < parents.length) {
                top[1] = next + 1;
                Tensor p = parents[next];
                if (p.requiresGrad && seen.add(p)) stack.push(new Object[]{p, 0});
            } else {
                stack.pop();
                order.add(t);
            }
        }
    }
}
