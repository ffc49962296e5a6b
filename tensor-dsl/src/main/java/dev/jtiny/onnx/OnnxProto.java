// The ONNX file's messages (onnx.proto, IR version up to 10) as records, parsed from the wire format by field number.
package dev.jtiny.onnx;

import dev.jtiny.onnx.ProtoReader.Slice;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The subset of onnx.proto a model needs to run: ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
 * ValueInfoProto, TypeProto, TensorShapeProto and OperatorSetIdProto. Field numbers are the specification's;
 * fields jtiny does not use (doc strings aside from the model's, training info, quantization annotations) are
 * skipped. A field jtiny cannot honour is remembered (e.g. a sparse initializer, a tensor segment) so that loading
 * fails with its name instead of computing something else.
 */
final class OnnxProto {
    private OnnxProto() {}

    // TensorProto.DataType
    static final int FLOAT = 1, UINT8 = 2, INT8 = 3, UINT16 = 4, INT16 = 5, INT32 = 6, INT64 = 7, STRING = 8, BOOL = 9,
            FLOAT16 = 10, DOUBLE = 11, UINT32 = 12, UINT64 = 13, COMPLEX64 = 14, COMPLEX128 = 15, BFLOAT16 = 16;

    static String dataTypeName(int t) {
        return switch (t) {
            case FLOAT -> "float"; case UINT8 -> "uint8"; case INT8 -> "int8"; case UINT16 -> "uint16"; case INT16 -> "int16";
            case INT32 -> "int32"; case INT64 -> "int64"; case STRING -> "string"; case BOOL -> "bool"; case FLOAT16 -> "float16";
            case DOUBLE -> "double"; case UINT32 -> "uint32"; case UINT64 -> "uint64"; case COMPLEX64 -> "complex64";
            case COMPLEX128 -> "complex128"; case BFLOAT16 -> "bfloat16";
            case 17 -> "float8e4m3fn"; case 18 -> "float8e4m3fnuz"; case 19 -> "float8e5m2"; case 20 -> "float8e5m2fnuz";
            case 21 -> "uint4"; case 22 -> "int4"; case 23 -> "float4e2m1";
            default -> "data type " + t;
        };
    }

    // AttributeProto.AttributeType
    static final int A_FLOAT = 1, A_INT = 2, A_STRING = 3, A_TENSOR = 4, A_GRAPH = 5, A_FLOATS = 6, A_INTS = 7, A_STRINGS = 8,
            A_TENSORS = 9, A_GRAPHS = 10, A_SPARSE_TENSOR = 11, A_SPARSE_TENSORS = 12, A_TYPE_PROTO = 13, A_TYPE_PROTOS = 14;

    record Model(long irVersion, List<OpsetId> opsets, String producerName, String producerVersion, String domain,
                 long modelVersion, String docString, Graph graph, Map<String, String> metadata, int functionCount) {}

    record OpsetId(String domain, long version) {}

    record Graph(String name, List<Node> nodes, List<TensorProto> initializers, int sparseInitializerCount,
                 List<ValueInfo> inputs, List<ValueInfo> outputs, List<ValueInfo> valueInfo) {}

    record Node(String name, String opType, String domain, List<String> inputs, List<String> outputs, List<Attribute> attributes) {
        /** The node as error messages name it: its name, or its first output when it has none. */
        String label() {
            if (!name.isEmpty()) return "'" + name + "'";
            return outputs.isEmpty() ? "(unnamed)" : "(unnamed, output '" + outputs.getFirst() + "')";
        }
    }

    record Attribute(String name, int type, float f, long i, byte[] s, TensorProto t, Graph g, float[] floats, long[] ints,
                     List<byte[]> strings, List<TensorProto> tensors, List<Graph> graphs, String refAttrName) {}

    /**
     * A tensor's dims, type and data in whichever field holds it: {@code raw} (little-endian bytes, a slice of the
     * file), the typed repeated fields, or external data (location, offset, length relative to the model's directory).
     */
    record TensorProto(String name, int dataType, long[] dims, Slice raw, float[] floatData, int[] int32Data, long[] int64Data,
                       double[] doubleData, long[] uint64Data, List<byte[]> stringData, boolean external,
                       Map<String, String> externalData, boolean segmented) {
        long numel() {
            long n = 1;
            for (long d : dims) n *= d;
            return n;
        }
    }

    record ValueInfo(String name, Type type) {}

    /** A TypeProto: a tensor (element type and maybe a shape), a sequence or optional of a type, or something else. */
    record Type(String kind, int elemType, List<Dim> shape, Type elem) {
        static final Type UNKNOWN = new Type("unknown", 0, null, null);
    }

    /** One dimension of a TensorShapeProto: a value, a symbolic name, or neither (unknown). */
    record Dim(long value, String param) {
        boolean known() { return value >= 0; }
    }

    // ================================================================ parsing

    static Model parseModel(byte[] bytes) {
        ProtoReader r = new ProtoReader(bytes);
        long ir = 0, version = 0;
        List<OpsetId> opsets = new ArrayList<>();
        String producer = "", producerVersion = "", domain = "", doc = "";
        Graph graph = null;
        Map<String, String> meta = new LinkedHashMap<>();
        int functions = 0;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> ir = r.readVarint();
                case 2 -> producer = r.readString();
                case 3 -> producerVersion = r.readString();
                case 4 -> domain = r.readString();
                case 5 -> version = r.readVarint();
                case 6 -> doc = r.readString();
                case 7 -> graph = parseGraph(r.readMessage());
                case 8 -> opsets.add(parseOpset(r.readMessage()));
                case 14 -> { String[] kv = parseEntry(r.readMessage()); meta.put(kv[0], kv[1]); }
                case 25 -> { r.skip(); functions++; }
                default -> r.skip();
            }
        }
        if (graph == null) throw new OnnxException("not an ONNX model: no graph (field 7 of ModelProto) in " + bytes.length + " bytes");
        return new Model(ir, opsets, producer, producerVersion, domain, version, doc, graph, meta, functions);
    }

    static OpsetId parseOpset(ProtoReader r) {
        String domain = "";
        long version = 0;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> domain = r.readString();
                case 2 -> version = r.readVarint();
                default -> r.skip();
            }
        }
        return new OpsetId(domain, version);
    }

    private static String[] parseEntry(ProtoReader r) {
        String k = "", v = "";
        while (r.next()) {
            switch (r.field()) {
                case 1 -> k = r.readString();
                case 2 -> v = r.readString();
                default -> r.skip();
            }
        }
        return new String[]{k, v};
    }

    static Graph parseGraph(ProtoReader r) {
        String name = "";
        List<Node> nodes = new ArrayList<>();
        List<TensorProto> inits = new ArrayList<>();
        List<ValueInfo> in = new ArrayList<>(), out = new ArrayList<>(), info = new ArrayList<>();
        int sparse = 0;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> nodes.add(parseNode(r.readMessage()));
                case 2 -> name = r.readString();
                case 5 -> inits.add(parseTensor(r.readMessage()));
                case 11 -> in.add(parseValueInfo(r.readMessage()));
                case 12 -> out.add(parseValueInfo(r.readMessage()));
                case 13 -> info.add(parseValueInfo(r.readMessage()));
                case 15 -> { r.skip(); sparse++; }
                default -> r.skip();
            }
        }
        return new Graph(name, nodes, inits, sparse, in, out, info);
    }

    static Node parseNode(ProtoReader r) {
        List<String> in = new ArrayList<>(), out = new ArrayList<>();
        String name = "", op = "", domain = "";
        List<Attribute> attrs = new ArrayList<>();
        while (r.next()) {
            switch (r.field()) {
                case 1 -> in.add(r.readString());
                case 2 -> out.add(r.readString());
                case 3 -> name = r.readString();
                case 4 -> op = r.readString();
                case 5 -> attrs.add(parseAttribute(r.readMessage()));
                case 7 -> domain = r.readString();
                default -> r.skip();
            }
        }
        return new Node(name, op, domain, in, out, attrs);
    }

    static Attribute parseAttribute(ProtoReader r) {
        String name = "", ref = "";
        int type = 0;
        float f = 0;
        long i = 0;
        byte[] s = null;
        TensorProto t = null;
        Graph g = null;
        Floats floats = new Floats();
        Longs ints = new Longs();
        List<byte[]> strings = new ArrayList<>();
        List<TensorProto> tensors = new ArrayList<>();
        List<Graph> graphs = new ArrayList<>();
        while (r.next()) {
            switch (r.field()) {
                case 1 -> name = r.readString();
                case 2 -> f = r.readFloat();
                case 3 -> i = r.readVarint();
                case 4 -> s = r.readBytes();
                case 5 -> t = parseTensor(r.readMessage());
                case 6 -> g = parseGraph(r.readMessage());
                case 7 -> r.readFloats(floats::add);
                case 8 -> r.readVarints(ints::add);
                case 9 -> strings.add(r.readBytes());
                case 10 -> tensors.add(parseTensor(r.readMessage()));
                case 11 -> graphs.add(parseGraph(r.readMessage()));
                case 20 -> type = (int) r.readVarint();
                case 21 -> ref = r.readString();
                default -> r.skip();
            }
        }
        if (type == 0) type = inferType(f, i, s, t, g, floats, ints, strings, tensors, graphs);
        return new Attribute(name, type, f, i, s, t, g, floats.toArray(), ints.toArray(), strings, tensors, graphs, ref);
    }

    /** IR version 1 files have no attribute type field: the one value that is set says what it is. */
    private static int inferType(float f, long i, byte[] s, TensorProto t, Graph g, Floats floats, Longs ints,
                                 List<byte[]> strings, List<TensorProto> tensors, List<Graph> graphs) {
        if (floats.size > 0) return A_FLOATS;
        if (ints.size > 0) return A_INTS;
        if (!strings.isEmpty()) return A_STRINGS;
        if (!tensors.isEmpty()) return A_TENSORS;
        if (!graphs.isEmpty()) return A_GRAPHS;
        if (s != null) return A_STRING;
        if (t != null) return A_TENSOR;
        if (g != null) return A_GRAPH;
        if (f != 0) return A_FLOAT;
        return A_INT;
    }

    static TensorProto parseTensor(ProtoReader r) {
        Longs dims = new Longs(), int64 = new Longs(), uint64 = new Longs();
        Floats floats = new Floats();
        Longs int32 = new Longs();
        Doubles doubles = new Doubles();
        List<byte[]> strings = new ArrayList<>();
        Map<String, String> ext = new LinkedHashMap<>();
        String name = "";
        int type = 0;
        Slice raw = null;
        boolean external = false, segmented = false;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> r.readVarints(dims::add);
                case 2 -> type = (int) r.readVarint();
                case 3 -> { r.skip(); segmented = true; }
                case 4 -> r.readFloats(floats::add);
                case 5 -> r.readVarints(int32::add);
                case 6 -> strings.add(r.readBytes());
                case 7 -> r.readVarints(int64::add);
                case 8 -> name = r.readString();
                case 9 -> raw = r.readSlice();
                case 10 -> r.readDoubles(doubles::add);
                case 11 -> r.readVarints(uint64::add);
                case 13 -> { String[] kv = parseEntry(r.readMessage()); ext.put(kv[0], kv[1]); }
                case 14 -> external = r.readVarint() == 1;
                default -> r.skip();
            }
        }
        long[] i32 = int32.toArray();
        int[] ints = new int[i32.length];
        for (int k = 0; k < ints.length; k++) ints[k] = (int) i32[k];
        return new TensorProto(name, type, dims.toArray(), raw, floats.toArray(), ints, int64.toArray(), doubles.toArray(),
                uint64.toArray(), strings, external, ext, segmented);
    }

    static ValueInfo parseValueInfo(ProtoReader r) {
        String name = "";
        Type type = Type.UNKNOWN;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> name = r.readString();
                case 2 -> type = parseType(r.readMessage());
                default -> r.skip();
            }
        }
        return new ValueInfo(name, type);
    }

    static Type parseType(ProtoReader r) {
        Type t = Type.UNKNOWN;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> t = parseTensorType(r.readMessage(), "tensor");
                case 4 -> t = new Type("sequence", 0, null, parseElemType(r.readMessage()));
                case 5 -> { r.skip(); t = new Type("map", 0, null, null); }
                case 9 -> t = new Type("optional", 0, null, parseElemType(r.readMessage()));
                case 8 -> t = parseTensorType(r.readMessage(), "sparse_tensor");
                default -> r.skip();
            }
        }
        return t;
    }

    /** TypeProto.Sequence and TypeProto.Optional: field 1 is the element's TypeProto. */
    private static Type parseElemType(ProtoReader r) {
        Type t = Type.UNKNOWN;
        while (r.next()) {
            if (r.field() == 1) t = parseType(r.readMessage());
            else r.skip();
        }
        return t;
    }

    private static Type parseTensorType(ProtoReader r, String kind) {
        int elem = 0;
        List<Dim> shape = null;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> elem = (int) r.readVarint();
                case 2 -> shape = parseShape(r.readMessage());
                default -> r.skip();
            }
        }
        return new Type(kind, elem, shape, null);
    }

    private static List<Dim> parseShape(ProtoReader r) {
        List<Dim> dims = new ArrayList<>();
        while (r.next()) {
            if (r.field() != 1) { r.skip(); continue; }
            ProtoReader d = r.readMessage();
            long value = -1;
            String param = null;
            while (d.next()) {
                switch (d.field()) {
                    case 1 -> value = d.readVarint();
                    case 2 -> param = d.readString();
                    default -> d.skip();
                }
            }
            dims.add(new Dim(value, param));
        }
        return dims;
    }

    // ================================================================ growable primitive lists

    private static final class Longs {
        long[] a = new long[8];
        int size;
        void add(long v) { if (size == a.length) a = Arrays.copyOf(a, size * 2); a[size++] = v; }
        long[] toArray() { return Arrays.copyOf(a, size); }
    }

    private static final class Floats {
        float[] a = new float[8];
        int size;
        void add(double v) { if (size == a.length) a = Arrays.copyOf(a, size * 2); a[size++] = (float) v; }
        float[] toArray() { return Arrays.copyOf(a, size); }
    }

    private static final class Doubles {
        double[] a = new double[8];
        int size;
        void add(double v) { if (size == a.length) a = Arrays.copyOf(a, size * 2); a[size++] = v; }
        double[] toArray() { return Arrays.copyOf(a, size); }
    }
}
