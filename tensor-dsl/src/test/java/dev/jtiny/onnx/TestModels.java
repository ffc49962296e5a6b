// Builds small ONNX models in tests: a graph of a few nodes, serialized with ProtoWriter from the spec's field numbers.
package dev.jtiny.onnx;

import dev.jtiny.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code new TestModels.Graph(13).input("x", FLOAT, 2, 3).output("y", FLOAT).node("Relu", in("x"), out("y")).bytes()}.
 * A dimension of -1 in an input is symbolic (named "d" plus its position).
 */
final class TestModels {
    private TestModels() {}

    static final int FLOAT = 1, UINT8 = 2, INT8 = 3, INT32 = 6, INT64 = 7, STRING = 8, BOOL = 9, FLOAT16 = 10, DOUBLE = 11;

    record Attr(ProtoWriter w) {}

    static int typeOf(dev.jtiny.runtime.DType d) { return OnnxTensors.onnxTypeOf(d); }

    static Attr i(String name, long v) { return new Attr(new ProtoWriter().string(1, name).varint(20, OnnxProto.A_INT).varint(3, v)); }
    static Attr f(String name, float v) { return new Attr(new ProtoWriter().string(1, name).varint(20, OnnxProto.A_FLOAT).fixed32(2, Float.floatToRawIntBits(v))); }
    static Attr s(String name, String v) { return new Attr(new ProtoWriter().string(1, name).varint(20, OnnxProto.A_STRING).string(4, v)); }
    static Attr ints(String name, long... v) { return new Attr(new ProtoWriter().string(1, name).varint(20, OnnxProto.A_INTS).packedVarints(8, v)); }
    static Attr strings(String name, String... v) {
        ProtoWriter w = new ProtoWriter().string(1, name).varint(20, OnnxProto.A_STRINGS);
        for (String x : v) w.string(9, x);
        return new Attr(w);
    }
    static Attr floats(String name, float... v) { return new Attr(new ProtoWriter().string(1, name).varint(20, OnnxProto.A_FLOATS).packedFloats(7, v)); }
    static Attr t(String name, Tensor v) {
        return new Attr(new ProtoWriter().string(1, name).varint(20, OnnxProto.A_TENSOR).bytes(5, OnnxTensors.toBytes(v, "")));
    }

    /** A graph attribute: a control-flow body or branch (its opset is the model's). */
    static Attr g(String name, Graph body) {
        return new Attr(new ProtoWriter().string(1, name).varint(20, OnnxProto.A_GRAPH).message(6, body.graph));
    }

    static List<String> in(String... names) { return List.of(names); }
    static List<String> out(String... names) { return List.of(names); }

    static final class Graph {
        private final List<ProtoWriter> opsets = new ArrayList<>();
        private final ProtoWriter graph = new ProtoWriter().string(2, "test");
        private int nodes;

        Graph(int opset) { opsets.add(new ProtoWriter().string(1, "").varint(2, opset)); }

        Graph opset(String domain, int version) {
            opsets.add(new ProtoWriter().string(1, domain).varint(2, version));
            return this;
        }

        Graph input(String name, int elemType, int... dims) {
            graph.message(11, valueInfo(name, elemType, dims));
            return this;
        }

        /** An output with no shape given. */
        Graph output(String name, int elemType) {
            graph.message(12, new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, new ProtoWriter().varint(1, elemType))));
            return this;
        }

        Graph initializer(String name, Tensor t) {
            graph.bytes(5, OnnxTensors.toBytes(t, name));
            return this;
        }

        Graph node(String op, List<String> inputs, List<String> outputs, Attr... attrs) { return node("", op, inputs, outputs, attrs); }

        Graph node(String domain, String op, List<String> inputs, List<String> outputs, Attr... attrs) {
            ProtoWriter n = new ProtoWriter();
            for (String s : inputs) n.string(1, s);
            for (String s : outputs) n.string(2, s);
            n.string(3, op.toLowerCase() + "_" + nodes++).string(4, op);
            if (!domain.isEmpty()) n.string(7, domain);
            for (Attr a : attrs) n.message(5, a.w());
            graph.message(1, n);
            return this;
        }

        byte[] bytes() {
            ProtoWriter m = new ProtoWriter().varint(1, 8).string(2, "jtiny-test");
            for (ProtoWriter o : opsets) m.message(8, o);
            return m.message(7, graph).toByteArray();
        }

        OnnxModel load() { return OnnxModel.load(bytes()); }
    }

    static ProtoWriter valueInfo(String name, int elemType, int... dims) {
        ProtoWriter shape = new ProtoWriter();
        for (int i = 0; i < dims.length; i++) {
            shape.message(1, dims[i] >= 0 ? new ProtoWriter().varint(1, dims[i]) : new ProtoWriter().string(2, "d" + i));
        }
        ProtoWriter tensorType = new ProtoWriter().varint(1, elemType).message(2, shape);
        return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
    }
}
