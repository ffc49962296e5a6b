// Integer tensors whose values the host already knows, so that shape inputs are read without a device round trip.
package dev.jtiny.onnx;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.graph.LazyBuffer;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * A model's shape-computing inputs (Reshape's shape, ConstantOfShape's, Expand's, Slice's bounds …) are small integer
 * tensors that the operators read on the host. Most come from the host to begin with: integer initializers, Constant
 * nodes, Shape's output. Reading them back from the device again on every run would cost a round trip each (a
 * blocking read that also waits for the work queued before it: hundreds per run of a model whose weights are
 * ConstantOfShape nodes). So their values are remembered here when they are made, keyed by the tensor's graph node:
 * a node never changes its values (assign gives a tensor a new node), and the entry goes with the node.
 */
final class HostValues {
    /** Tensors longer than this are not remembered: shape inputs are short, and data is read rarely. */
    static final int MAX_LENGTH = 64;
    private static final Map<LazyBuffer, long[]> known = Collections.synchronizedMap(new WeakHashMap<>());

    private HostValues() {}

    /** Remembers that {@code t} holds {@code values} (row-major), if it is short; returns {@code t}. */
    static Tensor remember(Tensor t, long[] values) {
        if (values.length <= MAX_LENGTH && !t.dtype().isFloat()) known.put(t.lazyBuffer(), values.clone());
        return t;
    }

    /** An integer tensor's values: from the host when they are known there, else read back from its device. */
    static long[] of(Tensor t) {
        long[] v = known.get(t.lazyBuffer());
        return v != null ? v.clone() : t.toLongArray();
    }

    /** Remembers a short integer tensor's values, reading them once (a weight, a constant: realized when loaded). */
    static Tensor read(Tensor t) {
        if (t.dtype().isFloat() || t.numel() > MAX_LENGTH || known.containsKey(t.lazyBuffer())) return t;
        return remember(t, t.toLongArray());
    }
}
