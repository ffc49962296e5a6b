// Host time per kernel launch: a small training step (many tiny kernels, so the host's work dominates) replayed
// by the JIT, against the same step built, scheduled and launched every time. Wall time per call / kernels per call.
// Usage: java ... JitLaunchBench [DEVICE ...]   (-Dcalls=200)

import dev.jtiny.Jit;
import dev.jtiny.Tensor;
import dev.jtiny.nn.Layer;
import dev.jtiny.nn.Linear;
import dev.jtiny.nn.Sequential;
import dev.jtiny.optim.Adam;
import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.Counters;
import dev.jtiny.runtime.engine.Devices;

import java.util.List;
import java.util.Locale;

public class JitLaunchBench {
    static final int CALLS = Integer.getInteger("calls", 200);

    public static void main(String[] args) {
        List<String> devices = args.length > 0 ? List.of(args) : Devices.available();
        System.out.println("| device | kernels per step | JIT replay µs per launch | no JIT µs per launch | JIT step ms | no-JIT step ms |");
        System.out.println("|---|---:|---:|---:|---:|---:|");
        for (String d : devices) {
            Config.set("DEVICE", d);
            Tensor.manualSeed(1);
            Sequential model = new Sequential(new Linear(32, 64), Layer.of(Tensor::relu), new Linear(64, 10));
            Adam opt = new Adam(model.parameters(), 1e-3);
            Jit.Fn step = TrainBench.step(model, opt);
            Tensor x = Tensor.rand(16, 32).realize(), y = Tensor.of(new int[]{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5}, 16);
            Jit jit = Jit.of(step);
            double[] withJit = time(() -> jit.call(x, y)[0].realize());
            double[] without = time(() -> step.apply(x, y)[0].realize());
            System.out.printf(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.3f | %.3f |%n", d, (long) withJit[1],
                    withJit[0] * 1e3 / withJit[1], without[0] * 1e3 / without[1], withJit[0], without[0]);
        }
    }

    /** {ms per call, kernels per call}, after warm-up calls (compiles, JIT capture). */
    static double[] time(Runnable call) {
        for (int i = 0; i < 20; i++) call.run();
        Devices.get(Devices.defaultName()).synchronize();
        Counters.reset();
        long t0 = System.nanoTime();
        for (int i = 0; i < CALLS; i++) call.run();
        Devices.get(Devices.defaultName()).synchronize();
        double ms = (System.nanoTime() - t0) * 1e-6 / CALLS;
        return new double[]{ms, (double) Counters.kernelCount() / CALLS};
    }
}
