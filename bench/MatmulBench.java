// GEMM-class work on the JAVA device beside numpy (OpenBLAS) in the same run: square matmuls, a linear layer with
// bias and ReLU, a batched matmul. Prints the first call and the median of the steady calls, GFLOPS, and numpy's.
// Usage: ./jtiny bench matmul   (-Druns=N steady calls per case, default 10, after -Dwarmup=N calls, default 5, and
// at least -Dwarmup.seconds=S of them, default 1; numpy warms up as long)

import dev.jtiny.Tensor;
import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.KernelLog;
import dev.jtiny.runtime.engine.Devices;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

public class MatmulBench {
    static final int RUNS = Integer.getInteger("runs", 10), WARMUP = Integer.getInteger("warmup", 5);
    /** Warm-up calls go on until this long has passed too: HotSpot compiles a small kernel's class only after hundreds of calls. */
    static final double WARMUP_SECONDS = Double.parseDouble(System.getProperty("warmup.seconds", "1"));

    /** A case: its name (also numpy's), its FLOPs, and the computation on fresh-but-realized operands. */
    record Case(String name, double flops, Supplier<Tensor> run) {}

    public static void main(String[] args) throws Exception {
        Config.set("DEVICE", "JAVA");
        System.out.println("device: JAVA = " + Devices.get("JAVA").description());
        Tensor.manualSeed(0);
        List<Case> cases = new ArrayList<>();
        for (int n : new int[]{256, 1024, 2048}) {
            Tensor a = Tensor.rand(n, n).realize(), b = Tensor.rand(n, n).realize();
            cases.add(new Case("matmul " + n, 2.0 * n * n * n, () -> a.matmul(b)));
        }
        Tensor x = Tensor.rand(4096, 1024).realize(), w = Tensor.rand(1024, 1024).realize(), bias = Tensor.rand(1024).realize();
        cases.add(new Case("linear 4096x1024 . 1024x1024 + bias, relu", 2.0 * 4096 * 1024 * 1024, () -> x.matmul(w).add(bias).relu()));
        Tensor ba = Tensor.rand(16, 256, 512).realize(), bb = Tensor.rand(16, 512, 256).realize();
        cases.add(new Case("batched 16 x 256x512 . 512x256", 2.0 * 16 * 256 * 512 * 256, () -> ba.matmul(bb)));

        Map<String, Double> numpy = numpy();
        System.out.println();
        System.out.printf("| case | jtiny first call ms | jtiny ms (median of %d) | jtiny GFLOPS | numpy ms | numpy GFLOPS | jtiny / numpy speed | jtiny plan |%n", RUNS);
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---|");
        for (Case c : cases) {
            long t0 = System.nanoTime();
            c.run().get().realize();
            double first = (System.nanoTime() - t0) * 1e-6;
            // HotSpot compiles a fresh kernel in the background while it runs: the steady state comes a few calls later.
            long w0 = System.nanoTime();
            for (int i = 0; i < WARMUP || (System.nanoTime() - w0) * 1e-9 < WARMUP_SECONDS; i++) c.run().get().realize();
            double[] ms = new double[RUNS];
            String plan = "";
            for (int i = 0; i < RUNS; i++) {
                long mark = KernelLog.mark(), t = System.nanoTime();
                c.run().get().realize();
                ms[i] = (System.nanoTime() - t) * 1e-6;
                plan = KernelLog.since(mark).stream().filter(e -> e.kind().equals("kernel"))
                        .map(e -> e.name() + " " + e.opts()).reduce((p, q) -> p + "; " + q).orElse("");
            }
            Arrays.sort(ms);
            double med = ms[RUNS / 2];
            Double np = numpy.get(c.name());
            System.out.printf(Locale.ROOT, "| %s | %.1f | %.2f | %.1f | %s | %s | %s | %s |%n", c.name(), first, med, c.flops() / med / 1e6,
                    np == null ? "-" : String.format(Locale.ROOT, "%.2f", np), np == null ? "-" : String.format(Locale.ROOT, "%.1f", c.flops() / np / 1e6),
                    np == null ? "-" : String.format(Locale.ROOT, "%.2f", np / med), plan);
        }
    }

    /** numpy through Debian's python3 on OpenBLAS, the same work timed the same way, and the OpenBLAS kernel it used. */
    static Map<String, Double> numpy() throws Exception {
        Path f = Files.createTempFile("matmul-numpy", ".py");
        Files.writeString(f, """
                import time, ctypes, ctypes.util, sys, numpy as np
                RUNS = %d
                def med(fn):
                    w0 = time.perf_counter()
                    while time.perf_counter() - w0 < %s: fn()
                    ts = []
                    for _ in range(RUNS):
                        t = time.perf_counter(); fn(); ts.append((time.perf_counter() - t) * 1e3)
                    return sorted(ts)[RUNS // 2]
                r = np.random.default_rng(0)
                def f32(*s): return r.random(s, dtype=np.float32)
                for n in (256, 1024, 2048):
                    a, b = f32(n, n), f32(n, n)
                    print("matmul %%d" %% n, med(lambda: a @ b))
                x, w, bias = f32(4096, 1024), f32(1024, 1024), f32(1024)
                print("linear 4096x1024 . 1024x1024 + bias, relu", med(lambda: np.maximum(x @ w + bias, 0)))
                ba, bb = f32(16, 256, 512), f32(16, 512, 256)
                print("batched 16 x 256x512 . 512x256", med(lambda: ba @ bb))
                try:
                    lib = ctypes.CDLL("libopenblas.so.0")
                    lib.openblas_get_corename.restype = ctypes.c_char_p
                    print("numpy", np.__version__, "on OpenBLAS, kernel", lib.openblas_get_corename().decode(),
                          "threads", lib.openblas_get_num_threads(), file=sys.stderr)
                except OSError as e:
                    print("numpy", np.__version__, "(OpenBLAS not found:", e, ")", file=sys.stderr)
                """.formatted(RUNS, WARMUP_SECONDS));
        String python = Files.exists(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        ProcessBuilder pb = new ProcessBuilder(python, f.toString()).redirectErrorStream(true);
        // Some machines pin OpenBLAS to an older core type; the baseline runs as OpenBLAS chooses for this CPU.
        pb.environment().remove("OPENBLAS_CORETYPE");
        pb.environment().remove("OPENBLAS_L2_SIZE");
        Map<String, Double> out = new LinkedHashMap<>();
        Process p = pb.start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            for (String line; (line = r.readLine()) != null; ) {
                int sp = line.lastIndexOf(' ');
                try {
                    if (line.startsWith("numpy")) throw new NumberFormatException();
                    out.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
                } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
                    System.out.println(line);
                }
            }
        }
        p.waitFor();
        Files.deleteIfExists(f);
        return out;
    }
}
