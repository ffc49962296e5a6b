// Operators and attribute values the shared test data does not reach, each in a one- or two-node model, against ONNX Runtime.
package dev.jtiny.onnx;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.DType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static dev.jtiny.onnx.TestModels.BOOL;
import static dev.jtiny.onnx.TestModels.FLOAT;
import static dev.jtiny.onnx.TestModels.Graph;
import static dev.jtiny.onnx.TestModels.INT64;
import static dev.jtiny.onnx.TestModels.f;
import static dev.jtiny.onnx.TestModels.i;
import static dev.jtiny.onnx.TestModels.in;
import static dev.jtiny.onnx.TestModels.ints;
import static dev.jtiny.onnx.TestModels.out;
import static dev.jtiny.onnx.TestModels.s;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Each case is a small model and its inputs (seeded random floats, or integers); jtiny on the JAVA device and ONNX
 * Runtime must agree within {@link ConformanceCases}' tolerances (floats rtol 1e-3, atol 1e-4; integers and bools
 * exactly), with the same dtypes and shapes.
 */
class OpsVsOrtTest {
    private final SplittableRandom rnd = new SplittableRandom(5);

    @BeforeAll static void java() { Config.set("DEVICE", "JAVA"); }
    @AfterAll static void reset() { Config.set("DEVICE", null); }

    private record Case(String name, Graph graph, Map<String, Tensor> inputs, String output) {}

    private final List<Case> cases = new ArrayList<>();

    private Tensor randn(int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        float[] v = new float[n];
        for (int k = 0; k < n; k++) v[k] = (float) (rnd.nextGaussian());
        return Tensor.of(v, shape);
    }

    private Tensor randint(int lo, int hi, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        long[] v = new long[n];
        for (int k = 0; k < n; k++) v[k] = rnd.nextInt(lo, hi);
        return Tensor.of(v, shape);
    }

    private static List<Tensor> L(Tensor... t) { return java.util.Arrays.asList(t); }

    private static Tensor longs(long... v) { return Tensor.of(v, v.length); }
    private static Tensor floats(float... v) { return Tensor.of(v, v.length); }

    /** One node "op" over inputs named x0, x1, … (given tensors) and initializers c0, c1, … (given constants). */
    private void unary(String name, int opset, String op, Tensor x, TestModels.Attr... attrs) {
        add(name, opset, op, List.of(x), List.of(), FLOAT, attrs);
    }

    private void add(String name, int opset, String op, List<Tensor> inputs, List<Tensor> constants, int outType, TestModels.Attr... attrs) {
        Graph g = new Graph(opset).output("y", outType);
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        for (int k = 0; k < inputs.size(); k++) {
            Tensor t = inputs.get(k);
            if (t == null) { names.add(""); continue; }
            g.input("x" + k, TestModels.typeOf(t.dtype()), t.shape());
            feeds.put("x" + k, t);
            names.add("x" + k);
        }
        for (int k = 0; k < constants.size(); k++) {
            Tensor t = constants.get(k);
            if (t == null) { names.add(""); continue; }
            g.initializer("c" + k, t);
            names.add("c" + k);
        }
        g.node(op, names, out("y"), attrs);
        cases.add(new Case(name, g, feeds, "y"));
    }

