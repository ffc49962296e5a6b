// ONNX inference time: the ONNX test data's light models on jtiny devices beside ONNX Runtime (CPU), same input.
// Usage: java -cp ... OnnxBench LIGHT_DIR [model ...]   (-Ddevices=JAVA,OPENCL:0  -Druns=3  -Dwarmup=20  -Dort=false to skip ORT)
// Times are wall times of a whole inference (realized and synchronised), medians after the warm-up runs (which
// compile jtiny's kernels and let the JVM compile them and the graph-building code, as in a session that ran a
// while; ORT gets the same). The first inference's time is printed too.

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.jtiny.Tensor;
import dev.jtiny.onnx.OnnxModel;
import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.engine.Devices;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

public class OnnxBench {
    static final int RUNS = Integer.getInteger("runs", 3), WARMUP = Integer.getInteger("warmup", 20);
    static double firstMs = Double.NaN;
    static final List<String> MODELS = List.of("squeezenet", "shufflenet", "bvlc_alexnet", "resnet50", "inception_v1",
            "inception_v2", "densenet121", "zfnet512", "vgg19");

    interface Run { void run() throws Exception; }

    static double medianMs(Run r) throws Exception {
        long f0 = System.nanoTime();
        r.run(); // warm-up: compiles jtiny's kernels, lets ORT allocate
        firstMs = (System.nanoTime() - f0) * 1e-6;
        for (int i = 1; i < WARMUP; i++) r.run();
        double[] t = new double[RUNS];
        for (int i = 0; i < RUNS; i++) {
            long t0 = System.nanoTime();
            r.run();
            t[i] = (System.nanoTime() - t0) * 1e-6;
        }
        Arrays.sort(t);
        return t[RUNS / 2];
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        List<String> models = args.length > 1 ? Arrays.asList(args).subList(1, args.length) : MODELS;
        List<String> devices = Arrays.asList(System.getProperty("devices", "JAVA").split(","));
        boolean ort = Boolean.parseBoolean(System.getProperty("ort", "true"));
        for (String d : devices) System.out.println(d + " = " + Devices.get(d).description());
        var rows = new ArrayList<String>();
        for (String name : models) {
            Path file = dir.resolve("light_" + name + ".onnx");
            OnnxModel model = OnnxModel.load(file);
            int[] shape = model.inputs().getFirst().shape();
            Tensor.manualSeed(1);
            float[] input = Tensor.rand(shape).toFloatArray();
            var cells = new ArrayList<String>();
            double first = Double.NaN;
            for (String d : devices) {
                Config.set("DEVICE", d);
                Tensor x = Tensor.of(input, shape).realize();
                double ms = medianMs(() -> {
                    var out = model.run(x).values().iterator().next().realize();
                    out.lazyBuffer().buffer().device.synchronize();
                });
                if (Double.isNaN(first)) first = ms;
                System.out.printf(Locale.ROOT, "%s on %s: first inference %.0f ms, then %.1f ms%n", name, d, firstMs, ms);
                cells.add(String.format(Locale.ROOT, "%.1f", ms));
            }
            Config.set("DEVICE", null);
            String ortCell = "-", ratio = "-";
            if (ort) {
                double ms = Ort.medianMs(file, input, shape, model.inputs().getFirst().name());
                ortCell = String.format(Locale.ROOT, "%.1f", ms);
                ratio = String.format(Locale.ROOT, "%.1f", first / ms);
            }
            rows.add("| " + name + " | " + String.join(" | ", cells) + " | " + ortCell + " | " + ratio + " |");
            System.out.println(rows.getLast());
        }
        System.out.println("\n| model | " + String.join(" ms | ", devices) + " ms | ONNX Runtime ms | jtiny " + devices.getFirst() + " / ORT |");
        System.out.println("|---|" + "---:|".repeat(devices.size() + 2));
        rows.forEach(System.out::println);
    }

    /** ONNX Runtime on the CPU, in its own class so that -Dort=false runs without its jar. */
    static final class Ort {
        static double medianMs(Path file, float[] input, int[] shape, String in) throws Exception {
            var env = OrtEnvironment.getEnvironment();
            var opts = new OrtSession.SessionOptions();
            opts.setIntraOpNumThreads(Runtime.getRuntime().availableProcessors());
            try (OrtSession s = env.createSession(Files.readAllBytes(file), opts);
                 OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), Arrays.stream(shape).asLongStream().toArray())) {
                return OnnxBench.medianMs(() -> { try (var r = s.run(Map.of(in, t))) { r.get(0).getValue(); } });
            }
        }
    }
}
