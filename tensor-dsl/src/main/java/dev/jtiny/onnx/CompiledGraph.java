// A GraphProto compiled for running: its nodes in order, each with its operator's step, and its initializers loaded.
package dev.jtiny.onnx;

import dev.jtiny.Tensor;
import dev.jtiny.onnx.OnnxProto.Node;
import dev.jtiny.onnx.OnnxProto.TensorProto;
import dev.jtiny.runtime.graph.LazyBuffer;
import dev.jtiny.runtime.graph.UserOp;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The model's main graph, or a subgraph of a control-flow node (If's branches, Loop's body), which may read any
 * value of the graphs around it by name. Errors thrown while compiling name the node but not the file: the model
 * adds that once, however deep the subgraph.
 */
final class CompiledGraph {
    /** A node ready to run; {@code index} is its place in {@link #nodes}, {@code foldable} whether its outputs may be kept (see {@link #run}). */
    private record Compiled(Node node, NodeAttrs attrs, Operator.Step step, int index, boolean foldable) {}

    /** Control flow runs subgraphs that read outer values by name, which its inputs do not show: never kept. */
    private static final Set<String> NOT_FOLDABLE = Set.of("If", "Loop", "Scan");

    /**
     * What a node made from weights alone, the last time it ran on a device: its input values (the tensors and their
     * graph nodes, compared by identity) and its outputs.
     */
    private record Folded(Object[] inputs, LazyBuffer[] inputNodes, Object[] outputs, LazyBuffer[] outputNodes) {
        /** Whether these outputs still stand for a run on {@code vals}: the same inputs, nothing assigned since. */
        boolean reads(Object[] vals) {
            for (int i = 0; i < outputs.length; i++) if (((Tensor) outputs[i]).lazyBuffer() != outputNodes[i]) return false;
            if (vals.length != inputs.length) return false;
            for (int i = 0; i < vals.length; i++) {
                if (vals[i] != inputs[i]) return false;
                if (vals[i] instanceof Tensor t && t.lazyBuffer() != inputNodes[i]) return false; // assigned since
            }
            return true;
        }
    }

    /** Where a graph finds values by name: its own, then the enclosing graph's (for subgraphs). */
    static final class Scope {
        private final Scope parent;
        private final Map<String, Object> values = new HashMap<>();

        Scope(Scope parent) { this.parent = parent; }

        Object get(String name) {
            for (Scope s = this; s != null; s = s.parent) {
                Object v = s.values.get(name);
                if (v != null) return v;
            }
            return null;
        }

        void put(String name, Object value) { values.put(name, value); }
    }

    final OnnxProto.Graph proto;
    private final Map<String, Integer> opsets;
    private final Path baseDir;
    private final Map<String, Tensor> weights = new LinkedHashMap<>();
    private final Map<String, Map<String, Tensor>> weightsByDevice = new HashMap<>();
    private final List<Compiled> nodes = new ArrayList<>();
    private final Set<String> gradientSources = new HashSet<>();
    /** Per device, each node's {@link Folded} outputs (null where none are kept). */
    private final Map<String, Folded[]> folded = new HashMap<>();
    /** Every value name this graph and the graphs around it define: what its subgraphs may read. */
    final Set<String> visible;

    /**
     * @param outer names defined by the enclosing graphs (empty for the main graph)
     */
    CompiledGraph(OnnxProto.Graph g, Map<String, Integer> opsets, Path baseDir, Set<String> outer) {
        this.proto = g;
        this.opsets = opsets;
        this.baseDir = baseDir;
        if (g.sparseInitializerCount() > 0) throw new OnnxException("sparse initializers are not supported");
        for (TensorProto tp : g.initializers()) {
            try {
                weights.put(tp.name(), HostValues.read(OnnxTensors.toTensor(tp, baseDir).realize()));
            } catch (OnnxException e) {
                throw new OnnxException("initializer '" + tp.name() + "': " + e.getMessage(), e);
            }
        }
        Set<String> known = new HashSet<>(outer);
        known.addAll(weights.keySet());
        for (OnnxProto.ValueInfo v : g.inputs()) known.add(v.name());
        visible = new HashSet<>(known);
        for (Node n : g.nodes()) visible.addAll(n.outputs());
        for (Node n : sorted(g.nodes(), known)) nodes.add(compile(n));
        Set<String> produced = new HashSet<>(known);
        for (Compiled c : nodes) produced.addAll(c.node.outputs());
        for (OnnxProto.ValueInfo o : g.outputs()) {
            if (!produced.contains(o.name())) throw new OnnxException("graph output '" + o.name() + "' is produced by no node");
        }
    }