    private void build() {
        // ---- elementwise
        Tensor x = randn(3, 4);
        unary("Erf", 13, "Erf", x);
        unary("Gelu exact", 20, "Gelu", x);
        unary("Gelu tanh", 20, "Gelu", x, s("approximate", "tanh"));
        unary("HardSigmoid", 13, "HardSigmoid", x, f("alpha", 0.3f), f("beta", 0.4f));
        unary("HardSwish", 14, "HardSwish", x.mul(4));
        unary("Celu", 13, "Celu", x, f("alpha", 1.5f));
        unary("Mish", 18, "Mish", x);
        unary("Softsign", 13, "Softsign", x);
        unary("Softplus large", 13, "Softplus", x.mul(40));
        unary("ThresholdedRelu", 13, "ThresholdedRelu", x, f("alpha", 0.5f));
        unary("Round halves to even", 13, "Round", floats(-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 0.49f, -0.51f, 3.7f));
        unary("Floor", 13, "Floor", x.mul(3));
        unary("Ceil", 13, "Ceil", x.mul(3));
        unary("Reciprocal", 13, "Reciprocal", x.abs().add(0.5));
        unary("Sin", 13, "Sin", x);
        unary("Cos", 13, "Cos", x);
        unary("Tan", 13, "Tan", x.mul(0.5));
        unary("Sinh", 13, "Sinh", x);
        unary("Cosh", 13, "Cosh", x);
        unary("Sign", 13, "Sign", floats(-3, 0, 2));
        unary("Atan", 13, "Atan", x.mul(3));
        unary("Asin", 13, "Asin", floats(-0.99f, -0.5f, 0, 0.3f, 0.7f, 0.999f));
        unary("Acos", 13, "Acos", floats(-0.99f, -0.5f, 0, 0.3f, 0.7f, 0.999f));
        unary("Asinh", 13, "Asinh", x.mul(10));
        unary("Acosh", 13, "Acosh", x.abs().add(1));
        unary("Atanh", 13, "Atanh", floats(-0.9f, -0.2f, 0, 0.5f, 0.95f));
        unary("Shrink", 13, "Shrink", x, f("lambd", 0.7f), f("bias", 0.2f));
        add("IsNaN", 13, "IsNaN", L(floats(1, Float.NaN, Float.POSITIVE_INFINITY)), L(), BOOL);
        add("IsInf positive only", 13, "IsInf", L(floats(1, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY)), L(), BOOL, i("detect_negative", 0));
        add("Pow float^float", 15, "Pow", L(x.abs().add(0.1), randn(4)), L(), FLOAT);
        add("Pow float^int64", 15, "Pow", L(x, randint(0, 4, 4)), L(), FLOAT);
        add("Div int64 truncates", 14, "Div", L(longs(7, -7, 7, -7, 9), longs(2, 2, -2, -2, 3)), L(), INT64);
        add("Mod int64 sign of divisor", 13, "Mod", L(longs(7, -7, 7, -7, 9), longs(3, 3, -3, -3, 3)), L(), INT64);
        add("Mod fmod float", 13, "Mod", L(floats(5.5f, -5.5f, 5.5f), floats(2, 2, -2)), L(), FLOAT, i("fmod", 1));
        add("Mod fmod int64", 13, "Mod", L(longs(7, -7), longs(3, 3)), L(), INT64, i("fmod", 1));
        add("Greater broadcast", 13, "Greater", L(randn(3, 1), randn(4)), L(), BOOL);
        add("LessOrEqual", 16, "LessOrEqual", L(randint(0, 3, 5), randint(0, 3, 5)), L(), BOOL);
        add("Equal int64", 13, "Equal", L(randint(0, 3, 6), randint(0, 3, 6)), L(), BOOL);
        add("Xor", 13, "Xor", L(Tensor.of(new boolean[]{true, true, false, false}, 4), Tensor.of(new boolean[]{true, false, true, false}, 4)), L(), BOOL);
        add("Where broadcast", 16, "Where", L(Tensor.of(new boolean[]{true, false, true}, 3), randn(2, 3), randn(1)), L(), FLOAT);
        add("Clip opset 13 inputs", 13, "Clip", L(x), L(Tensor.scalar(-0.5), Tensor.scalar(0.3)), FLOAT);
        add("Clip only max", 13, "Clip", L(x, null), L(Tensor.scalar(0.3)), FLOAT);
        add("Clip int64", 13, "Clip", L(randint(-10, 10, 8)), L(Tensor.of(new long[]{-3}).reshape(), Tensor.of(new long[]{4}).reshape()), INT64);
        add("Max variadic broadcast", 13, "Max", L(randn(2, 3), randn(3), randn(2, 1)), L(), FLOAT);
        add("Mean variadic", 13, "Mean", L(randn(2, 3), randn(3), randn(2, 1)), L(), FLOAT);
        add("Cast float to int64 truncates", 13, "Cast", L(floats(-2.7f, -0.5f, 0.5f, 2.7f)), L(), INT64, i("to", INT64));
        add("Cast int64 to bool", 13, "Cast", L(longs(0, 3, -1)), L(), BOOL, i("to", BOOL));
        add("PRelu broadcast", 13, "PRelu", L(randn(2, 3, 4)), L(randn(3, 1)), FLOAT);

        // ---- shapes and movement
        Tensor x4 = randn(2, 3, 4, 5);
        add("Slice negative step", 13, "Slice", L(x4), L(longs(-1, 4), longs(-100, 0), longs(3, 1), longs(-2, -2)), FLOAT);
        add("Slice clamps huge ends", 13, "Slice", L(x4), L(longs(1), longs(Long.MAX_VALUE), longs(1), longs(2)), FLOAT);
        add("Slice empty", 13, "Slice", L(x4), L(longs(3), longs(1), longs(2)), FLOAT);
        add("Gather negative indices 2-D", 13, "Gather", L(x4), L(Tensor.of(new long[]{-1, 0, 2, -3}, 2, 2)), FLOAT, i("axis", 2));
        add("Gather scalar index", 13, "Gather", L(x4), L(Tensor.of(new long[]{-2}).reshape()), FLOAT, i("axis", 3));
        add("Gather many indices", 13, "Gather", L(x4), L(randint(-5, 5, 12)), FLOAT, i("axis", 3));
        add("GatherElements", 13, "GatherElements", L(randn(3, 4)), L(Tensor.of(new long[]{0, -1, 2, 1, 3, 0}, 3, 2)), FLOAT, i("axis", 1));
        add("Squeeze opset 13", 13, "Squeeze", L(randn(1, 3, 1, 2)), L(longs(0, -2)), FLOAT);
        add("Unsqueeze opset 13", 13, "Unsqueeze", L(randn(3, 2)), L(longs(-1, 0)), FLOAT);
        add("Flatten negative axis", 13, "Flatten", L(x4), L(), FLOAT, i("axis", -2));
        add("Transpose default", 13, "Transpose", L(x4), L(), FLOAT);
        add("Reshape 0 and -1", 13, "Reshape", L(x4), L(longs(0, -1, 5)), FLOAT);
        add("Expand bidirectional", 13, "Expand", L(randn(3, 1)), L(longs(2, 1, 4)), FLOAT);
        add("Tile", 13, "Tile", L(randn(2, 3)), L(longs(2, 3)), FLOAT);
        add("Concat negative axis", 13, "Concat", L(randn(2, 3), randn(2, 1)), L(), FLOAT, i("axis", -1));
        add("Pad edge", 13, "Pad", L(randn(1, 2, 3, 4)), L(longs(0, 0, 1, 2, 0, 0, 2, 1)), FLOAT, s("mode", "edge"));
        add("Pad reflect", 13, "Pad", L(randn(1, 2, 4, 5)), L(longs(0, 0, 2, 3, 0, 0, 1, 4)), FLOAT, s("mode", "reflect"));
        add("Pad constant value and negative pads", 13, "Pad", L(randn(2, 5)), L(longs(1, -1, -1, 2), Tensor.scalar(2.5)), FLOAT);
        add("Pad wrap", 19, "Pad", L(randn(2, 5)), L(longs(1, 2, 1, 3)), FLOAT, s("mode", "wrap"));
        add("Pad axes", 18, "Pad", L(randn(2, 3, 4)), L(longs(1, 2, 3, 0), Tensor.scalar(0), longs(-1, 0)), FLOAT);
        add("DepthToSpace DCR", 13, "DepthToSpace", L(randn(1, 8, 2, 3)), L(), FLOAT, i("blocksize", 2));
        add("DepthToSpace CRD", 13, "DepthToSpace", L(randn(1, 8, 2, 3)), L(), FLOAT, i("blocksize", 2), s("mode", "CRD"));
        add("SpaceToDepth", 13, "SpaceToDepth", L(randn(1, 2, 4, 6)), L(), FLOAT, i("blocksize", 2));
        add("Trilu lower k=-1", 14, "Trilu", L(randn(2, 4, 5)), L(Tensor.of(new long[]{-1}).reshape()), FLOAT, i("upper", 0));
        add("Trilu upper", 14, "Trilu", L(randn(4, 3)), L(), FLOAT);
        add("OneHot", 11, "OneHot", L(Tensor.of(new long[]{0, 2, -1, 1}, 2, 2)), L(Tensor.of(new long[]{3}).reshape(), floats(-1, 5)), FLOAT, i("axis", 1));
        add("Range float", 11, "Range", L(), L(Tensor.scalar(1), Tensor.scalar(4), Tensor.scalar(0.7)), FLOAT);
        add("Range int64 negative", 11, "Range", L(), L(Tensor.of(new long[]{10}).reshape(), Tensor.of(new long[]{1}).reshape(), Tensor.of(new long[]{-3}).reshape()), INT64);
        add("Shape start end", 15, "Shape", L(x4), L(), INT64, i("start", 1), i("end", -1));
        add("Size", 13, "Size", L(x4), L(), INT64);
        add("ConstantOfShape int64", 13, "ConstantOfShape", L(), L(longs(2, 3)), INT64, TestModels.t("value", Tensor.of(new long[]{7}, 1)));
        add("Einsum batched matmul", 12, "Einsum", L(randn(2, 3, 4), randn(2, 4, 5)), L(), FLOAT, s("equation", "bij,bjk->bik"));
        add("Einsum transpose-sum", 12, "Einsum", L(randn(3, 4)), L(), FLOAT, s("equation", "ij->j"));
        add("NonZero", 13, "NonZero", L(Tensor.of(new float[]{0, 1, 2, 0, 0, 3}, 2, 3)), L(), INT64);
        add("CumSum exclusive reverse", 14, "CumSum", L(randn(3, 4)), L(Tensor.of(new long[]{1}).reshape()), FLOAT, i("exclusive", 1), i("reverse", 1));
        add("ArgMax select last", 13, "ArgMax", L(Tensor.of(new float[]{1, 3, 3, 0, 2, 2}, 2, 3)), L(), INT64, i("axis", 1), i("select_last_index", 1));
        add("ArgMin keepdims 0", 13, "ArgMin", L(randn(3, 4)), L(), INT64, i("axis", 0), i("keepdims", 0));

        add("GatherND", 13, "GatherND", L(randn(3, 4, 2)), L(Tensor.of(new long[]{0, 1, 2, -1, 1, 3}, 3, 2)), FLOAT);
        add("GatherND batch_dims 1", 13, "GatherND", L(randn(2, 3, 4)), L(Tensor.of(new long[]{1, 0, 2, 3}, 2, 1, 2)), FLOAT, i("batch_dims", 1));
        add("ScatterND", 13, "ScatterND", L(randn(4, 3)), L(Tensor.of(new long[]{2, 0}, 2, 1), randn(2, 3)), FLOAT);
        add("ScatterND add duplicates", 16, "ScatterND", L(randn(5)), L(Tensor.of(new long[]{1, 3, 1}, 3, 1), randn(3)), FLOAT, s("reduction", "add"));
        add("ScatterND max", 18, "ScatterND", L(randn(2, 3)), L(Tensor.of(new long[]{1, 2}, 1, 2), randn(1)), FLOAT, s("reduction", "max"));
        add("ScatterElements axis 1", 13, "ScatterElements", L(randn(3, 5)), L(Tensor.of(new long[]{4, 0, -1, 2}, 2, 2), randn(2, 2)), FLOAT, i("axis", 1));
        add("ScatterElements mul", 16, "ScatterElements", L(randn(4, 2)), L(Tensor.of(new long[]{1, 3, 1, 0}, 2, 2), randn(2, 2)), FLOAT, s("reduction", "mul"));
        add("EyeLike k=1", 13, "EyeLike", L(randn(3, 4)), L(), FLOAT, i("k", 1));
        add("LpNormalization p=1", 13, "LpNormalization", L(randn(3, 4)), L(), FLOAT, i("p", 1), i("axis", 0));
        add("LpNormalization p=2", 13, "LpNormalization", L(randn(3, 4)), L(), FLOAT);
        add("MeanVarianceNormalization", 13, "MeanVarianceNormalization", L(randn(2, 3, 4, 2)), L(), FLOAT);

        // ---- older opsets: attributes that later became inputs, old defaults (opset 6's broadcast attribute on Add,
        // Mul and PRelu, which ONNX Runtime no longer implements, is covered by the shared pytorch-operator data)
        Tensor o = randn(2, 6);
        add("Clip opset 6 attributes", 6, "Clip", L(o), L(), FLOAT, f("min", -0.2f), f("max", 0.4f));
        add("Squeeze opset 11 attribute", 11, "Squeeze", L(randn(1, 3, 1)), L(), FLOAT, ints("axes", -1));
        add("Unsqueeze opset 11 attribute", 11, "Unsqueeze", L(randn(3, 2)), L(), FLOAT, ints("axes", 0, 3));
        add("ReduceSum opset 11 attribute", 11, "ReduceSum", L(randn(2, 3, 4)), L(), FLOAT, ints("axes", 0, 2), i("keepdims", 0));
        add("ReduceMean opset 1 all axes", 1, "ReduceMean", L(randn(2, 3)), L(), FLOAT);
        add("Slice opset 9 attributes", 9, "Slice", L(randn(4, 5)), L(), FLOAT, ints("starts", 1, -3), ints("ends", 3, 100), ints("axes", 0, 1));
        add("Slice opset 10 inputs", 10, "Slice", L(randn(4, 5)), L(longs(1), longs(-1)), FLOAT);
        add("Pad opset 2 attributes", 2, "Pad", L(randn(2, 3)), L(), FLOAT, ints("pads", 1, 0, 0, 2), f("value", 1.5f));
        add("Pad opset 11 inputs reflect", 11, "Pad", L(randn(3, 4)), L(longs(0, 2, 0, 1)), FLOAT, s("mode", "reflect"));
        add("Gemm opset 11 without C", 11, "Gemm", L(randn(3, 4), randn(5, 4)), L(), FLOAT, i("transB", 1));
        add("Gemm opset 7 broadcast C", 7, "Gemm", L(randn(3, 4), randn(4, 5)), L(randn(1, 5)), FLOAT, f("beta", 0.5f));
        add("Softmax opset 1 default axis", 1, "Softmax", L(randn(2, 3, 4)), L(), FLOAT);
        add("LogSoftmax opset 11 axis -1", 11, "LogSoftmax", L(randn(2, 3, 4)), L(), FLOAT, i("axis", -1));
        add("Flatten opset 9 axis 0", 9, "Flatten", L(randn(2, 3)), L(), FLOAT, i("axis", 0));
        add("BatchNormalization opset 9", 9, "BatchNormalization", L(randn(2, 3, 2, 2)), L(randn(3), randn(3), randn(3), randn(3).abs()), FLOAT, f("epsilon", 1e-3f));
        add("Upsample opset 7 attribute", 7, "Upsample", L(randn(1, 1, 2, 3)), L(), FLOAT, s("mode", "nearest"), TestModels.floats("scales", 1, 1, 2, 3));
        add("Resize opset 11 scales with empty roi", 11, "Resize", L(randn(1, 1, 3, 4)), L(floats(), floats(1, 1, 2, 2)), FLOAT, s("mode", "linear"));
        add("Resize opset 11 sizes nearest", 11, "Resize", L(randn(1, 1, 3, 4)), L(floats(), floats(), longs(1, 1, 5, 7)), FLOAT, s("mode", "nearest"));
        add("Cast opset 6", 6, "Cast", L(randn(4).mul(5)), L(), TestModels.INT32, i("to", TestModels.INT32));
        add("Split opset 11 attribute", 11, "Split", L(randn(5, 2)), L(), FLOAT, ints("split", 5));
        add("Concat opset 4", 4, "Concat", L(randn(2, 2), randn(1, 2)), L(), FLOAT, i("axis", 0));
        add("MaxPool opset 8", 8, "MaxPool", L(randn(1, 1, 5, 5)), L(), FLOAT, ints("kernel_shape", 2, 2), ints("pads", 1, 1, 0, 0));
        add("AveragePool opset 7 exclude pad", 7, "AveragePool", L(randn(1, 1, 5, 5)), L(), FLOAT, ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1));
        add("ConvTranspose opset 1", 1, "ConvTranspose", L(randn(1, 2, 3, 3)), L(randn(2, 1, 2, 2)), FLOAT, ints("strides", 2, 2));
        add("LeakyRelu opset 6", 6, "LeakyRelu", L(randn(3, 3)), L(), FLOAT, f("alpha", 0.2f));
        add("Dropout opset 7 ratio", 7, "Dropout", L(randn(3, 3)), L(), FLOAT, f("ratio", 0.3f));

