// Side-by-side CPU benchmark: a fused 8-op chain ending in a sum over 16M floats, the same chain realized step by
// step, numpy on the same machine in the same run, and a 1024x1024 matmul. Prints a markdown table.
//
// Run from the repository root:  ./jtiny bench cpu   (or: java -cp <jtiny class path> bench/CpuBench.java)

import dev.jtiny.Tensor;
import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.engine.Devices;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

public class CpuBench {
    static final int N = 1 << 24;
    static final int RUNS = Integer.getInteger("runs", 10);

    /** The chain: mul, add, max (relu), mul, add, abs (max with the negation: 2 ops), add, sqrt; then a sum. */
    static Tensor chain(Tensor x) {
        return x.mul(1.5).add(0.5).relu().mul(x).sub(0.25).abs().add(1).sqrt().sum();
    }

    static Tensor chainUnfused(Tensor x) {
        Tensor t = x.mul(1.5).realize();
        t = t.add(0.5).realize();
        t = t.relu().realize();
        t = t.mul(x).realize();
        t = t.sub(0.25).realize();
        t = t.abs().realize();
        t = t.add(1).realize();
        t = t.sqrt().realize();
        return t.sum();
    }

    static double medianMs(Supplier<Float> f) {
        for (int i = 0; i < 3; i++) f.get();
        double[] t = new double[RUNS];
        for (int i = 0; i < RUNS; i++) {
            long t0 = System.nanoTime();
            f.get();
            t[i] = (System.nanoTime() - t0) * 1e-6;
        }
        Arrays.sort(t);
        return t[RUNS / 2];
    }

    public static void main(String[] args) throws Exception {
        Map<String, double[]> rows = new LinkedHashMap<>();
        float[] data = new float[N];
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        for (int i = 0; i < N; i++) data[i] = (float) r.nextDouble();
        double exact = 0;
        for (float v : data) exact += Math.sqrt(Math.abs(Math.max(v * 1.5 + 0.5, 0) * v - 0.25) + 1);

        List<String> devices = new ArrayList<>(List.of("JAVA"));
        if (Devices.available().contains("OPENCL:0")) devices.add("OPENCL:0");
        Map<String, Double> fused = new LinkedHashMap<>();
        for (String d : devices) {
            Config.set("DEVICE", d);
            Tensor x = Tensor.of(data, N).realize();
            float[] got = {0};
            double ms = medianMs(() -> got[0] = chain(x).item());
            double err = Math.abs(got[0] - exact) / exact;
            fused.put(d, ms);
            rows.put("chain 8 ops + sum, 16M, fused, " + d, new double[]{ms, err});
            double msU = medianMs(() -> chainUnfused(x).item());
            rows.put("chain 8 ops + sum, 16M, step by step, " + d, new double[]{msU, Double.NaN});

            Tensor a = Tensor.rand(1024, 1024).realize(), b = Tensor.rand(1024, 1024).realize();
            double msM = medianMs(() -> {
                Tensor c = a.matmul(b).realize();
                c.lazyBuffer().buffer().device.synchronize();
                return 0f;
            });
            float[] c = a.matmul(b).toFloatArray(), ha = a.toFloatArray(), hb = b.toFloatArray();
            double worst = 0;
            for (int i = 0; i < 1024; i += 97) for (int j = 0; j < 1024; j += 89) {
                double ref = 0;
                for (int k = 0; k < 1024; k++) ref += (double) ha[i * 1024 + k] * hb[k * 1024 + j];
                worst = Math.max(worst, Math.abs(c[i * 1024 + j] - ref) / ref);
            }
            rows.put("matmul 1024x1024, " + d, new double[]{msM, worst});
        }
        Config.set("DEVICE", null);

        Map<String, Double> numpy = numpy();
        System.out.println();
        System.out.printf("| case | time (ms, median of %d) | max rel. error vs float64 | numpy (ms) | numpy / jtiny |%n", RUNS);
        System.out.println("|---|---:|---:|---:|---:|");
        for (var e : rows.entrySet()) {
            String k = e.getKey();
            Double np = k.startsWith("chain") ? numpy.get("chain") : numpy.get("matmul");
            System.out.printf("| %s | %.2f | %s | %s | %s |%n", k, e.getValue()[0],
                    Double.isNaN(e.getValue()[1]) ? "" : String.format("%.1e", e.getValue()[1]),
                    np == null ? "n/a" : String.format("%.2f", np), np == null ? "n/a" : String.format(np / e.getValue()[0] < 1 ? "%.2fx" : "%.1fx", np / e.getValue()[0]));
        }
        System.out.println();
        System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.arch")
                + ", Java " + Runtime.version() + "; devices: " + devices.stream().map(d -> d + " = " + Devices.get(d).description()).toList());
    }

    /** numpy through Debian's python3, timing the same work the same way (median of RUNS after warm-up). */
    static Map<String, Double> numpy() throws Exception {
        String py = """
                import time, numpy as np
                rng = np.random.default_rng(1)
                x = rng.random(1 << 24, dtype=np.float32)
                a = rng.random((1024, 1024), dtype=np.float32); b = rng.random((1024, 1024), dtype=np.float32)
                def med(f, runs=%d):
                    for _ in range(3): f()
                    t = []
                    for _ in range(runs):
                        t0 = time.perf_counter(); f(); t.append((time.perf_counter() - t0) * 1e3)
                    t.sort(); return t[len(t) // 2]
                chain = lambda: float(np.sqrt(np.abs(np.maximum(x * np.float32(1.5) + np.float32(0.5), 0) * x - np.float32(0.25)) + np.float32(1)).sum())
                print("chain", med(chain))
                print("matmul", med(lambda: a @ b))
                import sys; print("numpy", np.__version__, file=sys.stderr)
                """.formatted(RUNS);
        Path f = Files.createTempFile("jtiny-bench", ".py");
        Files.writeString(f, py);
        String python = Files.exists(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        ProcessBuilder pb = new ProcessBuilder(python, f.toString()).redirectErrorStream(true);
        // Some machines pin OpenBLAS to an older core type; that slows a current numpy, so the baseline runs without it.
        pb.environment().remove("OPENBLAS_CORETYPE");
        pb.environment().remove("OPENBLAS_L2_SIZE");
        Process p = pb.start();
        Map<String, Double> out = new LinkedHashMap<>();
        try (BufferedReader br = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            String line;
            while ((line = br.readLine()) != null) {
                String[] parts = line.trim().split(" ");
                if (parts.length == 2) {
                    try { out.put(parts[0], Double.parseDouble(parts[1])); } catch (NumberFormatException e) { System.err.println("numpy: " + line); }
                } else System.err.println("numpy: " + line);
            }
        }
        p.waitFor();
        Files.deleteIfExists(f);
        return out;
    }
}
