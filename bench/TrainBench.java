// Trains a small CNN on Fashion-MNIST and reports test accuracy, time per epoch and step, and kernels per step.
// Run: ./jtiny bench train [epochs] [max steps per epoch]   (on a GPU machine the default device is the GPU)
// With JTINY_JVM_OPTS=-Djit=true the training step is captured once and replayed (dev.jtiny.Jit).
// The same model in PyTorch: bench/train_torch.py (same architecture, optimizer, batch size and epochs).

import dev.jtiny.Jit;
import dev.jtiny.Tensor;
import dev.jtiny.data.Batches;
import dev.jtiny.data.FashionMnist;
import dev.jtiny.nn.Conv;
import dev.jtiny.nn.Conv2d;
import dev.jtiny.nn.Layer;
import dev.jtiny.nn.Linear;
import dev.jtiny.nn.Losses;
import dev.jtiny.nn.Sequential;
import dev.jtiny.optim.Adam;
import dev.jtiny.optim.Optimizer;
import dev.jtiny.runtime.Counters;
import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.engine.Devices;

public class TrainBench {
    /** conv(1→16, 3x3) relu pool2, conv(16→32, 3x3) relu pool2, linear(32·7·7 → 10). */
    static Sequential model() {
        return new Sequential(
                new Conv2d(1, 16, 3, 1, 1), Layer.of(Tensor::relu), Layer.of(x -> Conv.maxPool2d(x, 2)),
                new Conv2d(16, 32, 3, 1, 1), Layer.of(Tensor::relu), Layer.of(x -> Conv.maxPool2d(x, 2)),
                Layer.of(x -> x.flatten(1)), new Linear(32 * 7 * 7, 10));
    }

    /**
     * One training step of {@code net} on a batch (images, int labels): cross-entropy, backward, {@code opt}'s
     * update; returns the loss, realized. GpuSuite and JitLaunchBench time the same step.
     */
    static Jit.Fn step(Sequential net, Optimizer opt) {
        return in -> {
            opt.zeroGrad();
            Tensor loss = Losses.crossEntropy(net.forward(in[0]), in[1]);
            loss.backward();
            opt.step();
            return new Tensor[]{loss.realize()};
        };
    }

    public static void main(String[] args) {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int maxSteps = args.length > 1 ? Integer.parseInt(args[1]) : Integer.MAX_VALUE;
        String device = Devices.defaultName();
        System.out.println("device: " + device + " = " + Devices.get(device).description());
        Tensor.manualSeed(0);
        String dir = System.getProperty("fashion.dir");   // default: /usr/share/datasets/fashion-mnist
        FashionMnist data = dir == null ? FashionMnist.load() : FashionMnist.load(java.nio.file.Path.of(dir));
        Tensor trainX = data.trainImages().reshape(-1, 1, 28, 28), testX = data.testImages().reshape(-1, 1, 28, 28);
        Sequential net = model();
        Adam opt = new Adam(net.parameters(), 1e-3);
        Batches batches = Batches.of(trainX, data.trainLabels(), 64).shuffle(1).dropLast(true);
        boolean useJit = Boolean.getBoolean("jit");
        Jit.Fn step = step(net, opt);
        Jit jitted = Jit.of(step);
        System.out.println("jit: " + (useJit ? "on (the step is captured on its second call and replayed)" : "off"));
        long kernelsPerStep = 0;
        for (int epoch = 0; epoch < epochs; epoch++) {
            long t0 = System.nanoTime();
            int steps = 0;
            double stepMs = 0;
            for (Batches.Batch b : batches.epoch(epoch)) {
                if (steps == maxSteps) break;
                long s0 = System.nanoTime();
                Counters.reset();
                Tensor x = b.x().to(device), y = b.y().to(device);
                Tensor loss = (useJit ? jitted.call(x, y) : step.apply(x, y))[0];
                kernelsPerStep = Counters.kernelCount();
                if (steps >= 5) stepMs += (System.nanoTime() - s0) / 1e6;
                if (steps % 200 == 0) System.out.printf("epoch %d step %d loss %.4f%n", epoch, steps, loss.item());
                steps++;
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            double acc = Tensor.noGrad(() -> accuracy(net, testX, data.testLabels(), device));
            System.out.printf("epoch %d: test accuracy %.4f, %.1f s, %.2f ms per step (after warm-up), %d kernels per step%n",
                    epoch, acc, seconds, stepMs / Math.max(steps - 5, 1), kernelsPerStep);
        }
    }

    static double accuracy(Sequential net, Tensor x, Tensor y, String device) {
        long correct = 0;
        int n = x.shape()[0];
        for (int i = 0; i < n; i += 1000) {
            int e = Math.min(i + 1000, n);
            Tensor pred = net.forward(x.slice(0, i, e).to(device)).argmax(1);
            correct += (long) pred.eq(y.slice(0, i, e).to(device)).cast(DType.INT32).sum().item();
        }
        return correct / (double) n;
    }
}