    private Compiled compile(Node n) {
        String domain = Operators.normalDomain(n.domain());
        String domainName = domain.isEmpty() ? "ai.onnx" : domain;
        Integer version = opsets.get(domain);
        if (version == null) {
            throw new OnnxException("node " + n.label() + " (" + n.opType() + ") is in domain " + domainName + ", which the model does not import");
        }
        Operators.Entry e = Operators.find(domain, n.opType());
        if (e == null) {
            throw new OnnxException("unsupported operator " + n.opType() + " (domain " + domainName + ", opset " + version + ") at node " + n.label());
        }
        if (version < e.since()) {
            throw new OnnxException("operator " + n.opType() + " (domain " + domainName + ") at node " + n.label()
                    + " is supported from opset " + e.since() + ", the model uses opset " + version);
        }
        NodeAttrs attrs = new NodeAttrs(n, domain, version, baseDir, this);
        Operator.Step step;
        try {
            step = e.op().compile(attrs);
            attrs.checkAllRead();
        } catch (IllegalArgumentException ex) {
            throw attrs.error(ex.getMessage());
        }
        gradientSources.addAll(attrs.gradientSources);
        return new Compiled(n, attrs, step, nodes.size(), !NOT_FOLDABLE.contains(n.opType()) && !attrs.readsSubgraph());
    }

    /** A subgraph of one of this graph's nodes, compiled to read this graph's values. */
    CompiledGraph subgraph(OnnxProto.Graph g) { return new CompiledGraph(g, opsets, baseDir, visible); }

    Map<String, Tensor> weights() { return weights; }

    List<String> inputNames() { return proto.inputs().stream().map(OnnxProto.ValueInfo::name).toList(); }

    List<String> outputNames() { return proto.outputs().stream().map(OnnxProto.ValueInfo::name).toList(); }

    /** Binds this graph's initializers (on {@code device}) into {@code scope}, unless the scope already has a value. */
    void bindWeights(Scope scope, String device) {
        for (Map.Entry<String, Tensor> w : weightsOn(device).entrySet()) {
            if (scope.values.get(w.getKey()) == null) scope.put(w.getKey(), w.getValue());
        }
    }

