// A node's input values while it runs: tensors, sequences, and the small integer inputs shape ops read on the host.
package dev.jtiny.onnx;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.DType;

import java.util.Arrays;
import java.util.List;

/**
 * The values bound to a node's inputs (absent optional inputs are null) and the device the run uses, so that
 * tensors an operator makes from host values land beside the others.
 */
final class Args {
    private final Object[] values;
    private final NodeAttrs node;
    final String device;
    /** The values of the graph the node is in (and those around it), for subgraphs that read them. */
    final CompiledGraph.Scope scope;

    Args(Object[] values, NodeAttrs node, String device, CompiledGraph.Scope scope) {
        this.values = values;
        this.node = node;
        this.device = device;
        this.scope = scope;
    }

    int count() { return values.length; }

    boolean has(int i) { return i < values.length && values[i] != null; }

    /** Input {@code i} as it is: a Tensor, a List of Tensors (a sequence), or null when absent. */
    Object value(int i) { return i < values.length ? values[i] : null; }

    /** A required tensor input. */
    Tensor t(int i) {
        if (!has(i)) throw node.error("input " + i + " is missing");
        if (!(values[i] instanceof Tensor t)) throw node.error("input " + i + " is a sequence, expected a tensor");
        return t;
    }

    /** An optional tensor input, or null. */
    Tensor opt(int i) { return has(i) ? t(i) : null; }

    @SuppressWarnings("unchecked")
    List<Tensor> seq(int i) {
        if (!has(i)) throw node.error("input " + i + " is missing");
        if (!(values[i] instanceof List<?> l)) throw node.error("input " + i + " is a tensor, expected a sequence");
        return (List<Tensor>) l;
    }

    /**
     * An integer input's values on the host: known there already for initializers, constants and shapes (see
     * {@link HostValues}), else read back (shape-computing inputs are small: this realizes them).
     */
    long[] longs(int i) {
        Tensor t = t(i);
        if (t.dtype().isFloat()) throw node.error("input " + i + " must be an integer tensor, got " + t.dtype());
        return HostValues.of(t);
    }

    /** An integer input that must hold one value. */
    long scalarLong(int i) {
        long[] v = longs(i);
        if (v.length != 1) throw node.error("input " + i + " must hold one value, got shape " + Arrays.toString(t(i).shape()));
        return v[0];
    }

    /** A numeric input that must hold one value, as a double. */
    double scalar(int i) {
        Tensor t = t(i);
        if (t.numel() != 1) throw node.error("input " + i + " must hold one value, got shape " + Arrays.toString(t.shape()));
        return t.dtype().isFloat() ? t.toDoubleArray()[0] : HostValues.of(t)[0];
    }

    /** A constant on this run's device. */
    Tensor full(int[] shape, double value, DType dtype) { return Tensor.full(shape, value, dtype, device); }

    /** An int64 vector made on the host, on this run's device. */
    Tensor longsTensor(long... v) { return HostValues.remember(on(Tensor.ofLongs(v)), v); }

    /** A tensor made on the host, moved to this run's device. */
    Tensor on(Tensor host) { return host.to(device); }

    OnnxException error(String what) { return node.error(what); }
}
