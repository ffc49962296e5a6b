// The GPU suite for the device machine: each case on jtiny (the default device, OpenCL on a GPU) beside PyTorch
// (eager and torch.compile, from bench/gpu_suite.py in the same call), on the same inputs, results checked against
// each other, one table at the end. Times are device times (OpenCL profiling, CUDA events), medians after warm-up.
// Two whole-workload cases are timed as wall time per call (host work included) on both sides: a training step of
// TrainBench's Fashion-MNIST CNN (batch 64, Adam, replayed by the JIT) and inference of the ONNX test data's light
// resnet50 (batch 1; -Donnx.light=DIR, its outputs checked against ONNX Runtime on the CPU, same file and input).
// Usage: java ... GpuSuite TORCH_JSONL [case ...]   (bench/gpu-suite.sh runs both sides: one command)

import dev.jtiny.Jit;
import dev.jtiny.Tensor;
import dev.jtiny.nn.Conv;
import dev.jtiny.nn.Sequential;
import dev.jtiny.onnx.OnnxModel;
import dev.jtiny.optim.Adam;
import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.Counters;
import dev.jtiny.runtime.engine.Devices;
import dev.jtiny.runtime.KernelLog;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class GpuSuite {
    static final int RUNS = Integer.getInteger("runs", 20);

    /** The suite's inputs, as gpu_suite.py makes them: x[i] = ((i * 2654435761) mod 1000003) / 1000003 - 0.5. */
    static Tensor data(double scale, int... shape) {
        long n = 1;
        for (int d : shape) n *= d;
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = (float) (((i * 2654435761L) % 1000003) / 1000003.0 - 0.5);
        Tensor t = Tensor.of(v, shape);
        return (scale == 1 ? t : t.mul((float) scale)).realize();
    }

    /** {@code wall}: timed as wall time per call, host work included (a whole step or inference), not kernel time. */
    record Case(String name, double flops, double bytes, Supplier<Tensor> f, boolean wall) {
        Case(String name, double flops, double bytes, Supplier<Tensor> f) { this(name, flops, bytes, f, false); }
    }

    record Timing(double deviceMs, double wallMs, int kernels) {}

    static Timing time(Supplier<Tensor> f) {
        for (int i = 0; i < 3; i++) sync(f.get().realize());
        double[] dev = new double[RUNS], wall = new double[RUNS];
        int kernels = 0;
        for (int i = 0; i < RUNS; i++) {
            long mark = KernelLog.mark();
            Counters.reset();
            long t0 = System.nanoTime();
            sync(f.get().realize());
            wall[i] = (System.nanoTime() - t0) * 1e-6;
            // Untimed launches (PROFILE=0, whole steps) are not in the kernel log; the counter sees every launch.
            dev[i] = KernelLog.since(mark).stream().filter(e -> e.kind().equals("kernel")).mapToDouble(KernelLog.Entry::seconds).sum() * 1e3;
            kernels = (int) Counters.kernelCount();
        }
        Arrays.sort(dev);
        Arrays.sort(wall);
        return new Timing(dev[RUNS / 2], wall[RUNS / 2], kernels);
    }

    static void sync(Tensor t) { t.lazyBuffer().buffer().device.synchronize(); }

    static double[] check(Tensor t) {
        float[] v = t.toFloatArray();
        double s = 0, l1 = 0;
        for (float x : v) {
            s += x;
            l1 += Math.abs(x);
        }
        return new double[]{s, v[0], v[v.length - 1], l1};
    }

    static Tensor layernorm(Tensor x) {
        Tensor c = x.sub(x.mean(1, true));
        return c.div(c.square().mean(1, true).add(1e-5).sqrt());
    }

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        int n = 1 << 28;
        Tensor x = data(1, n);
        c.add(new Case("chain", 8.0 * n, 8.0 * n, () -> x.mul(1.5).add(0.5).relu().mul(x).sub(0.25).abs().add(1).sqrt()));
        c.add(new Case("sum", n, 4.0 * n, x::sum));
        Tensor rows = x.reshape(16384, 16384);
        c.add(new Case("sum_rows", n, 4.0 * n, () -> rows.sum(1)));
        Tensor s = data(1, 16384, 4096);
        c.add(new Case("softmax", 5.0 * s.numel(), 8.0 * s.numel(), () -> s.softmax(1)));
        c.add(new Case("layernorm", 7.0 * s.numel(), 8.0 * s.numel(), () -> layernorm(s)));
        for (int[] mkn : new int[][]{{1024, 1024, 1024}, {4096, 4096, 4096}, {64, 8192, 8192}}) {
            Tensor a = data(1, mkn[0], mkn[1]), b = data(0.01, mkn[1], mkn[2]);
            c.add(new Case("matmul_" + mkn[0] + "x" + mkn[1] + "x" + mkn[2], 2.0 * mkn[0] * mkn[1] * mkn[2],
                    4.0 * ((long) mkn[0] * mkn[1] + (long) mkn[1] * mkn[2] + (long) mkn[0] * mkn[2]), () -> a.matmul(b)));
        }
        c.add(conv("conv2d", 32, 64, 56, 128, 3, 0.05));
        // A linear layer (weights read transposed, bias and ReLU fused), a shape the matmul rules were not tuned on,
        // and a convolution from the third stage of a resnet.
        Tensor tokens = data(1, 4096, 1024), lw = data(0.01, 4096, 1024), lb = data(0.1, 4096);
        c.add(new Case("linear_relu", 2.0 * 4096 * 4096 * 1024, 4.0 * (2 * 4096L * 1024 + 4096 + 4096L * 4096),
                () -> tokens.matmul(lw.transpose(0, 1)).add(lb).relu()));
        c.add(conv("conv2d_256x28", 32, 256, 28, 256, 3, 0.02));
        // Two resnet convolutions the conv rule was not derived from: a 1x1 (bottleneck) one and a 3x3 one at 7x7.
        c.add(conv("conv1x1_256x56", 32, 256, 56, 64, 1, 0.05));
        c.add(conv("conv2d_512x7", 32, 512, 7, 512, 3, 0.01));
        c.add(new Case("cnn_step", Double.NaN, Double.NaN, cnnStep(), true));
        String light = System.getProperty("onnx.light");
        if (light != null) {
            OnnxModel resnet = OnnxModel.load(Path.of(light, "light_resnet50.onnx"));
            Tensor in = data(1, 1, 3, 224, 224);
            Jit jit = Jit.of(xs -> new Tensor[]{resnet.run(xs[0]).values().iterator().next().realize()});
            c.add(new Case("resnet50", Double.NaN, Double.NaN, () -> jit.call(in)[0], true));
            c.add(new Case("resnet50_nojit", Double.NaN, Double.NaN, () -> resnet.run(in).values().iterator().next(), true));
        }
        return c;
    }

    /**
     * A convolution that keeps its size: {@code n} images of {@code cin} channels, {@code hw} x {@code hw} pixels, to
     * {@code cout} channels through k x k filters scaled by {@code wScale}, padded by k / 2 (as gpu_suite.py's conv).
     */
    static Case conv(String name, int n, int cin, int hw, int cout, int k, double wScale) {
        Tensor img = data(1, n, cin, hw, hw), w = data(wScale, cout, cin, k, k);
        long outputs = (long) n * cout * hw * hw;
        return new Case(name, 2.0 * outputs * cin * k * k, 4.0 * (img.numel() + w.numel() + outputs),
                () -> Conv.conv2d(img, w, null, 1, k / 2));
    }

    /** One training step of TrainBench's CNN on a fixed batch (64 images of the suite's data, labels (7i) mod 10), JIT replayed. */
    static Supplier<Tensor> cnnStep() {
        Tensor.manualSeed(0);
        Sequential net = TrainBench.model();
        Adam opt = new Adam(net.parameters(), 1e-3);
        Tensor x = data(1, 64, 1, 28, 28);
        float[] labels = new float[64];
        for (int i = 0; i < 64; i++) labels[i] = (7 * i) % 10;
        Tensor y = Tensor.of(labels, 64).cast(DType.INT32).realize();
        Jit step = Jit.of(TrainBench.step(net, opt));
        return () -> step.call(x, y)[0];
    }

    /**
     * A horizontal bar chart (SVG, drawn here) of PyTorch's time over jtiny's per case, eager and torch.compile, on a
     * log scale from 1/16 to 16: right of the line jtiny is faster.
     */
    static String chart(List<String> names, List<double[]> bars, String device) {
        int left = 170, width = 520, row = 26, top = 40, h = top + row * names.size() + 50;
        double lo = -4, hi = 4; // log2
        java.util.function.DoubleUnaryOperator x = r -> left + width * (Math.max(lo, Math.min(hi, Math.log(r) / Math.log(2))) - lo) / (hi - lo);
        var svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n",
                left + width + 30, h));
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" font-size=\"14\">PyTorch time / jtiny time on %s (right of 1: jtiny faster)</text>%n",
                10, escape(device)));
        for (int e = -4; e <= 4; e++) {
            double gx = x.applyAsDouble(Math.pow(2, e));
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>%n", gx, top - 5, gx,
                    top + row * names.size(), e == 0 ? "black" : "#ddd"));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", gx, top + row * names.size() + 15,
                    e >= 0 ? String.valueOf(1 << e) : "1/" + (1 << -e)));
        }
        for (int i = 0; i < names.size(); i++) {
            int y = top + row * i;
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n", left - 8, y + 16, escape(names.get(i))));
            String[] colours = {"#4c72b0", "#dd8452"};
            for (int b = 0; b < 2; b++) {
                double r = bars.get(i)[b];
                if (!Double.isFinite(r) || r <= 0) continue;
                double x0 = x.applyAsDouble(1), x1 = x.applyAsDouble(r);
                svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"10\" fill=\"%s\"><title>%.2f</title></rect>%n",
                        Math.min(x0, x1), y + 3 + 11 * b, Math.abs(x1 - x0), colours[b], r));
                svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"9\" text-anchor=\"%s\">%.2f</text>%n",
                        x1 + (r >= 1 ? 3 : -3), y + 12 + 11 * b, r >= 1 ? "start" : "end", r));
            }
        }
        int ly = top + row * names.size() + 32;
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"#4c72b0\"/><text x=\"%d\" y=\"%d\">torch eager / jtiny</text>%n",
                left, ly, left + 14, ly + 9));
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"#dd8452\"/><text x=\"%d\" y=\"%d\">torch.compile / jtiny</text>%n",
                left + 160, ly, left + 174, ly + 9));
        return svg.append("</svg>\n").toString();
    }

    static String escape(String s) { return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"); }

    static final Pattern FIELD = Pattern.compile("\"(\\w+)\": (\\[[^\\]]*\\]|\"[^\"]*\"|[-0-9.eE+]+)");

    static Map<String, Map<String, String>> torch(Path jsonl) throws Exception {
        Map<String, Map<String, String>> all = new HashMap<>();
        for (String line : Files.readAllLines(jsonl)) {
            if (!line.startsWith("{")) continue;
            Map<String, String> m = new HashMap<>();
            Matcher f = FIELD.matcher(line);
            while (f.find()) m.put(f.group(1), f.group(2).replace("\"", ""));
            all.put(m.get("case"), m);
        }
        return all;
    }

    public static void main(String[] args) throws Exception {
        String dev = Devices.defaultName();
        System.out.println("jtiny on " + dev + " = " + Devices.get(dev).description());
        Config.set("PROFILE", "1");
        Map<String, Map<String, String>> torch = torch(Path.of(args[0]));
        List<String> only = Arrays.asList(args).subList(1, args.length);
        double copyGBps = Double.parseDouble(torch.get("peak_copy").get("gbps"));
        double mmTflops = Double.parseDouble(torch.get("peak_matmul").get("tflops"));
        var rows = new ArrayList<String>();
        var bars = new ArrayList<double[]>();
        var names = new ArrayList<String>();
        for (Case c : cases()) {
            if (!only.isEmpty() && !only.contains(c.name())) continue;
            // Whole steps run untimed (PROFILE=0), as in use: timing each launch would wait for every kernel.
            if (c.wall()) Config.set("PROFILE", "0");
            Timing t = time(c.f());
            Config.set("PROFILE", "1");
            double ms = c.wall() ? t.wallMs() : t.deviceMs();
            double[] got = check(c.f().get());
            Map<String, String> th = torch.getOrDefault(c.name(), Map.of());
            String agree = "-";
            if (th.containsKey("check")) {
                double[] want = Arrays.stream(th.get("check").replaceAll("[\\[\\]]", "").split(",")).mapToDouble(Double::parseDouble).toArray();
                // The sum against the sum of magnitudes (a sum near 0 has no relative error to speak of), the two
                // elements against their own size.
                double scale = Math.max(want[3], 1e-30);
                double err = Math.abs(got[0] - want[0]) / scale;
                for (int i = 1; i < 3; i++) err = Math.max(err, Math.abs(got[i] - want[i]) / Math.max(1e-6, Math.abs(want[i])));
                agree = err < 1e-3 ? String.format(Locale.ROOT, "ok %.0e", err) : String.format(Locale.ROOT, "DIFF %.1e", err);
            }
            if (th.containsKey("ref")) {
                double ref = Double.parseDouble(th.get("ref"));
                double want0 = Double.parseDouble(th.get("check").replaceAll("[\\[\\]]", "").split(",")[0]);
                System.out.printf(Locale.ROOT, "%s: float64 sum %.6f; jtiny off by %.3g, torch off by %.3g%n", c.name(), ref,
                        Math.abs(got[0] - ref), Math.abs(want0 - ref));
                // Both float32 sums against the float64 one, relative to the sum of |x| (about n / 4).
                double l1 = (1 << 28) / 4.0;
                agree = Math.abs(got[0] - ref) / l1 < 1e-6 ? String.format(Locale.ROOT, "ok %.0e (fp64)", Math.abs(got[0] - ref) / l1)
                        : "DIFF vs fp64";
            }
            double eager = Double.parseDouble(th.getOrDefault("eager_ms", "NaN"));
            double compiled = Double.parseDouble(th.getOrDefault("compile_ms", "NaN"));
            if (c.wall() && !th.containsKey("check")) agree = "n/a (own weights)";
            double gbps = c.bytes() / ms / 1e6, tflops = c.flops() / ms / 1e9;
            boolean compute = c.flops() / c.bytes() > 20;
            String peak = c.wall() ? "wall time" : compute ? String.format(Locale.ROOT, "%5.1f%% mm", 100 * tflops / mmTflops)
                    : String.format(Locale.ROOT, "%5.1f%% bw", 100 * gbps / copyGBps);
            rows.add(String.format(Locale.ROOT, "| %-22s | %3d | %9.3f | %9.3f | %9.3f | %9s | %6.2f | %6s | %8.1f | %7.2f | %s | %s |",
                    c.name(), t.kernels(), ms, eager, compiled, Double.isNaN(compiled) ? "-" : String.format(Locale.ROOT, "%.2f", compiled / ms),
                    eager / ms, "", gbps, tflops, peak, agree));
            System.out.println(rows.getLast());
            names.add(c.name());
            bars.add(new double[]{eager / ms, compiled / ms});
        }
        String chart = System.getProperty("chart");
        if (chart != null) Files.writeString(Path.of(chart), chart(names, bars, dev));
        System.out.printf(Locale.ROOT, "%nmeasured in this call: device copy %.0f GB/s (torch copy_), fp32 matmul 8192 %.1f TFLOP/s (torch, TF32 off)%n",
                copyGBps, mmTflops);
        System.out.println("| case | kernels | jtiny ms | torch eager ms | torch.compile ms | compile/jtiny | eager/jtiny |  | GB/s | TFLOP/s | of peak | check |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
        rows.forEach(System.out::println);
    }
}