        // ---- quantization
        Tensor qx = randn(2, 3, 4).mul(3);
        add("QuantizeLinear uint8 per tensor", 13, "QuantizeLinear", L(qx), L(Tensor.scalar(0.05), Tensor.of(new byte[]{(byte) 128}, DType.UINT8)), TestModels.UINT8);
        add("QuantizeLinear int8 per axis", 13, "QuantizeLinear", L(qx), L(floats(0.02f, 0.05f, 0.1f), Tensor.of(new byte[]{0, 5, -3}, DType.INT8, 3)), TestModels.INT8);
        add("QuantizeLinear halves to even", 13, "QuantizeLinear", L(floats(0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 300f)), L(Tensor.scalar(1)), TestModels.UINT8);
        add("DequantizeLinear int8 per axis", 13, "DequantizeLinear", L(Tensor.of(new byte[]{-128, -1, 0, 7, 127, 50}, DType.INT8, 2, 3)),
                L(floats(0.1f, 0.2f, 0.3f), Tensor.of(new byte[]{1, 0, -2}, DType.INT8, 3)), FLOAT);
        add("DequantizeLinear uint8", 10, "DequantizeLinear", L(Tensor.of(new byte[]{0, (byte) 255, 9}, DType.UINT8, 3)),
                L(Tensor.scalar(0.5), Tensor.of(new byte[]{(byte) 10}, DType.UINT8)), FLOAT);
        for (String q : new String[]{"y", "scale", "zp"}) {
            cases.add(new Case("DynamicQuantizeLinear " + q, new Graph(11).input("x", FLOAT, 2, 3, 4)
                    .output(q, q.equals("scale") ? FLOAT : TestModels.UINT8)
                    .node("DynamicQuantizeLinear", in("x"), out("y", "scale", "zp")), Map.of("x", qx), q));
        }

