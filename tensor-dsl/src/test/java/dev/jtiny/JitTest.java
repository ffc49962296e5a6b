// Jit: a captured training step replays to exactly the same numbers as running it normally.
package dev.jtiny;

import dev.jtiny.nn.Layer;
import dev.jtiny.nn.Linear;
import dev.jtiny.nn.Losses;
import dev.jtiny.nn.Sequential;
import dev.jtiny.optim.Adam;
import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.Counters;
import org.junit.jupiter.api.AfterEach;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JitTest {
    @AfterEach void reset() {
        Config.set("DEVICE", null);
        Config.set("PROFILE", null);
        Config.set("JIT", null);
    }

    @org.junit.jupiter.api.Test
    void timedReplaysAreLoggedLikeTheCapturedLaunchesAndJitZeroRunsTheFunctionAsWritten() {
        Jit twice = Jit.of(in -> new Tensor[]{in[0].mul(2).add(1).sum()});
        Tensor x = Tensor.of(new float[]{1, 2, 3, 4}, 4);
        twice.call(x);
        twice.call(x); // captured
        long mark = dev.jtiny.runtime.KernelLog.mark();
        assertEquals(24f, twice.call(x)[0].item());
        assertEquals(0, dev.jtiny.runtime.KernelLog.since(mark).size(), "an untimed replay logs nothing");
        Config.set("PROFILE", "1");
        mark = dev.jtiny.runtime.KernelLog.mark();
        assertEquals(24f, twice.call(x)[0].item());
        var logged = dev.jtiny.runtime.KernelLog.since(mark).stream().filter(e -> e.kind().equals("kernel")).toList();
        assertEquals(twice.kernelsPerCall(), logged.size());
        assertTrue(logged.getFirst().name().startsWith("r_") && logged.getFirst().seconds() > 0
                && logged.getFirst().fusedOps().containsAll(List.of("mul", "add", "sum")), logged::toString);
        Config.set("JIT", "0");
        assertEquals(-1, run(twice, x), "JIT=0 drops the recording and runs the function as written");
        Config.set("JIT", null);
        run(twice, x);
        run(twice, x);
        assertEquals(1, twice.kernelsPerCall(), "recaptured once JIT is back on");
    }

    private static int run(Jit j, Tensor x) {
        assertEquals(24f, j.call(x)[0].item());
        return j.kernelsPerCall();
    }

    private record Run(List<Float> losses, List<float[]> params, long replayKernels) {}

    private static Run train(boolean jit) {
        Tensor.manualSeed(5);
        Sequential model = new Sequential(new Linear(12, 16), Layer.of(Tensor::relu), new Linear(16, 3));
        Adam opt = new Adam(model.parameters(), 1e-2);
        Jit.Fn step = in -> {
            opt.zeroGrad();
            Tensor loss = Losses.crossEntropy(model.forward(in[0]), in[1]);
            loss.backward();
            opt.step();
            return new Tensor[]{loss};
        };
        Jit compiled = Jit.of(step);
        List<Float> losses = new ArrayList<>();
        long replayKernels = -1;
        for (int s = 0; s < 6; s++) {
            float[] x = new float[8 * 12];
            int[] y = new int[8];
            for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 0.37 + s);
            for (int i = 0; i < 8; i++) y[i] = (i + s) % 3;
            Tensor xs = Tensor.of(x, 8, 12), ys = Tensor.of(y, 8);
            Counters.reset();
            Tensor[] out = jit ? compiled.call(xs, ys) : step.apply(xs, ys);
            if (jit && s >= 2) replayKernels = Counters.kernelCount();
            losses.add(out[0].item());
        }
        List<float[]> params = new ArrayList<>();
        for (Tensor p : model.parameters()) params.add(p.toFloatArray());
        if (jit) assertEquals(compiled.kernelsPerCall(), replayKernels, "a replay launches exactly the captured kernels");
        return new Run(losses, params, replayKernels);
    }

    @OnEachDevice void jittedTrainingMatchesTheUnjittedRun(String device) {
        Config.set("DEVICE", device);
        Run plain = train(false), jitted = train(true);
        assertEquals(plain.losses(), jitted.losses());
        for (int i = 0; i < plain.params().size(); i++) assertArrayEquals(plain.params().get(i), jitted.params().get(i), "parameter " + i);
        assertTrue(plain.losses().getLast() < plain.losses().getFirst(), "the model learns: " + plain.losses());
        assertTrue(jitted.replayKernels() > 5, "the step is several kernels: " + jitted.replayKernels());
    }

    @OnEachDevice void aDifferentInputShapeIsAClearError(String device) {
        Config.set("DEVICE", device);
        Jit j = Jit.of(in -> new Tensor[]{in[0].mul(2).sum()});
        for (int i = 0; i < 3; i++) assertEquals(2f * 3, j.call(Tensor.ones(3))[0].item());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> j.call(Tensor.ones(4)));
        assertTrue(e.getMessage().contains("Jit: input 0 is [4] float on " + device + "; it was captured with [3] float on " + device), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> j.call(Tensor.ones(3), Tensor.ones(3)));
        assertEquals(2f * 5, j.call(Tensor.full(new int[]{3}, 5.0 / 3))[0].item(), 1e-5);
    }
}
