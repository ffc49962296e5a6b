// An ONNX model loaded into jtiny: its graph becomes ordinary lazy Tensor ops, so it fuses and runs on any device.
package dev.jtiny.onnx;

import dev.jtiny.Tensor;
import dev.jtiny.onnx.OnnxProto.Dim;
import dev.jtiny.onnx.OnnxProto.Model;
import dev.jtiny.onnx.OnnxProto.Node;
import dev.jtiny.onnx.OnnxProto.TensorProto;
import dev.jtiny.onnx.OnnxProto.Type;
import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.engine.Devices;
import dev.jtiny.runtime.graph.UserOp;

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


    private final Model proto;
    private final String source;
    private final int opset;
    private final CompiledGraph graph;
    private final List<ValueInfo> inputs = new ArrayList<>(), outputs = new ArrayList<>();
    /** Graph inputs that have an initializer: optional, the initializer is their default. */
    private final Map<String, ValueInfo> defaultedInputs = new LinkedHashMap<>();

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
        try {
            graph = new CompiledGraph(g, opsets, baseDir, Set.of());
            for (OnnxProto.ValueInfo v : g.inputs()) {
                ValueInfo info = info(v, "input");
                if (graph.weights().containsKey(v.name())) defaultedInputs.put(v.name(), info);
                else inputs.add(info);
            }
            for (OnnxProto.ValueInfo v : g.outputs()) outputs.add(info(v, "output"));
        } catch (OnnxException e) {
            throw new OnnxException(source + ": " + e.getMessage(), e);
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
    /** {@link #load(Path)} of a path given as text: {@code OnnxModel.load("resnet50.onnx")}. */
    public static OnnxModel load(String file) { return load(Path.of(file)); }

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
        graph.countOps(m);
        return m;
    }

    /** The operators jtiny implements: "Conv", "Relu", … for the default domain, "domain.Op" for others. */
    public static java.util.SortedSet<String> supportedOperators() {
        java.util.SortedSet<String> s = new java.util.TreeSet<>();
        for (Operators.Entry e : Operators.all().values()) s.add(e.domain().isEmpty() ? e.opType() : e.domain() + "." + e.opType());
        return s;
    }

    /** The initializers (weights), realized, on the device the model was loaded on. */
    public Map<String, Tensor> weights() { return java.util.Collections.unmodifiableMap(graph.weights()); }

    @Override public String toString() {
        return "OnnxModel(" + source + ", opset " + opset + ", " + graph.size() + " nodes, inputs " + inputs + ", outputs " + outputs + ")";
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
        CompiledGraph.Scope scope = new CompiledGraph.Scope(null);
        for (Map.Entry<String, Tensor> f : feeds.entrySet()) {
            ValueInfo info = declared(f.getKey());
            check(info, f.getValue());
            scope.put(f.getKey(), f.getValue());
        }
        for (ValueInfo in : inputs) {
            if (!feeds.containsKey(in.name())) throw new OnnxException("run: missing input '" + in.name() + "' (" + in + ")");
        }
        graph.bindWeights(scope, device);
        graph.run(scope, device);
        Set<String> wanted = new LinkedHashSet<>(Arrays.asList(names));
        Map<String, Tensor> result = new LinkedHashMap<>();
        for (String n : wanted) {
            Object v = scope.get(n);
            if (v == null) throw new OnnxException("run: the graph has no value named '" + n + "'");
            if (!(v instanceof Tensor t)) throw new OnnxException("run: '" + n + "' is a sequence of " + ((List<?>) v).size() + " tensors, not a tensor");
            t.lazyBuffer().exposeIfOutermost(); // the caller's; the values between nodes are not exposed
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

    // ================================================================ load-time helpers

    private ValueInfo info(OnnxProto.ValueInfo v, String what) {
        Type t = v.type();
        if (t.kind().equals("unknown")) return new ValueInfo(v.name(), null, null, null);
        if (!t.kind().equals("tensor")) {
            throw new OnnxException("graph " + what + " '" + v.name() + "' is a " + t.kind() + "; jtiny passes tensors in and out of models");
        }
        DType d = t.elemType() == 0 ? null : OnnxTensors.dtypeOf(t.elemType(), "graph " + what + " '" + v.name() + "'");
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
}
