// OnnxModel's API and its load-time errors: unsupported operators, attributes and opsets fail when loading, by name.
package dev.jtiny.onnx;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.Counters;
import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.KernelLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.jtiny.onnx.TestModels.FLOAT;
import static dev.jtiny.onnx.TestModels.INT64;
import static dev.jtiny.onnx.TestModels.Graph;
import static dev.jtiny.onnx.TestModels.i;
import static dev.jtiny.onnx.TestModels.in;
import static dev.jtiny.onnx.TestModels.ints;
import static dev.jtiny.onnx.TestModels.out;
import static dev.jtiny.onnx.TestModels.s;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OnnxModelTest {
    @BeforeEach void java() { Config.set("DEVICE", "JAVA"); }
    @AfterEach void reset() { Config.set("DEVICE", null); }

    private static void assertMentions(Exception e, String... parts) {
        for (String p : parts) assertTrue(e.getMessage().contains(p), "'" + p + "' not in: " + e.getMessage());
    }

    @Test void shapeInputsTheHostKnowsAreNotReadBackFromTheDevice() {
        // Weights made by ConstantOfShape from an int64 initializer (as exported "light" models do), a Reshape to an
        // initializer's shape, and one to Shape's output: every shape is known on the host, so a run reads nothing back.
        Graph g = new Graph(17).input("x", FLOAT, 2, 3).output("y", FLOAT)
                .initializer("s", Tensor.of(new long[]{2, 3}, 2)).initializer("flat", Tensor.of(new long[]{6}, 1))
                .node("ConstantOfShape", in("s"), out("w"), TestModels.t("value", Tensor.of(new float[]{0.5f}, 1)))
                .node("Add", in("x", "w"), out("a"))
                .node("Reshape", in("a", "flat"), out("f"))
                .node("Shape", in("x"), out("xs"))
                .node("Reshape", in("f", "xs"), out("y"));
        OnnxModel m = g.load();
        float[] x = {1, 2, 3, 4, 5, 6};
        for (int call = 0; call < 2; call++) {
            long reads = Counters.hostReadCount();
            Tensor y = m.run(Tensor.of(x, 2, 3)).get("y").realize();
            assertEquals(reads, Counters.hostReadCount(), "call " + call + " read shape inputs back from the device");
            assertArrayEquals(new float[]{1.5f, 2.5f, 3.5f, 4.5f, 5.5f, 6.5f}, y.toFloatArray());
            assertArrayEquals(new int[]{2, 3}, y.shape());
        }
    }

    @Test void unsupportedOperatorFailsAtLoadNamingOpDomainOpsetAndNode() {
        Graph g = new Graph(17).input("x", FLOAT, 2).output("y", FLOAT).node("Relu", in("x"), out("r")).node("Bogus", in("r"), out("y"));
        OnnxException e = assertThrows(OnnxException.class, g::load);
        assertMentions(e, "unsupported operator Bogus", "domain ai.onnx", "opset 17", "'bogus_1'");

        Graph ml = new Graph(17).opset("ai.onnx.ml", 3).input("x", FLOAT, 2).output("y", FLOAT).node("ai.onnx.ml", "Scaler", in("x"), out("y"));
        assertMentions(assertThrows(OnnxException.class, ml::load), "unsupported operator Scaler", "domain ai.onnx.ml", "opset 3");

        Graph noImport = new Graph(17).input("x", FLOAT, 2).output("y", FLOAT).node("com.example", "Thing", in("x"), out("y"));
        assertMentions(assertThrows(OnnxException.class, noImport::load), "domain com.example", "does not import");
    }

    @Test void unsupportedOperatorsInsideSubgraphsFailAtLoad() {
        Graph then = new Graph(13).output("t", FLOAT).node("Bogus", in("x"), out("t"));
        Graph otherwise = new Graph(13).output("e", FLOAT).node("Neg", in("x"), out("e"));
        Graph g = new Graph(13).input("c", TestModels.BOOL).input("x", FLOAT, 2).output("y", FLOAT)
                .node("If", in("c"), out("y"), TestModels.g("then_branch", then), TestModels.g("else_branch", otherwise));
        assertMentions(assertThrows(OnnxException.class, g::load), "'if_0'", "in subgraph 'then_branch'", "unsupported operator Bogus", "opset 13");
    }

    @Test void unsupportedAttributesAndValuesFailAtLoad() {
        Graph unknown = new Graph(13).input("x", FLOAT, 2).output("y", FLOAT).node("Relu", in("x"), out("y"), i("frobnicate", 1));
        assertMentions(assertThrows(OnnxException.class, unknown::load), "attribute 'frobnicate' is not supported", "Relu", "'relu_0'");

        Graph mode = new Graph(13).input("x", FLOAT, 1, 1, 4, 4).output("y", FLOAT)
                .node("Resize", in("x", "", "s"), out("y"), s("coordinate_transformation_mode", "tf_crop_and_resize"))
                .initializer("s", Tensor.of(new float[]{1, 1, 2, 2}, 4));
        assertMentions(assertThrows(OnnxException.class, mode::load), "coordinate_transformation_mode", "tf_crop_and_resize", "not supported", "opset 13");

        Graph wrongType = new Graph(13).input("x", FLOAT, 2).output("y", FLOAT).node("LeakyRelu", in("x"), out("y"), i("alpha", 1));
        assertMentions(assertThrows(OnnxException.class, wrongType::load), "attribute 'alpha' has type int, expected float");

        Graph training = new Graph(15).input("x", FLOAT, 1, 2, 2).output("y", FLOAT)
                .node("BatchNormalization", in("x", "w", "w", "w", "w"), out("y"), i("training_mode", 1))
                .initializer("w", Tensor.of(1, 1));
        assertMentions(assertThrows(OnnxException.class, training::load), "training_mode=1");
    }

    @Test void opsetsOutsideWhatJtinyKnowsFailAtLoad() {
        Graph future = new Graph(99).input("x", FLOAT, 2).output("y", FLOAT).node("Relu", in("x"), out("y"));
        assertMentions(assertThrows(OnnxException.class, future::load), "opset 99", "newer than jtiny knows");
        Graph old = new Graph(9).input("x", FLOAT, 2).output("y", FLOAT).node("LayerNormalization", in("x", "x"), out("y"));
        assertMentions(assertThrows(OnnxException.class, old::load), "LayerNormalization", "supported from opset 17", "opset 9");
    }

    @Test void stringInputsAndMalformedFilesFailAtLoad() {
        Graph str = new Graph(13).input("x", TestModels.STRING, 2).output("y", TestModels.STRING).node("Identity", in("x"), out("y"));
        assertMentions(assertThrows(OnnxException.class, str::load), "input 'x'", "string", "no dtype");
        assertMentions(assertThrows(OnnxException.class, () -> OnnxModel.load(new byte[]{0x3A, 0x7F, 1})), "malformed protobuf");
        assertMentions(assertThrows(OnnxException.class, () -> OnnxModel.load(new byte[]{0x08, 0x03})), "no graph");
    }

    @Test void inputsAndOutputsDescribeNamesDtypesAndSymbolicDims() {
        OnnxModel m = new Graph(13).input("x", FLOAT, -1, 3).input("w", FLOAT, 3).output("y", FLOAT)
                .initializer("w", Tensor.of(1, 2, 3)).node("Mul", in("x", "w"), out("y")).load();
        assertEquals(1, m.inputs().size(), "an input with an initializer is optional and not listed");
        OnnxModel.ValueInfo x = m.inputs().getFirst();
        assertEquals("x", x.name());
        assertEquals(DType.FLOAT32, x.dtype());
        assertArrayEquals(new int[]{-1, 3}, x.shape());
        assertEquals(java.util.Arrays.asList("d0", null), x.dimNames());
        assertEquals("x: float[d0,3]", x.toString());
        assertNull(m.outputs().getFirst().shape());
        assertEquals(13, m.opset());
        assertEquals(Map.of("Mul", 1), m.opCounts());
        assertTrue(m.weights().get("w").isRealized(), "initializers load realized");

        Tensor y = m.run(Map.of("x", Tensor.of(new float[]{1, 1, 1, 2, 2, 2}, 2, 3))).get("y");
        assertArrayEquals(new float[]{1, 2, 3, 2, 4, 6}, y.toFloatArray());
        // the initializer is a default the caller may override
        Tensor y2 = m.run(Map.of("x", Tensor.of(new float[]{1, 1, 1}, 1, 3), "w", Tensor.of(5, 5, 5))).get("y");
        assertArrayEquals(new float[]{5, 5, 5}, y2.toFloatArray());
    }

    @Test void runChecksInputsAndCanReturnIntermediates() {
        OnnxModel m = new Graph(13).input("x", FLOAT, 2, 2).output("y", FLOAT)
                .node("Neg", in("x"), out("n")).node("Relu", in("n"), out("y")).load();
        assertMentions(assertThrows(OnnxException.class, () -> m.run(Map.of())), "missing input 'x'");
        assertMentions(assertThrows(OnnxException.class, () -> m.run(Map.of("x", Tensor.ofInts(1, 2, 3, 4).reshape(2, 2)))), "'x' is int", "declares x: float[2,2]");
        assertMentions(assertThrows(OnnxException.class, () -> m.run(Map.of("x", Tensor.zeros(3, 2)))), "shape [3, 2]");
        assertMentions(assertThrows(OnnxException.class, () -> m.run(Map.of("x", Tensor.zeros(2, 2), "z", Tensor.zeros(1)))), "no input 'z'");
        Map<String, Tensor> r = m.run(Map.of("x", Tensor.of(new float[]{1, -2, 3, -4}, 2, 2)), "n", "y");
        assertArrayEquals(new float[]{-1, 2, -3, 4}, r.get("n").toFloatArray());
        assertArrayEquals(new float[]{0, 2, 0, 4}, r.get("y").toFloatArray());
    }

    @Test void aModelFusesLikeTheDsl() {
        // Conv + bias + Relu + global average pool: a conv kernel with its epilogue, then the pool's reduction.
        Tensor.manualSeed(3);
        OnnxModel m = new Graph(13).input("x", FLOAT, 1, 2, 6, 6).output("y", FLOAT)
                .initializer("w", Tensor.randn(4, 2, 3, 3)).initializer("b", Tensor.randn(4))
                .node("Conv", in("x", "w", "b"), out("c"), ints("pads", 1, 1, 1, 1))
                .node("Relu", in("c"), out("r")).node("GlobalAveragePool", in("r"), out("y")).load();
        Tensor x = Tensor.randn(1, 2, 6, 6).realize();
        Counters.reset();
        long mark = KernelLog.mark();
        Tensor y = m.run(x).get("y").realize();
        assertArrayEquals(new int[]{1, 4, 1, 1}, y.shape());
        assertTrue(Counters.kernelCount() <= 2, "conv+bias+relu and the pool should take at most 2 kernels, took " + Counters.kernelCount());
        // the kernel log names the ONNX operators each kernel fused
        List<String> fused = KernelLog.since(mark).stream().flatMap(e -> e.fusedOps().stream()).distinct().toList();
        assertTrue(fused.containsAll(List.of("Conv", "Relu", "GlobalAveragePool")), "fused ops in the kernel log: " + fused);
    }

    @Test void aModelRunsUnderJit() {
        Tensor.manualSeed(4);
        OnnxModel m = new Graph(13).input("x", FLOAT, 2, 3).output("y", FLOAT)
                .initializer("w", Tensor.randn(3, 4)).initializer("shape", Tensor.ofLongs(4, 2))
                .node("MatMul", in("x", "w"), out("h")).node("Tanh", in("h"), out("t")).node("Reshape", in("t", "shape"), out("y")).load();
        dev.jtiny.Jit jit = dev.jtiny.Jit.of(ins -> m.run(ins).values().toArray(Tensor[]::new));
        for (int call = 0; call < 4; call++) {   // the third and fourth calls replay the captured kernels
            Tensor x = Tensor.randn(2, 3).realize();
            float[] got = jit.call(x)[0].toFloatArray();
            assertArrayEquals(m.run(x).get("y").toFloatArray(), got, 1e-6f, "call " + call);
        }
    }

    @Test void nodesThatReadOnlyWeightsAreBuiltOnceAndFollowAnAssignedWeight() {
        float[] w = new float[12];
        for (int i = 0; i < w.length; i++) w[i] = (i % 5) - 2;
        OnnxModel m = new Graph(13).input("x", FLOAT, 2, 3).output("y", FLOAT)
                .initializer("w", Tensor.of(w, 3, 4)).initializer("shape", Tensor.ofLongs(2, 4))
                .node("Mul", in("w", "w"), out("w2")).node("MatMul", in("x", "w2"), out("h"))
                .node("ConstantOfShape", in("shape"), out("c"), TestModels.t("value", Tensor.of(new float[]{0.5f}, 1)))
                .node("Add", in("h", "c"), out("y")).load();
        Map<String, Tensor> first = null;
        for (int run = 0; run < 3; run++) {
            float[] x = new float[6];
            for (int i = 0; i < 6; i++) x[i] = run + i * 0.25f;
            Map<String, Tensor> r = m.run(Map.of("x", Tensor.of(x, 2, 3)), "y", "w2", "c");
            float[] expected = new float[8];
            for (int a = 0; a < 2; a++) {
                for (int b = 0; b < 4; b++) {
                    double sum = 0.5;
                    for (int k = 0; k < 3; k++) sum += (double) x[a * 3 + k] * w[k * 4 + b] * w[k * 4 + b];
                    expected[a * 4 + b] = (float) sum;
                }
            }
            assertArrayEquals(expected, r.get("y").toFloatArray(), 1e-5f, "run " + run);
            if (first == null) first = r;
            else {
                // w*w and the constant are made by the first run and reused, not built again
                assertTrue(first.get("w2").lazyBuffer() == r.get("w2").lazyBuffer(), "run " + run + " reuses w*w");
                assertTrue(first.get("c").lazyBuffer() == r.get("c").lazyBuffer(), "run " + run + " reuses the constant");
            }
        }
        // A weight given new values: what was made from it is made again.
        m.weights().get("w").assign(Tensor.full(new int[]{3, 4}, 2));
        Map<String, Tensor> r = m.run(Map.of("x", Tensor.of(new float[]{1, 0, 0, 0, 1, 1}, 2, 3)), "y", "w2");
        assertArrayEquals(new float[]{4.5f, 4.5f, 4.5f, 4.5f, 8.5f, 8.5f, 8.5f, 8.5f}, r.get("y").toFloatArray(), 1e-6f);
        assertTrue(first.get("w2").lazyBuffer() != r.get("w2").lazyBuffer(), "w*w is made again from the new w");
        // A caller who feeds a value for a weight's name gets it used, and nothing is kept from it.
        OnnxModel shadowed = new Graph(13).input("x", FLOAT, 2).input("w", FLOAT, 2).output("y", FLOAT)
                .initializer("w", Tensor.of(new float[]{1, 1}, 2)).node("Neg", in("w"), out("n")).node("Add", in("x", "n"), out("y")).load();
        assertArrayEquals(new float[]{0, 0}, shadowed.run(Map.of("x", Tensor.of(new float[]{1, 1}, 2))).get("y").toFloatArray());
        assertArrayEquals(new float[]{-2, -4}, shadowed.run(Map.of("x", Tensor.of(new float[]{1, 1}, 2), "w", Tensor.of(new float[]{3, 5}, 2))).get("y").toFloatArray());
        assertArrayEquals(new float[]{0, 0}, shadowed.run(Map.of("x", Tensor.of(new float[]{1, 1}, 2))).get("y").toFloatArray());
    }

    @Test void batchNormalizationFollowsNewInputsAndNewStatistics() {
        float[] scale = {1.5f, -0.5f}, bias = {0.25f, 1}, mean = {0.5f, -1}, var = {4, 0.25f};
        OnnxModel m = new Graph(15).input("x", FLOAT, 1, 2, 2, 2).output("y", FLOAT)
                .initializer("scale", Tensor.of(scale, 2)).initializer("bias", Tensor.of(bias, 2))
                .initializer("mean", Tensor.of(mean, 2)).initializer("var", Tensor.of(var, 2))
                .node("BatchNormalization", in("x", "scale", "bias", "mean", "var"), out("y")).load();
        for (int run = 0; run < 4; run++) {
            if (run == 3) { // new statistics: what was made of the old ones must not be used
                var = new float[]{1, 9};
                m.weights().get("var").assign(Tensor.of(var, 2));
            }
            float[] x = new float[8];
            for (int i = 0; i < 8; i++) x[i] = (float) Math.sin(run * 8 + i);
            float[] expected = new float[8];
            for (int i = 0; i < 8; i++) {
                int c = i / 4;
                expected[i] = (float) ((x[i] - mean[c]) / Math.sqrt(var[c] + 1e-5) * scale[c] + bias[c]);
            }
            assertArrayEquals(expected, m.run(Tensor.of(x, 1, 2, 2, 2)).get("y").toFloatArray(), 1e-5f, "run " + run);
        }
    }

    @Test void lstmBatchFirstLayoutIsTheTransposedTimeFirstOne() {
        // ONNX Runtime does not implement layout=1, so it is checked against layout=0 (which OpsVsOrtTest checks).
        Tensor.manualSeed(9);
        Tensor x = Tensor.randn(5, 2, 3), w = Tensor.randn(1, 16, 3), r = Tensor.randn(1, 16, 4), b = Tensor.randn(1, 32);
        OnnxModel timeFirst = new Graph(14).input("x", FLOAT, 5, 2, 3).output("y", FLOAT).output("yh", FLOAT)
                .initializer("w", w).initializer("r", r).initializer("b", b)
                .node("LSTM", in("x", "w", "r", "b"), out("y", "yh"), i("hidden_size", 4)).load();
        OnnxModel batchFirst = new Graph(14).input("x", FLOAT, 2, 5, 3).output("y", FLOAT).output("yh", FLOAT)
                .initializer("w", w).initializer("r", r).initializer("b", b)
                .node("LSTM", in("x", "w", "r", "b"), out("y", "yh"), i("hidden_size", 4), i("layout", 1)).load();
        Map<String, Tensor> a = timeFirst.run(x), bf = batchFirst.run(x.transpose(0, 1));
        assertArrayEquals(a.get("y").permute(2, 0, 1, 3).toFloatArray(), bf.get("y").toFloatArray(), 1e-6f);
        assertArrayEquals(new int[]{2, 5, 1, 4}, bf.get("y").shape());
        assertArrayEquals(a.get("yh").transpose(0, 1).toFloatArray(), bf.get("yh").toFloatArray(), 1e-6f);
    }

    @Test void loadsFromStreamsAndFiles(@TempDir Path dir) throws Exception {
        byte[] b = new Graph(13).input("x", FLOAT, 2).output("y", FLOAT).node("Abs", in("x"), out("y")).bytes();
        OnnxModel fromStream = OnnxModel.load(new ByteArrayInputStream(b));
        assertArrayEquals(new float[]{1, 2}, fromStream.run(Map.of("x", Tensor.of(-1, 2))).get("y").toFloatArray());
        Path f = dir.resolve("m.onnx");
        Files.write(f, b);
        assertArrayEquals(new float[]{3, 4}, OnnxModel.load(f).run(Map.of("x", Tensor.of(3, -4))).get("y").toFloatArray());
    }

    @Test void externalDataIsReadRelativeToTheModelFile(@TempDir Path dir) throws Exception {
        ByteBuffer data = ByteBuffer.allocate(8 + 12).order(ByteOrder.LITTLE_ENDIAN);
        data.putLong(0xDEADBEEFL);                       // 8 bytes before the tensor: offset 8
        data.putFloat(1.5f).putFloat(-2f).putFloat(4f);
        Files.createDirectories(dir.resolve("weights"));
        Files.write(dir.resolve("weights/w.bin"), data.array());
        ProtoWriter w = new ProtoWriter().packedVarints(1, 3).varint(2, FLOAT).string(8, "w")
                .message(13, new ProtoWriter().string(1, "location").string(2, "weights/w.bin"))
                .message(13, new ProtoWriter().string(1, "offset").string(2, "8"))
                .message(13, new ProtoWriter().string(1, "length").string(2, "12"))
                .varint(14, 1);
        ProtoWriter graph = new ProtoWriter().string(2, "g").bytes(5, w.toByteArray())
                .message(11, TestModels.valueInfo("x", FLOAT, 3))
                .message(12, TestModels.valueInfo("y", FLOAT, 3))
                .message(1, new ProtoWriter().string(1, "x").string(1, "w").string(2, "y").string(4, "Mul"));
        byte[] model = new ProtoWriter().varint(1, 8).message(8, new ProtoWriter().string(1, "").varint(2, 13)).message(7, graph).toByteArray();
        Path f = dir.resolve("model.onnx");
        Files.write(f, model);
        Tensor y = OnnxModel.load(f).run(Map.of("x", Tensor.of(2, 2, 2))).get("y");
        assertArrayEquals(new float[]{3, -4, 8}, y.toFloatArray());
        assertMentions(assertThrows(OnnxException.class, () -> OnnxModel.load(model)), "initializer 'w'", "external file 'weights/w.bin'", "load the model from its path");
    }

    @Test void tensorProtosInEveryDataField(@TempDir Path dir) {
        // float_data, int32_data (int8, bool, float16 bits, uint16), int64_data, double_data, uint64_data (uint32)
        assertArrayEquals(new float[]{1, -2}, OnnxTensors.parse(new ProtoWriter().packedVarints(1, 2).varint(2, FLOAT).packedFloats(4, 1, -2).toByteArray()).toFloatArray());
        Tensor i8 = OnnxTensors.parse(new ProtoWriter().packedVarints(1, 2).varint(2, TestModels.INT8).packedVarints(5, -3, 7).toByteArray());
        assertEquals(DType.INT8, i8.dtype());
        assertArrayEquals(new long[]{-3, 7}, i8.toLongArray());
        Tensor b = OnnxTensors.parse(new ProtoWriter().packedVarints(1, 3).varint(2, TestModels.BOOL).packedVarints(5, 1, 0, 1).toByteArray());
        assertArrayEquals(new boolean[]{true, false, true}, b.toBooleanArray());
        Tensor h = OnnxTensors.parse(new ProtoWriter().varint(2, TestModels.FLOAT16).packedVarints(5, Float.floatToFloat16(0.5f) & 0xFFFF).toByteArray());
        assertEquals(DType.FLOAT16, h.dtype());
        assertEquals(0, h.ndim());
        assertEquals(0.5f, h.item());
        Tensor u16 = OnnxTensors.parse(new ProtoWriter().packedVarints(1, 1).varint(2, 4).packedVarints(5, 65535).toByteArray());
        assertEquals(DType.INT32, u16.dtype());
        assertArrayEquals(new int[]{65535}, u16.toIntArray());
        Tensor l = OnnxTensors.parse(new ProtoWriter().packedVarints(1, 2, 1).varint(2, INT64).packedVarints(7, Long.MIN_VALUE, 5).toByteArray());
        assertArrayEquals(new int[]{2, 1}, l.shape());
        assertArrayEquals(new long[]{Long.MIN_VALUE, 5}, l.toLongArray());
        ProtoWriter dw = new ProtoWriter().packedVarints(1, 1).varint(2, TestModels.DOUBLE).fixed64(10, Double.doubleToRawLongBits(0.1));
        assertArrayEquals(new double[]{0.1}, OnnxTensors.parse(dw.toByteArray()).toDoubleArray());
        Tensor u32 = OnnxTensors.parse(new ProtoWriter().packedVarints(1, 1).varint(2, 12).packedVarints(11, 4_000_000_000L).toByteArray());
        assertEquals(DType.INT64, u32.dtype());
        assertArrayEquals(new long[]{4_000_000_000L}, u32.toLongArray());
        assertMentions(assertThrows(OnnxException.class, () -> OnnxTensors.parse(new ProtoWriter().packedVarints(1, 3).varint(2, FLOAT).packedFloats(4, 1).toByteArray())),
                "needs 3 values but holds 1");
        assertMentions(assertThrows(OnnxException.class, () -> OnnxTensors.parse(new ProtoWriter().varint(2, 14).toByteArray())), "complex64");

        // and back: write, read, same dtype, shape and values
        for (Tensor t : List.of(Tensor.of(new float[]{1.5f, -2, 3, 4}, 2, 2), Tensor.of(new long[]{1, -1, Long.MAX_VALUE}, 3),
                Tensor.of(new boolean[]{true, false}, 2), Tensor.ofInts(7, 8), Tensor.ofDoubles(0.1, 0.2))) {
            Path f = dir.resolve("t.pb");
            OnnxTensors.write(f, t, "named");
            Map.Entry<String, Tensor> back = OnnxTensors.readNamed(f);
            assertEquals("named", back.getKey());
            assertEquals(t.dtype(), back.getValue().dtype());
            assertArrayEquals(t.shape(), back.getValue().shape());
            assertArrayEquals(t.toDoubleArray(), back.getValue().toDoubleArray());
        }
    }
}