        // ---- recurrent layers: X (T=5, B=2, I=3), hidden 4
        Tensor rx = randn(5, 2, 3);
        int hid = 4;
        add("LSTM forward with biases and initial state", 14, "LSTM", L(rx), L(randn(1, 16, 3), randn(1, 16, 4), randn(1, 32), null, randn(1, 2, 4), randn(1, 2, 4)),
                FLOAT, i("hidden_size", hid));
        add("LSTM bidirectional", 14, "LSTM", L(rx), L(randn(2, 16, 3), randn(2, 16, 4), randn(2, 32)), FLOAT, i("hidden_size", hid), s("direction", "bidirectional"));
        add("LSTM reverse with sequence_lens", 14, "LSTM", L(rx), L(randn(1, 16, 3), randn(1, 16, 4), randn(1, 32), Tensor.ofInts(3, 5)), FLOAT,
                i("hidden_size", hid), s("direction", "reverse"));
        add("LSTM peepholes and clip", 14, "LSTM", L(rx), L(randn(1, 16, 3), randn(1, 16, 4), randn(1, 32), null, null, null, randn(1, 12)), FLOAT,
                i("hidden_size", hid), f("clip", 1.5f));
        add("GRU", 14, "GRU", L(rx), L(randn(1, 12, 3), randn(1, 12, 4), randn(1, 24)), FLOAT, i("hidden_size", hid));
        add("GRU linear_before_reset bidirectional", 14, "GRU", L(rx), L(randn(2, 12, 3), randn(2, 12, 4), randn(2, 24)), FLOAT,
                i("hidden_size", hid), i("linear_before_reset", 1), s("direction", "bidirectional"));
        add("RNN reverse relu", 14, "RNN", L(rx), L(randn(1, 4, 3), randn(1, 4, 4).mul(0.3), randn(1, 8)), FLOAT,
                i("hidden_size", hid), s("direction", "reverse"), TestModels.strings("activations", "Relu"));
        cases.add(new Case("LSTM Y_h and Y_c", new Graph(14).input("x", FLOAT, 5, 2, 3).output("yc", FLOAT)
                .initializer("w", randn(1, 16, 3)).initializer("r", randn(1, 16, 4))
                .node("LSTM", in("x", "w", "r"), out("", "yh", "yc"), i("hidden_size", hid)), Map.of("x", rx), "yc"));

