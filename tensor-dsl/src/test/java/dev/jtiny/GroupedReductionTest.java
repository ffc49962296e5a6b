// The GPU layouts (reductions as one work-group per output, register-tiled matmuls, four elements per work item
// with 16-byte accesses), forced on here with GROUPREDUCE=1 so that CPU OpenCL checks their values against JAVA.
package dev.jtiny;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.engine.Devices;
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
        Config.set("GPUPREFETCH", null);
        Config.set("SPLITK", null);
        dev.jtiny.runtime.engine.Realizer.forgetRendered();
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
        // Softmax and layernorm: the per-row values are computed by the row's group in the kernel that uses them.
        assertEquals(List.of("row per group of 256"), check(new int[]{32, 768}, 1e-5, x -> x.softmax(1)));
        assertEquals(List.of("row per group of 256"), check(new int[]{32, 512}, 1e-4, x -> x.sub(x.mean(1, true))
                .div(x.sub(x.mean(1, true)).square().mean(1, true).add(1e-5).sqrt())));
        assertEquals(List.of("row per group of 32"), check(new int[]{8, 96}, 1e-5, x -> x.softmax(1)), "96 = 3 * 32");
        check(new int[]{4, 6, 512}, 1e-5, x -> x.softmax(2)); // rows of a 3-D tensor
        check(new int[]{40, 16}, 1e-5, x -> x.softmax(0)); // along a strided axis: not fused, still right
        check(new int[]{16, 100}, 1e-5, x -> x.softmax(1)); // 100 is no multiple of 32: not fused, still right
        check(new int[]{24, 512}, 1e-5, x -> x.sub(x.max(1, true)).exp().sum(1)); // a reduction over a fused row
        assertTrue(check(new int[]{16, 96}, 1e-5, x -> x.sum(1)).stream().noneMatch(o -> o.startsWith("group")),
                "96 elements per output: not worth a group");
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

    @Test
    void largeMatmulsAreRegisterTiledAndRight() {
        Tensor.manualSeed(11);
        float[] a = Tensor.randn(256, 96).toFloatArray(), b = Tensor.randn(96, 320).toFloatArray();
        Config.set("DEVICE", "JAVA");
        float[] want = Tensor.of(a, 256, 96).matmul(Tensor.of(b, 96, 320)).add(1).relu().toFloatArray();
        Config.set("DEVICE", "OPENCL:0");
        long mark = KernelLog.mark();
        float[] got = Tensor.of(a, 256, 96).matmul(Tensor.of(b, 96, 320)).add(1).relu().toFloatArray();
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 1e-4 * Math.max(1, Math.abs(want[i])));
        var k = KernelLog.since(mark).stream().filter(e -> e.name().startsWith("r_")).findFirst().orElseThrow();
        // The tile size depends on the device's compute units; with 4 columns the loads of B and the stores are float4.
        assertTrue(k.opts().contains("tile 16x16 items"), () -> k.opts() + "\n" + k.source());
        // A square tile's reduction runs in chunks of 8 copied into local memory by the whole work-group.
        assertTrue(k.opts().getFirst().contains("stage reduce by 8 in local memory"), () -> k.opts() + "\n" + k.source());
        assertTrue(k.source().contains("__local float lds0[") && k.source().contains("barrier(CLK_LOCAL_MEM_FENCE);"), k::source);
        assertTrue(!k.opts().getFirst().endsWith("x4") || k.source().contains("float4"), k::source);

        // Wide enough for 64-output tiles in 4x64-item blocks: 16 rows by 4 columns per item, staged, right.
        List<String> wide = check(new int[]{256, 1024}, 1e-4, x -> x.permute(1, 0).matmul(x.slice(1, 0, 256)));
        assertTrue(wide.contains("tile 4x64 items") && wide.stream().anyMatch(o -> o.startsWith("upcast output axes 0,1 by 16x4")
                && o.contains("stage reduce by 8 in local memory")), wide::toString);
        // A computed operand (scaled, rounded to float16) is staged as computed: one copy per element per block.
        List<String> prologue = check(new int[]{256, 1024}, 1e-3, x -> x.permute(1, 0).mul(0.5).cast(dev.jtiny.runtime.DType.FLOAT16)
                .cast(dev.jtiny.runtime.DType.FLOAT32).matmul(x.slice(1, 0, 256).relu()));
        assertTrue(prologue.stream().anyMatch(o -> o.contains("stage reduce by 8 in local memory")), prologue::toString);
        // Each chunk read one ahead into registers while the group computes on the one in local memory.
        Config.set("GPUPREFETCH", "1");
        dev.jtiny.runtime.engine.Realizer.forgetRendered();
        List<String> prefetched = check(new int[]{256, 1024}, 1e-4, x -> x.permute(1, 0).mul(0.5).matmul(x.slice(1, 0, 256)));
        assertTrue(prefetched.stream().anyMatch(o -> o.contains("stage reduce by 8 in local memory, prefetched")), prefetched::toString);
        // And into the other half of arrays twice the size: one barrier per chunk.
        Config.set("GPUPREFETCH", "2");
        dev.jtiny.runtime.engine.Realizer.forgetRendered();
        long doubleMark = KernelLog.mark();
        List<String> doubled = check(new int[]{256, 1024}, 1e-4, x -> x.permute(1, 0).mul(0.5).matmul(x.slice(1, 0, 256)));
        assertTrue(doubled.stream().anyMatch(o -> o.contains("stage reduce by 8 in local memory, double-buffered")), doubled::toString);
        String source = KernelLog.since(doubleMark).stream().filter(e -> e.name().startsWith("r_") && e.device().startsWith("OPENCL"))
                .findFirst().orElseThrow().source();
        assertTrue(source.contains("%2)*512)") && source.split("barrier\\(").length - 1 == 2, source); // before the loop, in it
        Config.set("GPUPREFETCH", null);
        dev.jtiny.runtime.engine.Realizer.forgetRendered();
        List<String> batched = check(new int[]{4, 128, 64}, 1e-4, x -> x.matmul(x.permute(0, 2, 1)));
        assertTrue(batched.stream().anyMatch(o -> o.startsWith("upcast output axes 1,2")), batched::toString);
        List<String> odd = check(new int[]{100, 100}, 1e-4, x -> x.matmul(x));
        assertTrue(odd.stream().noneMatch(o -> o.startsWith("tile")), odd::toString);
    }

    @Test
    void convolutionsAreStagedOverChannelsAndTapsTogether() {
        Tensor.manualSeed(3);
        float[] w = Tensor.randn(64, 16, 3, 3).toFloatArray();
        // 128K outputs: 8 channels x 4 columns per item, the 144 channels x taps in chunks of 16; with bias and ReLU.
        List<String> opts = check(new int[]{2, 16, 32, 32}, 1e-4, x -> dev.jtiny.nn.Conv.conv2d(x, Tensor.of(w, 64, 16, 3, 3),
                Tensor.arange(64).mul(0.01f), 1, 1).relu());
        assertTrue(opts.stream().anyMatch(o -> o.endsWith("by 8x4, stage reduce by 16 in local memory")), opts::toString);
        assertTrue(opts.stream().anyMatch(o -> o.matches("tile \\d+x\\d+ items")), opts::toString);
    }

    @Test
    void splitKCutsTheReductionIntoPartsSummedByASecondKernel() {
        Config.set("SPLITK", "4"); // on a GPU the parts follow from the compute units; here they are forced
        long mark = KernelLog.mark();
        List<String> opts = check(new int[]{256, 1024}, 1e-4, x -> x.permute(1, 0).matmul(x.slice(1, 0, 256)).add(1).relu());
        // The parts (4, 1024, 256) tiled and staged over 64 elements each, then a sum of 4 with the epilogue.
        assertTrue(opts.stream().anyMatch(o -> o.contains("stage reduce by 8 in local memory")), opts::toString);
        var names = KernelLog.since(mark).stream().filter(e -> e.kind().equals("kernel") && e.device().startsWith("OPENCL"))
                .map(e -> e.name()).toList();
        assertEquals(List.of("r_4_1024_256_64", "r_1024_256_4"), names);
    }

    @Test
    void elementwiseKernelsTakeFourElementsPerItemWithWideAccesses() {
        List<String> opts = check(new int[]{64, 1024}, 1e-6, x -> x.mul(1.5).add(0.5).relu().mul(x).sub(0.25).abs().add(1).sqrt());
        assertTrue(opts.contains("upcast output axis 1 by 4"), opts::toString);
        check(new int[]{7, 13}, 1e-6, x -> x.exp().mul(2)); // no multiple of 4: one element per item
    }
}
