// Reductions run as one OpenCL work-group per output (how GPUs run them), forced on here with GROUPREDUCE=1 so
// that CPU OpenCL checks the grouped kernels' values against the plain JAVA device.
package dev.jtiny;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.Devices;
import dev.jtiny.runtime.KernelLog;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GroupedReductionTest {
    @BeforeEach void opencl() {
        assumeTrue(Devices.available().contains("OPENCL:0"), "no OpenCL device");
        Config.set("GROUPREDUCE", "1");
    }

    @AfterEach void reset() {
        Config.set("GROUPREDUCE", null);
        Config.set("DEVICE", null);
    }

    /** The expression on OPENCL:0 (grouped where possible) and on JAVA; returns the grouped kernels' options. */
    private static List<String> check(int[] shape, double tolerance, Function<Tensor, Tensor> f) {
        Tensor.manualSeed(7);
        float[] data = Tensor.randn(shape).toFloatArray();
        Config.set("DEVICE", "JAVA");
        float[] want = f.apply(Tensor.of(data, shape)).toFloatArray();
        Config.set("DEVICE", "OPENCL:0");
        long mark = KernelLog.mark();
        float[] got = f.apply(Tensor.of(data, shape)).toFloatArray();
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            double err = Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i]));
            int at = i;
            assertTrue(err <= tolerance, () -> "element " + at + ": " + got[at] + " != " + want[at]);
        }
        return KernelLog.since(mark).stream().filter(e -> e.kind().equals("kernel")).flatMap(e -> e.opts().stream()).toList();
    }

    @Test
    void rowReductionsSoftmaxAndLayerNormAreGroupedAndRight() {
        assertTrue(check(new int[]{48, 1024}, 1e-5, x -> x.sum(1)).contains("group reduce by 256"));
        assertTrue(check(new int[]{48, 1024}, 0, x -> x.max(1)).contains("group reduce by 256"));
        assertTrue(check(new int[]{32, 768}, 1e-5, x -> x.softmax(1)).contains("group reduce by 256"));
        assertTrue(check(new int[]{32, 512}, 1e-4, x -> x.sub(x.mean(1, true))
                .div(x.sub(x.mean(1, true)).square().mean(1, true).add(1e-5).sqrt())).contains("group reduce by 256"));
        assertTrue(check(new int[]{16, 96}, 1e-5, x -> x.sum(1)).isEmpty(), "96 elements per output: not worth a group");
        assertTrue(check(new int[]{8, 320}, 1e-5, x -> x.sum(1)).contains("group reduce by 64"), "320 = 5 * 64");
    }

    @Test
    void twoReductionsInOneKernelAndAnEpilogueShareTheGroup() {
        List<String> opts = check(new int[]{40, 512}, 1e-5, x -> x.sum(1).add(x.max(1)).mul(x.exp().sum(1).log()));
        assertTrue(opts.contains("group reduce by 256"), opts::toString);
    }

    @Test
    void aReductionOverAStridedAxisIsNotGroupedButStillRight() {
        List<String> opts = check(new int[]{1024, 48}, 1e-5, x -> x.sum(0));
        assertTrue(opts.stream().noneMatch(o -> o.startsWith("group")), () -> "reading a column across a group is not coalesced: " + opts);
    }

    @Test
    void paddedInputsIntegersAndAFullSumStayRight() {
        check(new int[]{24, 1000}, 1e-5, x -> x.pad(new int[][]{{0, 0}, {12, 12}}).sum(1));
        check(new int[]{30, 512}, 0, x -> x.mul(100).cast(dev.jtiny.runtime.DType.INT32).sum(1).cast(dev.jtiny.runtime.DType.FLOAT32));
        check(new int[]{1 << 20}, 1e-5, x -> x.sum());
        check(new int[]{4, 8, 256}, 1e-5, x -> x.sum(1, 2));
    }
}