        // ---- control flow: subgraphs reading the outer graph's values
        Tensor fx = randn(3);
        for (boolean c : new boolean[]{true, false}) {
            Graph then = new Graph(13).output("t", FLOAT).initializer("two", Tensor.scalar(2)).node("Mul", in("x", "two"), out("t"));
            Graph otherwise = new Graph(13).output("e", FLOAT).node("Neg", in("x"), out("e"));
            cases.add(new Case("If " + c, new Graph(13).input("c", BOOL).input("x", FLOAT, 3).output("y", FLOAT)
                    .node("If", in("c"), out("y"), TestModels.g("then_branch", then), TestModels.g("else_branch", otherwise)),
                    Map.of("c", Tensor.of(new boolean[]{c}), "x", fx), "y"));
        }
        Graph body = new Graph(13).input("i", INT64).input("cin", BOOL).input("v", FLOAT, 3)
                .output("cout", BOOL).output("vout", FLOAT).output("scan", FLOAT)
                .initializer("limit", Tensor.of(new long[]{2}).reshape())
                .node("Add", in("v", "x"), out("vout"))
                .node("Cast", in("i"), out("fi"), i("to", FLOAT))
                .node("Mul", in("vout", "fi"), out("scan"))
                .node("Less", in("i", "limit"), out("cout"));
        for (String wanted : new String[]{"final", "stacked"}) {
            cases.add(new Case("Loop with trip count and condition, " + wanted, new Graph(13).input("m", INT64).input("v0", FLOAT, 3).input("x", FLOAT, 3)
                    .initializer("go", Tensor.of(new boolean[]{true})).output(wanted, FLOAT)
                    .node("Loop", in("m", "go", "v0"), out("final", "stacked"), TestModels.g("body", body)),
                    Map.of("m", Tensor.of(new long[]{10}).reshape(), "v0", randn(3), "x", fx), wanted));
        }