    /**
     * Runs every node, reading inputs from and writing outputs to {@code scope}.
     *
     * <p>A node whose inputs all come from the weights (initializers, and what other such nodes made of them) makes
     * the same values on every run: a ConstantOfShape of a stored shape, a weight's Transpose or Reshape, a Mul of
     * two weights. Its outputs are kept the first time, per device, and later runs reuse them instead of building
     * the same graph again (ONNX Runtime folds these once, when it loads a model). Kept outputs that are computed
     * rather than stored are realized with the first run that needs them and read from memory after that. Nothing
     * is kept for a graph that computes gradients, or for a subgraph, whose outer values change between runs.
     */
    void run(Scope scope, String device) {
        for (String s : gradientSources) if (scope.get(s) instanceof Tensor t) scope.put(s, t.detach().requiresGrad(true));
        boolean fold = gradientSources.isEmpty() && scope.parent == null;
        Set<Object> fromWeights = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        Folded[] kept = null;
        if (fold) {
            for (Map.Entry<String, Tensor> w : weightsOn(device).entrySet()) {
                if (scope.values.get(w.getKey()) == w.getValue()) fromWeights.add(w.getValue()); // not fed by the caller
            }
            synchronized (folded) {
                kept = folded.computeIfAbsent(device, d -> new Folded[nodes.size()]);
            }
        }
        for (Compiled c : nodes) {
            List<String> ins = c.node.inputs();
            Object[] vals = new Object[ins.size() + c.attrs.extraInputs.size()];
            boolean constant = fold && c.foldable;
            for (int i = 0; i < vals.length; i++) {
                String name = i < ins.size() ? ins.get(i) : c.attrs.extraInputs.get(i - ins.size());
                if (name.isEmpty()) continue;
                vals[i] = scope.get(name);
                if (vals[i] == null) throw c.attrs.error("input '" + name + "' has no value");
                constant &= fromWeights.contains(vals[i]);
            }
            Object[] outs;
            Folded before = constant ? kept[c.index] : null;
            if (before != null && before.reads(vals)) {
                outs = before.outputs;
            } else {
                // The ONNX op type names the graph nodes it makes, so kernel logs say "fused Conv, Relu".
                try (UserOp ignored = UserOp.enter(c.node.opType())) {
                    outs = c.step.run(new Args(vals, c.attrs, device, scope));
                } catch (OnnxException e) {
                    throw e;
                } catch (RuntimeException e) {
                    throw c.attrs.error(e.getMessage() == null ? e.toString() : e.getMessage());
                }
                if (constant && outs.length > 0 && java.util.Arrays.stream(outs).allMatch(o -> o instanceof Tensor)) {
                    LazyBuffer[] nodesIn = new LazyBuffer[vals.length];
                    for (int i = 0; i < vals.length; i++) if (vals[i] instanceof Tensor t) nodesIn[i] = t.lazyBuffer();
                    LazyBuffer[] nodesOut = new LazyBuffer[outs.length];
                    for (int i = 0; i < outs.length; i++) {
                        nodesOut[i] = ((Tensor) outs[i]).lazyBuffer();
                        nodesOut[i].expose(); // kept for later runs: computed once, then read from memory
                    }
                    kept[c.index] = new Folded(vals, nodesIn, outs.clone(), nodesOut);
                } else {
                    constant = false;
                }
            }
            List<String> on = c.node.outputs();
            for (int i = 0; i < on.size(); i++) {
                if (on.get(i).isEmpty()) continue;
                if (i >= outs.length || outs[i] == null) throw c.attrs.error("jtiny does not compute output " + i + " ('" + on.get(i) + "')");
                Object v = outs[i];
                if (gradientSources.contains(on.get(i)) && v instanceof Tensor t) v = t.detach().requiresGrad(true);
                scope.put(on.get(i), v);
                if (constant) fromWeights.add(v);
            }
        }
    }

    /** Op types of this graph's nodes and its subgraphs', with counts. */
    void countOps(Map<String, Integer> counts) {
        for (Compiled c : nodes) counts.merge(c.node.opType(), 1, Integer::sum);
    }

    int size() { return nodes.size(); }

    private synchronized Map<String, Tensor> weightsOn(String device) {
        return weightsByDevice.computeIfAbsent(device, d -> {
            Map<String, Tensor> m = new HashMap<>();
            for (Map.Entry<String, Tensor> w : weights.entrySet()) {
                Tensor t = w.getValue();
                m.put(w.getKey(), HostValues.read(t.device().equals(d) ? t : t.to(d).realize()));
            }
            return m;
        });
    }

    /** The nodes in an order where every input is made before it is used (the file's order when it already is). */
    private static List<Node> sorted(List<Node> all, Set<String> known) {
        Set<String> have = new HashSet<>(known);
        have.add("");
        List<Node> out = new ArrayList<>(all.size());
        List<Node> pending = new ArrayList<>(all);
        while (!pending.isEmpty()) {
            List<Node> next = new ArrayList<>();
            for (Node n : pending) {
                if (have.containsAll(n.inputs())) {
                    out.add(n);
                    have.addAll(n.outputs());
                } else next.add(n);
            }
            if (next.size() == pending.size()) {
                Node n = next.getFirst();
                String missing = n.inputs().stream().filter(i -> !have.contains(i)).findFirst().orElse("?");
                throw new OnnxException("node " + n.label() + " (" + n.opType() + ") reads '" + missing + "', which no node, input or initializer provides");
            }
            pending = next;
        }
        return out;
    }
}
