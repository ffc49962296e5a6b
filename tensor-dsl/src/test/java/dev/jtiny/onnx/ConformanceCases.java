// Runs the ONNX backend test cases (found by OnnxTestData): model.onnx plus test_data_set_N/{input,output}_K.pb.
package dev.jtiny.onnx;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.DType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Tolerances: floats pass when |actual - expected| <= atol + rtol * |expected| elementwise, with rtol 1e-3 and
 * atol 1e-4 for float32 and float64 (the reference outputs come from float32 frameworks) and rtol 1e-2, atol 1e-3
 * for float16 and bfloat16; NaN must meet NaN and infinities must be equal. Integers and bools must be equal.
 * Dtypes and shapes must match exactly.
 */
final class ConformanceCases {
    private ConformanceCases() {}

    static final double RTOL = 1e-3, ATOL = 1e-4, RTOL16 = 1e-2, ATOL16 = 1e-3;

    static List<Path> cases(Path folder) {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> Files.exists(p.resolve("model.onnx"))).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs every test data set of one case; returns null when it passes, else what went wrong. */
    static String run(Path caseDir) {
        try {
            OnnxModel m = OnnxModel.load(caseDir.resolve("model.onnx"));
            List<Path> sets;
            try (Stream<Path> s = Files.list(caseDir)) {
                sets = s.filter(p -> p.getFileName().toString().startsWith("test_data_set_")).sorted().toList();
            }
            for (Path set : sets) {
                String r = runSet(m, set);
                if (r != null) return set.getFileName() + ": " + r;
            }
            return null;
        } catch (Exception | AssertionError e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    private static String runSet(OnnxModel m, Path set) throws IOException {
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        List<OnnxModel.ValueInfo> ins = m.inputs();
        for (int i = 0; Files.exists(set.resolve("input_" + i + ".pb")); i++) {
            Map.Entry<String, Tensor> e = OnnxTensors.readNamed(set.resolve("input_" + i + ".pb"));
            String name = !e.getKey().isEmpty() ? e.getKey() : ins.get(i).name();
            feeds.put(name, e.getValue());
        }
        Map<String, Tensor> out = m.run(feeds);
        Tensor.realize(out.values().toArray(Tensor[]::new));
        List<OnnxModel.ValueInfo> outs = m.outputs();
        List<String> problems = new ArrayList<>();
        for (int i = 0; Files.exists(set.resolve("output_" + i + ".pb")); i++) {
            Map.Entry<String, Tensor> e = OnnxTensors.readNamed(set.resolve("output_" + i + ".pb"));
            String name = !e.getKey().isEmpty() && out.containsKey(e.getKey()) ? e.getKey() : outs.get(i).name();
            String p = compare(name, out.get(name), e.getValue());
            if (p != null) problems.add(p);
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    /** Null when {@code actual} matches {@code expected} within the tolerances above, else a description. */
    static String compare(String name, Tensor actual, Tensor expected) {
        if (actual == null) return "output '" + name + "' missing";
        if (actual.dtype() != expected.dtype()) return "output '" + name + "' is " + actual.dtype() + ", expected " + expected.dtype();
        if (!java.util.Arrays.equals(actual.shape(), expected.shape())) {
            return "output '" + name + "' has shape " + java.util.Arrays.toString(actual.shape()) + ", expected " + java.util.Arrays.toString(expected.shape());
        }
        DType d = expected.dtype();
        if (!d.isFloat()) {
            long[] a = actual.toLongArray(), e = expected.toLongArray();
            for (int i = 0; i < a.length; i++) {
                if (a[i] != e[i]) return "output '" + name + "' element " + i + " is " + a[i] + ", expected " + e[i];
            }
            return null;
        }
        double rtol = d == DType.FLOAT16 || d == DType.BFLOAT16 ? RTOL16 : RTOL, atol = d == DType.FLOAT16 || d == DType.BFLOAT16 ? ATOL16 : ATOL;
        double[] a = actual.toDoubleArray(), e = expected.toDoubleArray();
        int bad = 0, first = -1;
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            boolean ok = Double.isNaN(e[i]) ? Double.isNaN(a[i])
                    : Double.isInfinite(e[i]) ? a[i] == e[i]
                    : Math.abs(a[i] - e[i]) <= atol + rtol * Math.abs(e[i]);
            if (!ok) {
                bad++;
                if (first < 0) first = i;
                worst = Math.max(worst, Math.abs(a[i] - e[i]));
            }
        }
        if (bad == 0) return null;
        return "output '" + name + "': " + bad + " of " + a.length + " elements off (first at " + first + ": " + a[first]
                + " vs " + e[first] + ", worst difference " + worst + ")";
    }
}