        // Scan: a running sum over axis 1 of x (2, 4, 3), in reverse, scan output stacked along axis 0
        Graph scanBody = new Graph(13).input("acc", FLOAT, 2, 3).input("xi", FLOAT, 2, 3).output("acc2", FLOAT).output("yi", FLOAT)
                .node("Add", in("acc", "xi"), out("acc2")).node("Mul", in("acc2", "acc2"), out("yi"));
        for (String wanted : new String[]{"last", "ys"}) {
            cases.add(new Case("Scan reverse over axis 1, " + wanted, new Graph(13).input("init", FLOAT, 2, 3).input("x", FLOAT, 2, 4, 3)
                    .output(wanted, FLOAT).node("Scan", in("init", "x"), out("last", "ys"), TestModels.g("body", scanBody),
                            i("num_scan_inputs", 1), ints("scan_input_axes", 1), ints("scan_input_directions", 1), ints("scan_output_axes", 2)),
                    Map.of("init", randn(2, 3), "x", randn(2, 4, 3)), wanted));
        }

        // ---- reductions
        Tensor r = randn(2, 3, 4);
        add("ReduceSum axes input", 13, "ReduceSum", L(r), L(longs(-1, 0)), FLOAT, i("keepdims", 0));
        add("ReduceSum noop", 13, "ReduceSum", L(r), L(longs()), FLOAT, i("noop_with_empty_axes", 1));
        add("ReduceMean opset 13 attr", 13, "ReduceMean", L(r), L(), FLOAT, ints("axes", 1));
        add("ReduceMean opset 18 input", 18, "ReduceMean", L(r), L(longs(1, 2)), FLOAT);
        add("ReduceMax all", 18, "ReduceMax", L(r), L(), FLOAT, i("keepdims", 0));
        add("ReduceMin", 18, "ReduceMin", L(r), L(longs(2)), FLOAT);
        add("ReduceProd", 18, "ReduceProd", L(r), L(longs(0, 2)), FLOAT);
        add("ReduceL1", 18, "ReduceL1", L(r), L(longs(1)), FLOAT);
        add("ReduceL2", 18, "ReduceL2", L(r), L(longs(1)), FLOAT);
        add("ReduceSumSquare", 18, "ReduceSumSquare", L(r), L(longs(0)), FLOAT);
        add("ReduceLogSum", 18, "ReduceLogSum", L(r.abs()), L(longs(2)), FLOAT);
        add("ReduceLogSumExp", 18, "ReduceLogSumExp", L(r.mul(30)), L(longs(2)), FLOAT);

