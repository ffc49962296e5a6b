// The nine "light" model architectures against ONNX Runtime: same seeded random input, logits and outputs compared.
package dev.jtiny.onnx;

import dev.jtiny.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The input is uniform in [0, 1) from a fixed seed, the same floats for both runtimes. Compared: every graph output
 * and, where the graph ends in a Softmax, the logits going into it. Error is reported relative to the largest
 * magnitude of the reference: max |jtiny - ort| / max |ort|.
 *
 * <p>With constant weights the logits of most of these models are huge (1e3 to 1e26) and equal across classes up to
 * rounding, so their softmax is ill-conditioned: a logit error of 1e7 on 3e12 (3e-6 relative) turns a uniform 0.001
 * into a one-hot vector. The softmax output is therefore compared only when the two runtimes' logits agree to within
 * 1e-3 absolutely; otherwise the logits carry the comparison and {@link Result#notes} says so.
 */
final class LightModels {
    private LightModels() {}

    record Result(String model, String device, double maxRelError, double maxAbsError, double loadSeconds, double jtinySeconds,
                  double jtinyWarmSeconds, double ortSeconds, List<String> compared, List<String> notes, String referenceFileProblem) {
        @Override public String toString() {
            return String.format("%-22s %-8s max rel err %.2e (abs %.2e) over %s; jtiny load %.1f s, first run %.1f s, second %.2f s; ORT %.2f s%s",
                    model, device, maxRelError, maxAbsError, compared, loadSeconds, jtinySeconds, jtinyWarmSeconds, ortSeconds,
                    notes.isEmpty() ? "" : " (" + String.join("; ", notes) + ")");
        }
    }

    /**
     * Also checks the model's light_*_output_0.pb (an output that does not depend on the input) against jtiny's first
     * output, with the ONNX project's rtol 1e-3, when jtiny's logits are equal to within 1e-3 (then a uniform softmax
     * is the right answer); {@link Result#referenceFileProblem} is null when it matches or was not applicable.
     */
    static Result compare(Path file) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        long t0 = System.nanoTime();
        OnnxModel m = OnnxModel.load(file);
        double load = (System.nanoTime() - t0) / 1e9;
        OnnxProto.Model proto = OnnxProto.parseModel(bytes);
        List<String> names = new ArrayList<>();
        for (OnnxModel.ValueInfo o : m.outputs()) names.add(o.name());
        List<OnnxProto.Node> nodes = proto.graph().nodes();
        OnnxProto.Node last = nodes.getLast();
        if (last.opType().equals("Softmax")) names.add(last.inputs().getFirst());

        Map<String, Tensor> feeds = new LinkedHashMap<>();
        Map<String, OrtReference.Array> ortFeeds = new LinkedHashMap<>();
        SplittableRandom rnd = new SplittableRandom(2024);
        for (OnnxModel.ValueInfo in : m.inputs()) {
            int n = 1;
            for (int d : in.shape()) n *= d;
            float[] v = new float[n];
            for (int i = 0; i < n; i++) v[i] = (float) rnd.nextDouble();
            feeds.put(in.name(), Tensor.of(v, in.shape()));
            ortFeeds.put(in.name(), new OrtReference.Array(java.util.Arrays.stream(in.shape()).asLongStream().toArray(), v));
        }

        t0 = System.nanoTime();
        Map<String, Tensor> got = m.run(feeds, names.toArray(String[]::new));
        Tensor.realize(got.values().toArray(Tensor[]::new));
        double first = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        Map<String, Tensor> again = m.run(feeds, names.toArray(String[]::new));
        Tensor.realize(again.values().toArray(Tensor[]::new));
        double second = (System.nanoTime() - t0) / 1e9;

        Map<String, OrtReference.Array> ref;
        double ortTime;
        try (OrtReference ort = new OrtReference(OrtReference.withOutputs(bytes, names.subList(m.outputs().size(), names.size())))) {
            ort.run(ortFeeds, names);   // warm up
            t0 = System.nanoTime();
            ref = ort.run(ortFeeds, names);
            ortTime = (System.nanoTime() - t0) / 1e9;
        }
        double rel = 0, abs = 0;
        List<String> compared = new ArrayList<>(), notes = new ArrayList<>();
        double spread = 0;
        if (names.size() > m.outputs().size()) {
            // names: the outputs, then the logits of the final Softmax (which produced the first output)
            String logits = names.getLast();
            float[] a = got.get(logits).toFloatArray(), e = ref.get(logits).values();
            double err = 0, lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < a.length; i++) {
                err = Math.max(err, Math.abs(a[i] - e[i]));
                lo = Math.min(lo, a[i]);
                hi = Math.max(hi, a[i]);
            }
            spread = hi - lo;
            if (!(err <= 1e-3)) {
                String sm = names.getFirst();
                names.remove(sm);
                notes.add(String.format("softmax output '%s' not compared: logits of magnitude %.1e differ by %.1e between the runtimes", sm,
                        Math.max(Math.abs(lo), Math.abs(hi)), err));
            }
        }
        for (String n : names) {
            compared.add(n);
            float[] a = got.get(n).toFloatArray(), e = ref.get(n).values();
            if (a.length != e.length) throw new AssertionError(n + ": " + a.length + " values, ONNX Runtime has " + e.length);
            double scale = 0, worst = 0;
            for (int i = 0; i < a.length; i++) {
                scale = Math.max(scale, Math.abs(e[i]));
                double d = Math.abs(a[i] - e[i]);
                if (Double.isNaN(d) && !(Float.isNaN(a[i]) && Float.isNaN(e[i]))) d = Double.POSITIVE_INFINITY;
                if (Float.isNaN(a[i]) && Float.isNaN(e[i])) d = 0;
                worst = Math.max(worst, d);
            }
            abs = Math.max(abs, worst);
            rel = Math.max(rel, scale == 0 ? worst : worst / scale);
        }
        String name = file.getFileName().toString().replace(".onnx", "");
        String problem = null;
        Path pb = file.resolveSibling(name + "_output_0.pb");
        if (Files.exists(pb)) {
            if (spread <= 1e-3) {
                String out = m.outputs().getFirst().name();
                problem = ConformanceCases.compare(out, got.get(out), OnnxTensors.read(pb));
            } else {
                notes.add(String.format("%s not checked: jtiny's logits differ by %.1e across classes", pb.getFileName(), spread));
            }
        }
        return new Result(name, got.values().iterator().next().device(), rel, abs, load, first, second, ortTime, compared, notes, problem);
    }
}
