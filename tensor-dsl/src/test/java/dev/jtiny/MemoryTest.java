// Device memory: freeing with close(), reuse of freed buffers, and device-side copies.
package dev.jtiny;

import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.engine.Devices;
import dev.jtiny.runtime.device.DeviceException;
import dev.jtiny.runtime.device.opencl.OpenCLDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryTest {
    @AfterEach void reset() { Config.set("DEVICE", null); }

    @ParameterizedTest @ValueSource(strings = {"JAVA", "OPENCL:0"})
    void closeFreesAndLaterUseSaysSo(String device) {
        Config.set("DEVICE", device);
        Tensor a = Tensor.of(new float[]{1, 2, 3}, 3).mul(2).realize();
        assertArrayEquals(new float[]{2, 4, 6}, a.toFloatArray());
        a.close();
        a.close(); // twice is harmless
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.add(1).toFloatArray());
        assertTrue(e.getMessage().contains("freed by close()"), e.getMessage());
        // The session stays usable.
        assertArrayEquals(new float[]{3, 4}, Tensor.of(new float[]{1, 2}, 2).add(2).toFloatArray());
    }

    @ParameterizedTest @ValueSource(strings = {"JAVA", "OPENCL:0"})
    void reusedBuffersNeverLeakOldValues(String device) {
        Config.set("DEVICE", device);
        // Each step frees the previous result (close) so the next allocation of the same size reuses it.
        Tensor t = Tensor.arange(1000).cast(DType.FLOAT32).realize();
        for (int i = 0; i < 20; i++) {
            Tensor next = t.add(1).realize();
            t.close();
            t = next;
        }
        float[] r = t.toFloatArray();
        for (int i = 0; i < 1000; i++) assertEquals(i + 20, r[i]);
    }

    @ParameterizedTest @ValueSource(strings = {"JAVA", "OPENCL:0"})
    void deviceCopyCopiesEveryByte(String device) {
        Config.set("DEVICE", device);
        Tensor a = Tensor.arange(777).realize();
        var buf = a.lazyBuffer().buffer();
        var dst = buf.device.allocate(DType.INT32, 777);
        buf.device.copy(dst, buf.raw(), true);
        int[] out = new int[777];
        buf.device.copyOut(dst, out);
        for (int i = 0; i < 777; i++) assertEquals(i, out[i]);
        var small = buf.device.allocate(DType.INT32, 5);
        assertThrows(DeviceException.class, () -> buf.device.copy(small, buf.raw(), false));
    }

    @Test
    void outOfMemoryNamesTheBytesAndTheDevice() {
        String device = "OPENCL:0";
        Config.set("DEVICE", device);
        // One element more than the device's largest single allocation, in the narrowest dtype whose count still fits
        // a tensor's int size; the allocation fails before any kernel is queued, so nothing outlives the test and no
        // memory is filled. Where even 8-byte elements cannot reach past it (a GPU whose largest allocation is 16 GiB
        // or more), there is no single tensor that is too big, and the test says so.
        long maxAlloc = ((OpenCLDevice) Devices.get(device)).maxAllocBytes();
        DType dtype = null;
        for (DType d : List.of(DType.FLOAT32, DType.INT64)) {
            if (maxAlloc / d.itemSize + 1 <= Integer.MAX_VALUE) {
                dtype = d;
                break;
            }
        }
        Assumptions.assumeTrue(dtype != null, () -> device + "'s largest allocation is " + maxAlloc
                + " bytes: no tensor of 2^31-1 elements of 8 bytes is larger");
        int count = (int) (maxAlloc / dtype.itemSize + 1);
        DType d = dtype;
        DeviceException e = assertThrows(DeviceException.class,
                () -> Tensor.full(new int[] {count}, 0, d).contiguous().realize());
        assertTrue(e.getMessage().contains((long) count * d.itemSize + " bytes"), e.getMessage());
        assertTrue(e.getMessage().contains(device), e.getMessage());
        assertTrue(e.getMessage().contains("largest single allocation is " + maxAlloc), e.getMessage());
        assertArrayEquals(new float[]{1, 1}, Tensor.ones(2).toFloatArray());
    }

    /** An op whose inside (row sums: a kernel of their own) only the op holds; {@code inner[0]} gets that inside. */
    private static Tensor centered(Tensor x, Tensor[] inner) {
        return Tensor.op("centered", () -> {
            inner[0] = x.sum(1);
            Tensor s = inner[0].reshape(x.shape()[0], 1);
            return x.sub(s).mul(s);
        });
    }

    @ParameterizedTest @ValueSource(strings = {"JAVA", "OPENCL:0"})
    void whatOnlyLibraryCodeHoldsGivesItsMemoryBackWhenTheComputationRunsAgainAndIsRecomputedIfRead(String device) {
        Config.set("DEVICE", device);
        float[] v = new float[4 * 6];
        for (int i = 0; i < v.length; i++) v[i] = (i * 7 % 11) - 3;
        Tensor x = Tensor.of(v, 4, 6).realize();
        Tensor[] first = new Tensor[1], second = new Tensor[1], third = new Tensor[1];
        float[] out1 = centered(x, first).toFloatArray();
        // The row sum was computed by its own kernel and is held until the same computation runs again.
        assertTrue(first[0].lazyBuffer().isRealized(), "held after the first run");
        assertTrue(!first[0].lazyBuffer().isExposed(), "made inside an op: not exposed");
        float[] out2 = centered(x, second).toFloatArray();
        for (int i = 0; i < v.length; i++) {
            double rowSum = 0;
            for (int c = 0; c < 6; c++) rowSum += v[i / 6 * 6 + c];
            assertEquals((v[i] - rowSum) * rowSum, out1[i], 1e-4, "element " + i);
        }
        assertArrayEquals(out1, out2);
        assertTrue(!first[0].lazyBuffer().isRealized(), "the first run's row sum gave its memory back on the second run");
        assertTrue(second[0].lazyBuffer().isRealized(), "the second run's is held");
        // From the third run on, the row sum takes the memory given back; only the result, the caller's, is new.
        long fresh = dev.jtiny.runtime.Counters.newMemoryCount();
        centered(x, third).toFloatArray();
        assertTrue(dev.jtiny.runtime.Counters.newMemoryCount() - fresh <= 1, "the third run takes new memory for its result only");
        // Read later, a released node is computed again from its sources, with the right values.
        float[] sums = first[0].toFloatArray();
        for (int r = 0; r < 4; r++) {
            double want = 0;
            for (int c = 0; c < 6; c++) want += v[r * 6 + c];
            assertEquals(want, sums[r], 1e-5, "row " + r);
        }
        // What the user's own code holds is never given back.
        Tensor s = x.sum(1);
        x.sub(s.reshape(4, 1)).mul(s.reshape(4, 1)).realize();
        for (int i = 0; i < 2; i++) {
            Tensor again = x.sum(1);
            x.sub(again.reshape(4, 1)).mul(again.reshape(4, 1)).realize();
        }
        assertTrue(s.lazyBuffer().isRealized(), "a tensor of the user's code keeps its buffer");
    }

    @ParameterizedTest @ValueSource(strings = {"JAVA", "OPENCL:0"})
    void anEagerTrainingStepTakesNewMemoryOnlyForWhatTheUserCanReach(String device) {
        Config.set("DEVICE", device);
        Tensor.manualSeed(3);
        var net = new dev.jtiny.nn.Sequential(new dev.jtiny.nn.Linear(20, 16), dev.jtiny.nn.Layer.of(Tensor::relu),
                new dev.jtiny.nn.Linear(16, 5));
        var opt = new dev.jtiny.optim.Adam(net.parameters(), 1e-2);
        Tensor x = Tensor.rand(8, 20).realize();
        int[] labels = {0, 1, 2, 3, 4, 0, 1, 2};
        Tensor y = Tensor.of(labels, 8);
        float first = 0, last = 0;
        long fresh = 0, kernels = 0;
        for (int step = 0; step < 8; step++) {
            if (step == 4) {
                fresh = dev.jtiny.runtime.Counters.newMemoryCount();
                kernels = dev.jtiny.runtime.Counters.kernelCount();
            }
            opt.zeroGrad();
            Tensor loss = dev.jtiny.nn.Losses.crossEntropy(net.forward(x), y);
            loss.backward();
            opt.step();
            float l = loss.item();
            if (step == 0) first = l;
            last = l;
        }
        assertTrue(last < first, "the loss falls: " + first + " -> " + last);
        double perStep = (dev.jtiny.runtime.Counters.newMemoryCount() - fresh) / 4.0;
        double kernelsPerStep = (dev.jtiny.runtime.Counters.kernelCount() - kernels) / 4.0;
        // New memory only for the 4 parameters and their 4 gradients, the loss and the logits (fewer when the
        // collector has returned some): the hidden activation, the backward pass's values and Adam's moments and
        // counters reuse memory given back.
        assertTrue(perStep <= 10, perStep + " new buffers per step over " + kernelsPerStep + " kernels");
        assertTrue(kernelsPerStep > 20, kernelsPerStep + " kernels per step");
    }

    @ParameterizedTest @ValueSource(strings = {"JAVA", "OPENCL:0"})
    void readingTheLossBeforeTheUpdateGivesTheSameTraining(String device) {
        Config.set("DEVICE", device);
        float[][] after = new float[2][];
        for (int order = 0; order < 2; order++) {
            Tensor.manualSeed(5);
            var net = new dev.jtiny.nn.Sequential(new dev.jtiny.nn.Linear(12, 9), dev.jtiny.nn.Layer.of(Tensor::relu),
                    new dev.jtiny.nn.Linear(9, 3));
            var opt = new dev.jtiny.optim.Adam(net.parameters(), 1e-2);
            Tensor x = Tensor.rand(6, 12).realize();
            Tensor y = Tensor.of(new int[]{0, 1, 2, 0, 1, 2}, 6);
            for (int step = 0; step < 5; step++) {
                opt.zeroGrad();
                Tensor loss = dev.jtiny.nn.Losses.crossEntropy(net.forward(x), y);
                if (order == 0) loss.item(); // the forward pass realized on its own first
                loss.backward();
                opt.step();
                loss.item();
            }
            after[order] = net.parameters().getFirst().toFloatArray();
        }
        assertArrayEquals(after[0], after[1], 1e-6f);
    }
}