        // ---- nn
        add("Softmax opset 11 coerces to 2-D", 11, "Softmax", L(randn(2, 3, 4)), L(), FLOAT, i("axis", 1));
        add("Softmax opset 13 axis", 13, "Softmax", L(randn(2, 3, 4)), L(), FLOAT, i("axis", 1));
        add("LogSoftmax axis 0", 13, "LogSoftmax", L(randn(3, 4)), L(), FLOAT, i("axis", 0));
        add("Hardmax", 13, "Hardmax", L(randn(3, 4)), L(), FLOAT);
        add("Gemm transA alpha beta", 13, "Gemm", L(randn(4, 3), randn(4, 5)), L(randn(5)), FLOAT, i("transA", 1), f("alpha", 0.5f), f("beta", 2f));
        add("MatMul broadcast batch", 13, "MatMul", L(randn(2, 1, 3, 4), randn(5, 4, 2)), L(), FLOAT);
        add("MatMul vector", 13, "MatMul", L(randn(4), randn(2, 4, 3)), L(), FLOAT);
        add("Conv auto_pad SAME_UPPER stride 2", 13, "Conv", L(randn(1, 2, 7, 6)), L(randn(3, 2, 3, 3)), FLOAT,
                s("auto_pad", "SAME_UPPER"), ints("strides", 2, 2));
        add("Conv auto_pad SAME_LOWER", 13, "Conv", L(randn(1, 2, 6, 6)), L(randn(3, 2, 2, 2)), FLOAT, s("auto_pad", "SAME_LOWER"));
        add("Conv 1-D groups dilation", 13, "Conv", L(randn(2, 4, 9)), L(randn(4, 2, 3), randn(4)), FLOAT,
                i("group", 2), ints("dilations", 2), ints("pads", 2, 1));
        add("ConvTranspose output_shape", 13, "ConvTranspose", L(randn(1, 2, 3, 4)), L(randn(2, 3, 3, 3)), FLOAT,
                ints("strides", 2, 2), ints("output_shape", 7, 9));
        add("ConvTranspose SAME_UPPER", 13, "ConvTranspose", L(randn(1, 2, 3, 4)), L(randn(2, 3, 3, 3)), FLOAT,
                ints("strides", 2, 2), s("auto_pad", "SAME_UPPER"));
        add("ConvTranspose groups dilation", 13, "ConvTranspose", L(randn(1, 4, 3, 3)), L(randn(4, 1, 2, 2), randn(2)), FLOAT,
                i("group", 2), ints("dilations", 2, 2), ints("pads", 1, 0, 0, 1));
        add("MaxPool ceil_mode", 13, "MaxPool", L(randn(1, 2, 7, 8)), L(), FLOAT, ints("kernel_shape", 3, 3), ints("strides", 2, 2), i("ceil_mode", 1));
        add("MaxPool SAME_UPPER", 13, "MaxPool", L(randn(1, 2, 7, 8)), L(), FLOAT, ints("kernel_shape", 3, 2), ints("strides", 2, 2), s("auto_pad", "SAME_UPPER"));
        add("AveragePool count_include_pad", 13, "AveragePool", L(randn(1, 2, 6, 7)), L(), FLOAT,
                ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1), i("count_include_pad", 1));
        add("AveragePool exclude pad ceil", 13, "AveragePool", L(randn(1, 2, 6, 7)), L(), FLOAT,
                ints("kernel_shape", 3, 3), ints("strides", 2, 2), ints("pads", 1, 0, 1, 1), i("ceil_mode", 1));
        add("GlobalMaxPool", 13, "GlobalMaxPool", L(randn(2, 3, 4, 5)), L(), FLOAT);
        add("InstanceNormalization", 13, "InstanceNormalization", L(randn(2, 3, 4, 5)), L(randn(3), randn(3)), FLOAT, f("epsilon", 1e-3f));
        add("LayerNormalization", 17, "LayerNormalization", L(randn(2, 3, 4)), L(randn(3, 4), randn(3, 4)), FLOAT, i("axis", 1));
        add("GroupNormalization opset 21", 21, "GroupNormalization", L(randn(2, 6, 3)), L(randn(6), randn(6)), FLOAT, i("num_groups", 3));
        add("LRN", 13, "LRN", L(randn(1, 6, 3, 3)), L(), FLOAT, i("size", 3), f("alpha", 0.01f), f("beta", 0.6f), f("bias", 2f));
        add("BatchNormalization opset 15", 15, "BatchNormalization", L(randn(2, 3, 4)), L(randn(3), randn(3), randn(3), randn(3).abs()), FLOAT);

        // ---- resize
        Tensor img = randn(1, 2, 4, 5);
        add("Resize nearest up 2x (view)", 13, "Resize", L(img, null), L(floats(1, 1, 2, 2)), FLOAT, s("mode", "nearest"));
        add("Resize nearest asymmetric floor 1.5x", 13, "Resize", L(img, null), L(floats(1, 1, 1.5f, 1.7f)), FLOAT,
                s("mode", "nearest"), s("coordinate_transformation_mode", "asymmetric"), s("nearest_mode", "floor"));
        add("Resize nearest round_prefer_ceil down", 13, "Resize", L(randn(1, 1, 9, 7), null), L(floats(1, 1, 0.5f, 0.6f)), FLOAT,
                s("mode", "nearest"), s("nearest_mode", "round_prefer_ceil"));
        add("Resize linear half_pixel", 13, "Resize", L(img, null), L(floats(1, 1, 2.5f, 1.5f)), FLOAT, s("mode", "linear"));
        add("Resize linear align_corners sizes", 13, "Resize", L(img, null, null), L(longs(1, 2, 7, 3)), FLOAT,
                s("mode", "linear"), s("coordinate_transformation_mode", "align_corners"));
        add("Resize linear pytorch_half_pixel down", 13, "Resize", L(randn(1, 1, 8, 9), null), L(floats(1, 1, 0.5f, 0.34f)), FLOAT,
                s("mode", "linear"), s("coordinate_transformation_mode", "pytorch_half_pixel"));
        add("Resize cubic", 13, "Resize", L(img, null), L(floats(1, 1, 2, 1.6f)), FLOAT, s("mode", "cubic"));
        add("Resize cubic exclude_outside A=-0.5", 13, "Resize", L(img, null), L(floats(1, 1, 1.8f, 2.2f)), FLOAT,
                s("mode", "cubic"), i("exclude_outside", 1), f("cubic_coeff_a", -0.5f));
        add("Resize opset 10 nearest", 10, "Resize", L(img), L(floats(1, 1, 2, 3)), FLOAT, s("mode", "nearest"));
        add("Resize opset 18 axes", 18, "Resize", L(img, null, null), L(longs(8, 3)), FLOAT, s("mode", "linear"), ints("axes", 2, 3));
        add("Upsample opset 9", 9, "Upsample", L(img), L(floats(1, 1, 2, 2)), FLOAT, s("mode", "nearest"));
        Tensor tk = randn(5, 3);
        cases.add(new Case("TopK smallest axis 0 values", new Graph(11).input("x", FLOAT, 5, 3).output("v", FLOAT).output("i", INT64)
                .initializer("k", longs(2)).node("TopK", in("x", "k"), out("v", "i"), i("axis", 0), i("largest", 0)), Map.of("x", tk), "v"));
        cases.add(new Case("TopK largest indices", new Graph(11).input("x", FLOAT, 5, 3).output("v", FLOAT).output("i", INT64)
                .initializer("k", longs(3)).node("TopK", in("x", "k"), out("v", "i")), Map.of("x", tk), "i"));
        Tensor sx = randn(7, 2);
        cases.add(new Case("Split opset 13 sizes input", new Graph(13).input("x", FLOAT, 7, 2).output("z", FLOAT).initializer("c", longs(2, 5))
                .node("Split", in("x", "c"), out("y", "z")), Map.of("x", sx), "z"));
        cases.add(new Case("Split opset 18 num_outputs uneven", new Graph(18).input("x", FLOAT, 7, 2).output("w", FLOAT)
                .node("Split", in("x"), out("y", "z", "w"), i("num_outputs", 3)), Map.of("x", sx), "w"));
        cases.add(new Case("MaxPool 1-D then Relu then Identity", new Graph(13).input("x", FLOAT, 2, 3, 9).output("z", FLOAT)
                .node("MaxPool", in("x"), out("p"), ints("kernel_shape", 4), ints("pads", 1, 2)).node("Relu", in("p"), out("q"))
                .node("Identity", in("q"), out("z")), Map.of("x", randn(2, 3, 9)), "z"));
    }

    @TestFactory
    List<DynamicTest> matchesOnnxRuntime() {
        build();
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases) {
            tests.add(DynamicTest.dynamicTest(c.name, () -> {
                byte[] model = c.graph.bytes();
                OnnxModel m = OnnxModel.load(model);
                Tensor got = m.run(c.inputs).get(c.output);
                Tensor expected;
                try (OrtReference ort = new OrtReference(model)) {
                    expected = ort.runTensors(c.inputs, List.of(c.output)).get(c.output);
                }
                assertNull(ConformanceCases.compare(c.output, got, expected), () -> c.name + ": jtiny " + java.util.Arrays.toString(got.toFloatArray())
                        + " vs ONNX Runtime " + java.util.Arrays.toString(expected.toFloatArray()));
            }));
        }
        return tests;
    }
}
