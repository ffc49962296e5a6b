// GPU benchmark for the device machine: the fused 8-op chain + sum over 256M floats against a copy kernel's
// bandwidth measured in the same run. Times are the device's own (OpenCL profiling), median of RUNS.
// PyTorch runs the same chain in the same call (bench/gpu_torch.py); see docs/benchmarks.md for the command.

import dev.jtiny.Tensor;
import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.engine.Devices;
import dev.jtiny.runtime.KernelLog;

import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

public class GpuBench {
    static final int RUNS = Integer.getInteger("runs", 10);

    /** Device time of the kernels that one call launches, median over RUNS calls after warm-up. */
    static double[] deviceMs(Supplier<Tensor> f) {
        for (int i = 0; i < 2; i++) f.get().realize();
        double[] t = new double[RUNS];
        double[] wall = new double[RUNS];
        for (int i = 0; i < RUNS; i++) {
            long mark = KernelLog.mark();
            long t0 = System.nanoTime();
            Tensor r = f.get().realize();
            r.lazyBuffer().buffer().device.synchronize();
            wall[i] = (System.nanoTime() - t0) * 1e-6;
            List<KernelLog.Entry> es = KernelLog.since(mark).stream().filter(e -> e.kind().equals("kernel")).toList();
            t[i] = es.stream().mapToDouble(KernelLog.Entry::seconds).sum() * 1e3;
        }
        Arrays.sort(t);
        Arrays.sort(wall);
        return new double[]{t[RUNS / 2], wall[RUNS / 2]};
    }

    public static void main(String[] args) {
        String dev = Devices.defaultName();
        System.out.println("device: " + dev + " = " + Devices.get(dev).description());
        Config.set("DEBUG", "2"); // timed launches (device profiling); the trace goes to stdout
        int n = Integer.getInteger("n", 1 << 28);
        Tensor.manualSeed(1);
        Tensor x = Tensor.rand(n).realize();
        double gb = n * 4.0 / 1e9;

        java.io.PrintStream out = System.out;
        System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        double[] copy = deviceMs(() -> x.mul(1.0001));
        double[] chain = deviceMs(() -> CpuBench.chain(x));
        float got = CpuBench.chain(x).item();
        System.setOut(out);

        // The device's own buffer-to-buffer copy (clEnqueueCopyBuffer): the bandwidth yardstick.
        var dev0 = x.lazyBuffer().buffer().device;
        var dst = dev0.allocate(x.dtype(), n);
        double[] d2d = new double[RUNS];
        for (int i = 0; i < RUNS + 2; i++) {
            double t = dev0.copy(dst, x.lazyBuffer().buffer().raw(), true) * 1e3;
            if (i >= 2) d2d[i - 2] = t;
        }
        Arrays.sort(d2d);
        dev0.free(dst);
        double d2dBw = 2 * gb / (d2d[RUNS / 2] * 1e-3);
        double copyBw = 2 * gb / (copy[0] * 1e-3);
        double chainBw = gb / (chain[0] * 1e-3);
        System.out.printf("| case | device time (ms) | wall (ms) | GB/s | of D2D copy bandwidth |%n|---|---:|---:|---:|---:|%n");
        System.out.printf("| device-to-device copy (clEnqueueCopyBuffer), %d floats | %.3f | | %.0f | 100%% |%n", n, d2d[RUNS / 2], d2dBw);
        System.out.printf("| jtiny copy kernel (x*1.0001) | %.3f | %.3f | %.0f | %.0f%% |%n", copy[0], copy[1], copyBw, 100 * copyBw / d2dBw);
        System.out.printf("| jtiny 8-op chain + sum, fused | %.3f | %.3f | %.0f | %.0f%% |%n", chain[0], chain[1], chainBw, 100 * chainBw / d2dBw);
        System.out.println("chain sum = " + got);
    }
}
