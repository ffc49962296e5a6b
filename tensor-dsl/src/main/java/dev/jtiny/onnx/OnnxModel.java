// An ONNX model loaded into jtiny: its graph becomes ordinary lazy Tensor ops, so it fuses and runs on any device.
package dev.jtiny.onnx;

import dev.jtiny.Tensor;
import dev.jtiny.onnx.OnnxProto.Dim;
import dev.jtiny.onnx.OnnxProto.Model;
import dev.jtiny.onnx.OnnxProto.Node;
import dev.jtiny.onnx.OnnxProto.TensorProto;
import dev.jtiny.onnx.OnnxProto.Type;
import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.Devices;
import dev.jtiny.runtime.UserOp;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code OnnxModel m = OnnxModel.load(Path.of("model.onnx")); Map<String, Tensor> out = m.run(Map.of("x", x));}
 *
 * <p>Loading parses the file, loads initializers as realized tensors and compiles every node; an operator, an
 * attribute value or an opset jtiny does not handle fails here, with the node's name, op type, domain and opset,
 * never later with a different answer. {@link #run} binds the inputs and builds each node's Tensor ops: the results
 * are lazy tensors like any others (read them, or {@link Tensor#realize(Tensor...)} them together), so the whole
 * model fuses into few kernels, and DEBUG, the kernel log and the magics see it unchanged. Small integer tensors that
 * compute shapes (Shape, Reshape's shape, Slice's starts) are read back to the host while the graph is built.
 *
 * <p>The model runs on the device its inputs are on (all inputs on one device); the weights are copied to that
 * device on first use and kept there.
 */
public final class OnnxModel {
    /**
     * A graph input or output: its name, dtype, and shape, where a symbolic or unknown dimension is -1 with its name
     * (or null) in {@code dimNames} at the same position. {@code shape} is null when the model gives no shape at all.
     */
    public record ValueInfo(String name, DType dtype, int[] shape, List<String> dimNames) {
        @Override public String toString() {
            StringBuilder b = new StringBuilder(name).append(": ").append(dtype);
            if (shape == null) return b.append("[?]").toString();
            b.append('[');
            for (int i = 0; i < shape.length; i++) {
                if (i > 0) b.append(',');
                b.append(shape[i] >= 0 ? String.valueOf(shape[i]) : dimNames.get(i) != null ? dimNames.get(i) : "?");
            }
            return b.append(']').toString();
        }
    }

    private record Compiled(Node node, NodeAttrs attrs, Operator.Step step) {}

    private final Model proto;
    private final String source;
    private final int opset;
    private final Map<String, Tensor> weights = new LinkedHashMap<>();
    private final Map<String, Map<String, Tensor>> weightsByDevice = new HashMap<>();
    private final List<ValueInfo> inputs = new ArrayList<>(), outputs = new ArrayList<>();
    /** Graph inputs that have an initializer: optional, the initializer is their default. */
    private final Map<String, ValueInfo> defaultedInputs = new LinkedHashMap<>();
    private final List<Compiled> nodes = new ArrayList<>();
    private final Set<String> gradientSources = new HashSet<>();

    private OnnxModel(Model proto, Path baseDir, String source) {
        this.proto = proto;
        this.source = source;
        Map<String, Integer> opsets = new HashMap<>();
        for (OnnxProto.OpsetId o : proto.opsets()) opsets.merge(Operators.normalDomain(o.domain()), (int) o.version(), Math::max);
        if (!opsets.containsKey("")) {
            if (proto.irVersion() >= 3) throw new OnnxException(source + ": the model imports no version of the default (ai.onnx) opset");
            opsets.put("", 1);  // IR version 1 and 2 models predate opset_import
        }
        this.opset = opsets.get("");
        if (opset > Operators.MAX_OPSET) {
            throw new OnnxException(source + ": opset " + opset + " of ai.onnx is newer than jtiny knows (up to " + Operators.MAX_OPSET + ")");
        }
        OnnxProto.Graph g = proto.graph();
        if (g.sparseInitializerCount() > 0) throw new OnnxException(source + ": sparse initializers are not supported");

        for (TensorProto tp : g.initializers()) {
            try {
                weights.put(tp.name(), OnnxTensors.toTensor(tp, baseDir).realize());
            } catch (OnnxException e) {
                throw new OnnxException(source + ": initializer '" + tp.name() + "': " + e.getMessage(), e);
            }
        }
        for (OnnxProto.ValueInfo v : g.inputs()) {
            ValueInfo info = info(v, "input");
            if (weights.containsKey(v.name())) defaultedInputs.put(v.name(), info);
            else inputs.add(info);
        }
        for (OnnxProto.ValueInfo v : g.outputs()) outputs.add(info(v, "output"));

        Set<String> known = new HashSet<>(weights.keySet());
        for (OnnxProto.ValueInfo v : g.inputs()) known.add(v.name());
        for (Node n : sorted(g.nodes(), known)) {
            String domain = Operators.normalDomain(n.domain());
            String domainName = domain.isEmpty() ? "ai.onnx" : domain;
            Integer version = opsets.get(domain);
            if (version == null) {
                throw new OnnxException(source + ": node " + n.label() + " (" + n.opType() + ") is in domain " + domainName + ", which the model does not import");
            }
            Operators.Entry e = Operators.find(domain, n.opType());
            if (e == null) {
                throw new OnnxException(source + ": unsupported operator " + n.opType() + " (domain " + domainName + ", opset " + version
                        + ") at node " + n.label());
            }
            if (version < e.since()) {
                throw new OnnxException(source + ": operator " + n.opType() + " (domain " + domainName + ") at node " + n.label()
                        + " is supported from opset " + e.since() + ", the model uses opset " + version);
            }
            NodeAttrs attrs = new NodeAttrs(n, domain, version, baseDir);
            Operator.Step step;
            try {
                step = e.op().compile(attrs);
                attrs.checkAllRead();
            } catch (OnnxException ex) {
                throw new OnnxException(source + ": " + ex.getMessage(), ex);
            } catch (IllegalArgumentException ex) {
                throw new OnnxException(source + ": " + attrs.error(ex.getMessage()).getMessage(), ex);
            }
            gradientSources.addAll(attrs.gradientSources);
            nodes.add(new Compiled(n, attrs, step));
        }
        Set<String> produced = new HashSet<>(known);
        for (Compiled c : nodes) produced.addAll(c.node.outputs());
        for (ValueInfo o : outputs) {
            if (!produced.contains(o.name())) throw new OnnxException(source + ": graph output '" + o.name() + "' is produced by no node");
        }
    }

    // ================================================================ loading

    public static OnnxModel load(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read ONNX model " + file + ": " + e.getMessage(), e);
        }
        return load(bytes, file.toAbsolutePath().getParent(), file.toString());
    }

    /** A model from its bytes; it must not keep weights in external files (there is no directory to find them in). */
    public static OnnxModel load(byte[] bytes) { return load(bytes, null, "ONNX model"); }

    public static OnnxModel load(InputStream in) {
        try {
            return load(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read ONNX model from stream: " + e.getMessage(), e);
        }
    }

    private static OnnxModel load(byte[] bytes, Path baseDir, String source) {
        Model m;
        try {
            m = OnnxProto.parseModel(bytes);
        } catch (OnnxException e) {
            throw new OnnxException(source + ": " + e.getMessage(), e);
        }
        return new OnnxModel(m, baseDir, source);
    }

    // ================================================================ what the model is

    /** The inputs a caller provides (graph inputs with an initializer are optional and not listed). */
    public List<ValueInfo> inputs() { return List.copyOf(inputs); }

    public List<ValueInfo> outputs() { return List.copyOf(outputs); }

    /** The version of the default (ai.onnx) opset the model imports. */
    public int opset() { return opset; }

    public String producer() { return (proto.producerName() + " " + proto.producerVersion()).trim(); }

    /** Op types the graph uses, with how many nodes of each. */
    public Map<String, Integer> opCounts() {
        Map<String, Integer> m = new TreeMap<>();
        for (Compiled c : nodes) m.merge(c.node.opType(), 1, Integer::sum);
        return m;
    }

    /** The operators jtiny implements: "Conv", "Relu", … for the default domain, "domain.Op" for others. */
    public static java.util.SortedSet<String> supportedOperators() {
        java.util.SortedSet<String> s = new java.util.TreeSet<>();
        for (Operators.Entry e : Operators.all().values()) s.add(e.domain().isEmpty() ? e.opType() : e.domain() + "." + e.opType());
        return s;
    }

    /** The initializers (weights), realized, on the device the model was loaded on. */
    public Map<String, Tensor> weights() { return java.util.Collections.unmodifiableMap(weights); }

    @Override public String toString() {
        return "OnnxModel(" + source + ", opset " + opset + ", " + nodes.size() + " nodes, inputs " + inputs + ", outputs " + outputs + ")";
    }

    // ================================================================ running

    /** The graph's outputs, by name, for inputs given in the order of {@link #inputs()}. */
    public Map<String, Tensor> run(Tensor... inputs) {
        if (inputs.length != this.inputs.size()) {
            throw new OnnxException("run: the model takes " + this.inputs.size() + " inputs " + this.inputs + ", got " + inputs.length);
        }
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        for (int i = 0; i < inputs.length; i++) feeds.put(this.inputs.get(i).name(), inputs[i]);
        return run(feeds);
    }

    /** The graph's outputs, by name, for the given inputs (by name). */
    public Map<String, Tensor> run(Map<String, Tensor> feeds) {
        return run(feeds, outputs.stream().map(ValueInfo::name).toArray(String[]::new));
    }

    /** The values named {@code names}: graph outputs or any intermediate value of the graph. */
    public Map<String, Tensor> run(Map<String, Tensor> feeds, String... names) {
        String device = deviceOf(feeds);
        Map<String, Object> env = new HashMap<>(weightsOn(device));
        for (Map.Entry<String, Tensor> f : feeds.entrySet()) {
            ValueInfo info = declared(f.getKey());
            check(info, f.getValue());
            env.put(f.getKey(), f.getValue());
        }
        for (ValueInfo in : inputs) {
            if (!feeds.containsKey(in.name())) throw new OnnxException("run: missing input '" + in.name() + "' (" + in + ")");
        }
        for (String s : gradientSources) if (env.get(s) instanceof Tensor t) env.put(s, t.detach().requiresGrad(true));

        Set<String> wanted = new LinkedHashSet<>(Arrays.asList(names));
        for (Compiled c : nodes) {
            List<String> ins = c.node.inputs();
            Object[] vals = new Object[ins.size() + c.attrs.extraInputs.size()];
            for (int i = 0; i < vals.length; i++) {
                String name = i < ins.size() ? ins.get(i) : c.attrs.extraInputs.get(i - ins.size());
                if (name.isEmpty()) continue;
                vals[i] = env.get(name);
                if (vals[i] == null) throw c.attrs.error("input '" + name + "' has no value");
            }
            Object[] outs;
            // The ONNX op type names the graph nodes it makes, so kernel logs say "fused Conv, Relu".
            try (UserOp ignored = UserOp.enter(c.node.opType())) {
                outs = c.step.run(new Args(vals, c.attrs, device));
            } catch (OnnxException e) {
                throw e;
            } catch (RuntimeException e) {
                throw c.attrs.error(e.getMessage() == null ? e.toString() : e.getMessage());
            }
            List<String> on = c.node.outputs();
            for (int i = 0; i < on.size(); i++) {
                if (on.get(i).isEmpty()) continue;
                if (i >= outs.length || outs[i] == null) throw c.attrs.error("jtiny does not compute output " + i + " ('" + on.get(i) + "')");
                Object v = outs[i];
                if (gradientSources.contains(on.get(i)) && v instanceof Tensor t) v = t.detach().requiresGrad(true);
                env.put(on.get(i), v);
            }
        }
        Map<String, Tensor> result = new LinkedHashMap<>();
        for (String n : wanted) {
            Object v = env.get(n);
            if (v == null) throw new OnnxException("run: the graph has no value named '" + n + "'");
            if (!(v instanceof Tensor t)) throw new OnnxException("run: '" + n + "' is a sequence of " + ((List<?>) v).size() + " tensors, not a tensor");
            result.put(n, t);
        }
        return result;
    }

    private ValueInfo declared(String name) {
        for (ValueInfo v : inputs) if (v.name().equals(name)) return v;
        ValueInfo v = defaultedInputs.get(name);
        if (v != null) return v;
        List<String> names = inputs.stream().map(ValueInfo::name).toList();
        throw new OnnxException("run: the model has no input '" + name + "' (its inputs: " + names + ")");
    }

    private static void check(ValueInfo info, Tensor t) {
        if (info.dtype() != null && t.dtype() != info.dtype()) {
            throw new OnnxException("run: input '" + info.name() + "' is " + t.dtype() + " but the model declares " + info
                    + "; convert it with cast(DType." + info.dtype().name() + ")");
        }
        int[] s = info.shape();
        if (s == null) return;
        int[] ts = t.shape();
        boolean ok = s.length == ts.length;
        for (int i = 0; ok && i < s.length; i++) ok = s[i] < 0 || s[i] == ts[i];
        if (!ok) throw new OnnxException("run: input '" + info.name() + "' has shape " + Arrays.toString(ts) + " but the model declares " + info);
    }

    private static String deviceOf(Map<String, Tensor> feeds) {
        String device = null;
        for (Map.Entry<String, Tensor> f : feeds.entrySet()) {
            String d = f.getValue().device();
            if (device == null) device = d;
            else if (!device.equals(d)) {
                throw new OnnxException("run: inputs are on different devices (" + device + " and " + d + " for '" + f.getKey() + "'); move them to one");
            }
        }
        return device != null ? device : Devices.defaultName();
    }

    private synchronized Map<String, Tensor> weightsOn(String device) {
        return weightsByDevice.computeIfAbsent(device, d -> {
            Map<String, Tensor> m = new HashMap<>();
            for (Map.Entry<String, Tensor> w : weights.entrySet()) {
                Tensor t = w.getValue();
                m.put(w.getKey(), t.device().equals(d) ? t : t.to(d).realize());
            }
            return m;
        });
    }

    // ================================================================ load-time helpers

    private ValueInfo info(OnnxProto.ValueInfo v, String what) {
        Type t = v.type();
        if (t.kind().equals("unknown")) return new ValueInfo(v.name(), null, null, null);
        if (!t.kind().equals("tensor")) {
            throw new OnnxException(source + ": graph " + what + " '" + v.name() + "' is a " + t.kind() + "; jtiny passes tensors in and out of models");
        }
        DType d = t.elemType() == 0 ? null : OnnxTensors.dtypeOf(t.elemType(), source + ": graph " + what + " '" + v.name() + "'");
        if (t.shape() == null) return new ValueInfo(v.name(), d, null, null);
        int[] shape = new int[t.shape().size()];
        List<String> names = new ArrayList<>();
        for (int i = 0; i < shape.length; i++) {
            Dim dim = t.shape().get(i);
            shape[i] = dim.known() && dim.value() <= Integer.MAX_VALUE ? (int) dim.value() : -1;
            names.add(dim.known() ? null : dim.param());
        }
        return new ValueInfo(v.name(), d, shape, java.util.Collections.unmodifiableList(names));
    }

    /** The nodes in an order where every input is made before it is used (the file's order when it already is). */
    private List<Node> sorted(List<Node> all, Set<String> known) {
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
                throw new OnnxException(source + ": node " + n.label() + " (" + n.opType() + ") reads '" + missing + "', which no node, input or initializer provides");
            }
            pending = next;
        }
        return out;
    }
}
