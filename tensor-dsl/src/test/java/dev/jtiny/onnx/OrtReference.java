// ONNX Runtime (test scope) as the reference: runs a model's bytes on float32 inputs and returns named outputs.
package dev.jtiny.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Float32 in, float32 out; {@link #withOutputs} exposes intermediate values as extra graph outputs first. */
final class OrtReference implements AutoCloseable {
    record Array(long[] shape, float[] values) {}

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    OrtReference(byte[] model) throws OrtException {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setIntraOpNumThreads(Math.max(1, Runtime.getRuntime().availableProcessors()));
        session = env.createSession(model, o);
    }

    /** Runs on jtiny tensors (float32/64, int32/64, int8, uint8, bool), returning jtiny tensors of the same kinds. */
    Map<String, dev.jtiny.Tensor> runTensors(Map<String, dev.jtiny.Tensor> inputs, List<String> outputs) throws OrtException {
        Map<String, OnnxTensor> feeds = new HashMap<>();
        try {
            for (Map.Entry<String, dev.jtiny.Tensor> e : inputs.entrySet()) feeds.put(e.getKey(), toOrt(e.getValue()));
            Map<String, dev.jtiny.Tensor> r = new LinkedHashMap<>();
            try (OrtSession.Result res = session.run(feeds, new java.util.LinkedHashSet<>(outputs))) {
                for (String name : outputs) r.put(name, fromOrt((OnnxTensor) res.get(name).orElseThrow()));
            }
            return r;
        } finally {
            for (OnnxTensor t : feeds.values()) t.close();
        }
    }

    private OnnxTensor toOrt(dev.jtiny.Tensor t) throws OrtException {
        long[] shape = java.util.Arrays.stream(t.shape()).asLongStream().toArray();
        return switch (t.dtype()) {
            case FLOAT32 -> OnnxTensor.createTensor(env, FloatBuffer.wrap(t.toFloatArray()), shape);
            case FLOAT64 -> OnnxTensor.createTensor(env, java.nio.DoubleBuffer.wrap(t.toDoubleArray()), shape);
            case INT32 -> OnnxTensor.createTensor(env, java.nio.IntBuffer.wrap(t.toIntArray()), shape);
            case INT64 -> OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(t.toLongArray()), shape);
            case INT8, UINT8, BOOL -> {
                long[] v = t.toLongArray();
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(v.length);
                for (long x : v) b.put((byte) x);
                b.flip();
                yield OnnxTensor.createTensor(env, b, shape, switch (t.dtype()) {
                    case INT8 -> ai.onnxruntime.OnnxJavaType.INT8;
                    case UINT8 -> ai.onnxruntime.OnnxJavaType.UINT8;
                    default -> ai.onnxruntime.OnnxJavaType.BOOL;
                });
            }
            default -> throw new IllegalArgumentException("no ONNX Runtime input for " + t.dtype());
        };
    }

    private static dev.jtiny.Tensor fromOrt(OnnxTensor t) {
        int[] shape = java.util.Arrays.stream(t.getInfo().getShape()).mapToInt(x -> (int) x).toArray();
        return switch (t.getInfo().type) {
            case FLOAT -> { FloatBuffer b = t.getFloatBuffer(); float[] a = new float[b.remaining()]; b.get(a); yield dev.jtiny.Tensor.of(a, shape); }
            case DOUBLE -> { var b = t.getDoubleBuffer(); double[] a = new double[b.remaining()]; b.get(a); yield dev.jtiny.Tensor.ofDoubles(a, shape); }
            case INT32 -> { var b = t.getIntBuffer(); int[] a = new int[b.remaining()]; b.get(a); yield dev.jtiny.Tensor.of(a, shape); }
            case INT64 -> { var b = t.getLongBuffer(); long[] a = new long[b.remaining()]; b.get(a); yield dev.jtiny.Tensor.of(a, shape); }
            case INT8, UINT8, BOOL -> {
                var b = t.getByteBuffer();
                byte[] a = new byte[b.remaining()];
                b.get(a);
                dev.jtiny.runtime.DType d = switch (t.getInfo().type) {
                    case INT8 -> dev.jtiny.runtime.DType.INT8;
                    case UINT8 -> dev.jtiny.runtime.DType.UINT8;
                    default -> dev.jtiny.runtime.DType.BOOL;
                };
                yield dev.jtiny.Tensor.of(a, d, shape);
            }
            default -> throw new IllegalArgumentException("no jtiny tensor for ONNX Runtime type " + t.getInfo().type);
        };
    }

    Map<String, Array> run(Map<String, Array> inputs, List<String> outputs) throws OrtException {
        Map<String, OnnxTensor> feeds = new HashMap<>();
        try {
            for (Map.Entry<String, Array> e : inputs.entrySet()) {
                feeds.put(e.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(e.getValue().values()), e.getValue().shape()));
            }
            Map<String, Array> r = new LinkedHashMap<>();
            try (OrtSession.Result res = session.run(feeds, new java.util.LinkedHashSet<>(outputs))) {
                for (String name : outputs) {
                    OnnxValue v = res.get(name).orElseThrow();
                    OnnxTensor t = (OnnxTensor) v;
                    FloatBuffer fb = t.getFloatBuffer();
                    float[] f = new float[fb.remaining()];
                    fb.get(f);
                    r.put(name, new Array(t.getInfo().getShape(), f));
                }
            }
            return r;
        } finally {
            for (OnnxTensor t : feeds.values()) t.close();
        }
    }

    @Override public void close() throws OrtException { session.close(); }

    /** The model with {@code names} appended to its graph's outputs (float tensors of unspecified shape). */
    static byte[] withOutputs(byte[] model, List<String> names) {
        ProtoWriter out = new ProtoWriter();
        ProtoReader r = new ProtoReader(model);
        while (r.next()) {
            int field = r.field();
            if (field == 7) {
                ProtoReader.Slice g = r.readSlice();
                ProtoWriter extra = new ProtoWriter();
                for (String n : names) {
                    extra.message(12, new ProtoWriter().string(1, n).message(2, new ProtoWriter().message(1, new ProtoWriter().varint(1, OnnxProto.FLOAT))));
                }
                byte[] e = extra.toByteArray();
                byte[] graph = new byte[g.length() + e.length];
                System.arraycopy(g.array(), g.offset(), graph, 0, g.length());
                System.arraycopy(e, 0, graph, g.length(), e.length);
                out.bytes(7, graph);
            } else {
                int start = r.position();
                r.skip();
                out.rawField(field, r.wireType(), java.util.Arrays.copyOfRange(model, start, r.position()));
            }
        }
        return out.toByteArray();
    }
}
