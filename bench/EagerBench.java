// Host time per call of a repeated computation written plainly (no Jit), with and without the schedule cache,
// against the same computation under Jit: the README's MLP training step, the small CNN's training step and the
// light resnet50's inference. Host time is a call's wall time less its kernels' own times (PROFILE=1 times every
// launch), so it is what the CPU spends building graphs, scheduling, lowering, binding and launching. "New buffers
// per call" counts the schedule-cache case's buffers that had to take new memory (the pool held none of their size).
// Usage: ./jtiny bench eager [DEVICE]   (-Dcalls=N timed calls per case, default 10; -Dwarmup=N calls before them,
// default 10, so that the JVM has compiled the graph-building code as it has in a notebook that ran a while)

import dev.jtiny.Jit;
import dev.jtiny.Tensor;
import dev.jtiny.nn.Layer;
import dev.jtiny.nn.Linear;
import dev.jtiny.nn.Sequential;
import dev.jtiny.onnx.OnnxModel;
import dev.jtiny.onnx.OnnxTestData;
import dev.jtiny.optim.Adam;
import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.Counters;
import dev.jtiny.runtime.engine.Devices;
import dev.jtiny.runtime.KernelLog;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

public class EagerBench {
    static final int CALLS = Integer.getInteger("calls", 10), WARMUP = Integer.getInteger("warmup", 10);
    static final boolean PROFILE = Boolean.parseBoolean(System.getProperty("profile", "true"));

    /** A case: a fresh step function (model and optimizer state of its own) and its inputs. */
    record Case(String name, Supplier<Jit.Fn> step, Tensor[] inputs, int calls) {}

    public static void main(String[] args) throws Exception {
        String device = args.length > 0 ? args[0] : Devices.defaultName();
        Config.set("DEVICE", device);
        // -Dprofile=false: launches untimed, as in a notebook; the table then gives wall ms per call (host and the
        // kernels' time not hidden behind it), the fairer comparison where launches are asynchronous (GPUs).
        if (PROFILE) Config.set("PROFILE", "1");
        System.out.println("device: " + device + " = " + Devices.get(device).description());
        List<Case> cases = new ArrayList<>();
        Tensor.manualSeed(0);
        int[] labels = new int[64];
        for (int i = 0; i < labels.length; i++) labels[i] = i % 10;
        Tensor y = Tensor.of(labels, 64);
        cases.add(new Case("MLP step (784-128-10, batch 64, Adam)", () -> {
            Tensor.manualSeed(1);
            Sequential m = new Sequential(new Linear(784, 128), Layer.of(Tensor::relu), new Linear(128, 10));
            return TrainBench.step(m, new Adam(m.parameters(), 1e-3));
        }, new Tensor[] {Tensor.rand(64, 784).realize(), y}, CALLS));
        cases.add(new Case("CNN step (TrainBench, batch 64, Adam)", () -> {
            Tensor.manualSeed(1);
            Sequential m = TrainBench.model();
            return TrainBench.step(m, new Adam(m.parameters(), 1e-3));
        }, new Tensor[] {Tensor.rand(64, 1, 28, 28).realize(), y}, CALLS));
        Optional<java.nio.file.Path> light = OnnxTestData.suite("light");
        if (light.isPresent()) {
            OnnxModel resnet = OnnxModel.load(light.get().resolve("light_resnet50.onnx"));
            cases.add(new Case("resnet50 inference (light, 1x3x224x224)", () -> in -> resnet.run(in[0]).values().toArray(Tensor[]::new),
                    new Tensor[] {Tensor.rand(1, 3, 224, 224).realize()}, CALLS));
        } else {
            System.out.println("resnet50 left out: " + OnnxTestData.missing("light"));
        }

        System.out.println();
        String per = PROFILE ? "host ms" : "wall ms (untimed launches)";
        System.out.println("| case | kernels per call | schedule cache hits per call | new buffers per call | no schedule cache, " + per
                + " | schedule cache, " + per + " | Jit, " + per + " | cache / Jit | kernels ms |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Case c : cases) {
            Config.set("SCHEDULECACHE", "0");
            double[] none = time(c.step().get(), c.inputs(), c.calls());
            Config.set("SCHEDULECACHE", null);
            double[] cached = time(c.step().get(), c.inputs(), c.calls());
            Jit jit = Jit.of(c.step().get());
            double[] jitted = time(jit::call, c.inputs(), c.calls());
            System.out.printf(Locale.ROOT, "| %s | %d | %d | %.1f | %.2f | %.2f | %.2f | %.2f | %.1f |%n", c.name(), (long) cached[2],
                    (long) cached[3], cached[4], none[0], cached[0], jitted[0], cached[0] / jitted[0], cached[1]);
        }
    }

    /**
     * {median host ms, median kernel ms, kernels, schedule cache hits, buffers that took new memory} per call, after
     * the warm-up calls (compiles, caches, Jit capture).
     */
    static double[] time(Jit.Fn fn, Tensor[] inputs, int calls) {
        for (int i = 0; i < Math.max(2, WARMUP); i++) realize(fn.apply(inputs));
        double[] host = new double[calls], kernels = new double[calls];
        long launched = 0, hits = 0, fresh0 = Counters.newMemoryCount();
        for (int i = 0; i < calls; i++) {
            long mark = KernelLog.mark(), k0 = Counters.kernelCount(), h0 = Counters.scheduleCacheHitCount();
            long t0 = System.nanoTime();
            realize(fn.apply(inputs));
            double wall = (System.nanoTime() - t0) * 1e-6;
            double inKernels = KernelLog.since(mark).stream().filter(e -> e.kind().equals("kernel"))
                    .mapToDouble(e -> Double.isNaN(e.seconds()) ? 0 : e.seconds() * 1e3).sum();
            host[i] = wall - inKernels;
            kernels[i] = inKernels;
            launched = Counters.kernelCount() - k0;
            hits = Counters.scheduleCacheHitCount() - h0;
        }
        Arrays.sort(host);
        Arrays.sort(kernels);
        return new double[] {host[calls / 2], kernels[calls / 2], launched, hits, (Counters.newMemoryCount() - fresh0) / (double) calls};
    }

    private static void realize(Tensor[] out) {
        Tensor.realize(out);
        for (Tensor t : out) t.lazyBuffer().buffer().device.synchronize();
    }
}
