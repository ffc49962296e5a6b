// One node's attributes as an operator reads them at load time, with errors that name the node, its op and its opset.
package dev.jtiny.onnx;

import dev.jtiny.Tensor;
import dev.jtiny.onnx.OnnxProto.Attribute;
import dev.jtiny.onnx.OnnxProto.Node;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What an {@link Operator} sees while it compiles a node: the attributes (typed getters with the specification's
 * defaults), the opset version in effect for the node's domain, and how many inputs and outputs the node names.
 * Every attribute the operator reads is ticked off; an attribute it never read is one it does not understand, and
 * {@link #checkAllRead} makes that a load-time error rather than a silently different answer.
 */
final class NodeAttrs {
    final Node node;
    final int opset;
    private final String domain;
    private final Map<String, Attribute> attrs = new LinkedHashMap<>();
    private final Set<String> read = new HashSet<>();
    private final Path baseDir;
    private final CompiledGraph graph;

    NodeAttrs(Node node, String domain, int opset, Path baseDir, CompiledGraph graph) {
        this.node = node;
        this.domain = domain;
        this.opset = opset;
        this.baseDir = baseDir;
        this.graph = graph;
        for (Attribute a : node.attributes()) {
            if (!a.refAttrName().isEmpty()) throw error("attribute '" + a.name() + "' refers to a function attribute, which only functions may do");
            if (attrs.put(a.name(), a) != null) throw error("attribute '" + a.name() + "' is given twice");
        }
    }

    String opType() { return node.opType(); }

    /** Values the node reads besides its inputs (Gradient's y): bound after the inputs, in this order. */
    final java.util.List<String> extraInputs = new java.util.ArrayList<>();
    /** Values that must track gradients from the moment they are made (Gradient's xs). */
    final Set<String> gradientSources = new HashSet<>();

    /** Asks for the value named {@code name} as an extra input; returns its index in the step's {@link Args}. */
    int extraInput(String name) {
        extraInputs.add(name);
        return node.inputs().size() + extraInputs.size() - 1;
    }

    /** Inputs named by the node, counting trailing empty names as absent. */
    int inputCount() {
        int n = node.inputs().size();
        while (n > 0 && node.inputs().get(n - 1).isEmpty()) n--;
        return n;
    }

    boolean hasInput(int i) { return i < node.inputs().size() && !node.inputs().get(i).isEmpty(); }

    int outputCount() { return node.outputs().size(); }

    boolean hasOutput(int i) { return i < node.outputs().size() && !node.outputs().get(i).isEmpty(); }

    /** An error about this node, for things found while loading or running it. */
    OnnxException error(String what) {
        String d = domain.isEmpty() ? "ai.onnx" : domain;
        return new OnnxException("node " + node.label() + " (" + node.opType() + ", domain " + d + ", opset " + opset + "): " + what);
    }

    boolean has(String name) {
        read.add(name);
        return attrs.containsKey(name);
    }

    private Attribute get(String name, int type) {
        read.add(name);
        Attribute a = attrs.get(name);
        if (a != null && a.type() != type) {
            throw error("attribute '" + name + "' has type " + typeName(a.type()) + ", expected " + typeName(type));
        }
        return a;
    }

    long i(String name, long dflt) {
        Attribute a = get(name, OnnxProto.A_INT);
        return a == null ? dflt : a.i();
    }

    /** An int attribute that must be present. */
    long i(String name) {
        Attribute a = get(name, OnnxProto.A_INT);
        if (a == null) throw error("required attribute '" + name + "' is missing");
        return a.i();
    }

    int int32(String name, int dflt) {
        long v = i(name, dflt);
        if (v != (int) v) throw error("attribute '" + name + "' = " + v + " is out of range");
        return (int) v;
    }

    double f(String name, double dflt) {
        Attribute a = get(name, OnnxProto.A_FLOAT);
        return a == null ? dflt : a.f();
    }

    String s(String name, String dflt) {
        Attribute a = get(name, OnnxProto.A_STRING);
        return a == null ? dflt : new String(a.s(), StandardCharsets.UTF_8);
    }

    /** An ints attribute, or null when absent. */
    long[] ints(String name) {
        Attribute a = get(name, OnnxProto.A_INTS);
        return a == null ? null : a.ints().clone();
    }

    int[] int32s(String name) {
        long[] v = ints(name);
        if (v == null) return null;
        int[] r = new int[v.length];
        for (int k = 0; k < v.length; k++) {
            if (v[k] != (int) v[k]) throw error("attribute '" + name + "' = " + Arrays.toString(v) + " has a value out of range");
            r[k] = (int) v[k];
        }
        return r;
    }

    float[] floats(String name) {
        Attribute a = get(name, OnnxProto.A_FLOATS);
        return a == null ? null : a.floats().clone();
    }

    String[] strings(String name) {
        Attribute a = get(name, OnnxProto.A_STRINGS);
        if (a == null) return null;
        return a.strings().stream().map(b -> new String(b, StandardCharsets.UTF_8)).toArray(String[]::new);
    }

    /** A tensor attribute as a (host) tensor, or null when absent. */
    Tensor tensor(String name) {
        Attribute a = get(name, OnnxProto.A_TENSOR);
        if (a == null) return null;
        try {
            return OnnxTensors.toTensor(a.t(), baseDir);
        } catch (OnnxException e) {
            throw error("attribute '" + name + "': " + e.getMessage());
        }
    }

    /** A graph attribute (a control-flow body or branch), compiled to read the enclosing graphs' values. */
    /** Whether the operator compiled a subgraph of this node (control flow: it reads outer values by name). */
    boolean readsSubgraph() { return readsSubgraph; }

    private boolean readsSubgraph;

    CompiledGraph subgraph(String name) {
        readsSubgraph = true;
        Attribute a = get(name, OnnxProto.A_GRAPH);
        if (a == null) throw error("required attribute '" + name + "' is missing");
        try {
            return graph.subgraph(a.g());
        } catch (OnnxException e) {
            throw error("in subgraph '" + name + "': " + e.getMessage());
        }
    }

    /** A string attribute that must be one of {@code allowed}. */
    String choice(String name, String dflt, String... allowed) {
        String v = s(name, dflt);
        for (String x : allowed) if (x.equals(v)) return v;
        throw error("attribute " + name + "=\"" + v + "\" is not supported (jtiny supports " + String.join(", ", allowed) + ")");
    }

    /** An int attribute that must be one of {@code allowed}. */
    long choice(String name, long dflt, long... allowed) {
        long v = i(name, dflt);
        for (long x : allowed) if (x == v) return v;
        throw error("attribute " + name + "=" + v + " is not supported (jtiny supports " + Arrays.toString(allowed) + ")");
    }

    /** Fails on any attribute the operator did not read: it would change the answer in a way jtiny does not know. */
    void checkAllRead() {
        for (String name : attrs.keySet()) {
            if (!read.contains(name)) throw error("attribute '" + name + "' is not supported");
        }
    }

    private static String typeName(int t) {
        return switch (t) {
            case OnnxProto.A_FLOAT -> "float"; case OnnxProto.A_INT -> "int"; case OnnxProto.A_STRING -> "string";
            case OnnxProto.A_TENSOR -> "tensor"; case OnnxProto.A_GRAPH -> "graph"; case OnnxProto.A_FLOATS -> "floats";
            case OnnxProto.A_INTS -> "ints"; case OnnxProto.A_STRINGS -> "strings"; case OnnxProto.A_TENSORS -> "tensors";
            case OnnxProto.A_GRAPHS -> "graphs"; case OnnxProto.A_SPARSE_TENSOR -> "sparse tensor";
            case OnnxProto.A_SPARSE_TENSORS -> "sparse tensors"; case OnnxProto.A_TYPE_PROTO -> "type proto";
            case OnnxProto.A_TYPE_PROTOS -> "type protos";
            default -> "type " + t;
        };
    }
}
