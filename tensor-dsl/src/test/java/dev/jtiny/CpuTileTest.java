// CPU register tiles on the JAVA device: matmul-shaped kernels of every shape class against float64 references,
// and which of them are written as vector tiles.
package dev.jtiny;

import dev.jtiny.Reference.Nd;
import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.KernelLog;
import dev.jtiny.runtime.device.VectorSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Random;
import java.util.function.Function;

import static dev.jtiny.Reference.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CpuTileTest {
    @BeforeEach void java() { Reference.use("JAVA"); }
    @AfterEach void reset() { Config.set("CPUTILE", null); }

    private static float[] data(long seed, int n) { return Reference.gaussian(new Random(seed), n, 1); }

    /** The kernels realizing {@code got} launches, with their plans, after checking its value against {@code want}. */
    private static List<String> run(String what, Tensor got, Nd want) {
        long mark = KernelLog.mark();
        got.realize();
        List<String> plans = KernelLog.since(mark).stream().filter(e -> e.kind().equals("kernel"))
                .map(e -> e.name() + " " + e.opts()).toList();
        assertClose(what + " " + plans, want, got, 1e-4, 1e-4);
        return plans;
    }

    private static boolean tiled(List<String> plans) { return plans.stream().anyMatch(p -> p.contains("upcast output axes")); }

    @ParameterizedTest(name = "{0}x{1} by {1}x{2}")
    @CsvSource({"64,64,64", "256,128,96", "128,100,64", "40,32,48", "17,33,29", "1,64,128", "64,64,1", "8,300,16", "96,8,512"})
    void matmulsOfEveryShapeMatchFloat64(int n, int k, int m) {
        float[] a = data(n * 31L + k, n * k), b = data(k * 17L + m, k * m);
        List<String> plans = run("matmul", Tensor.of(a, n, k).matmul(Tensor.of(b, k, m)), Nd.of(a, n, k).matmul(Nd.of(b, k, m)));
        int lanes = VectorSupport.floatLanes();
        boolean fits = lanes > 0 && n % 2 == 0 && m % (2 * lanes) == 0;
        if (fits && n * m >= 1024) assertTrue(tiled(plans), () -> "a " + n + "x" + m + " output is tiled: " + plans);
        if (m % 8 != 0 || n == 1) assertTrue(!tiled(plans), () -> "no whole vectors of columns, no tile: " + plans);
    }

    @Test
    void transposedBatchedAndBroadcastOperands() {
        Assumptions.assumeTrue(VectorSupport.floatLanes() > 0, "the JDK's Vector API is not available");
        float[] a = data(1, 48 * 64), b = data(2, 48 * 96), bt = data(3, 96 * 48), w = data(4, 3 * 64 * 32), b2 = data(5, 32 * 96);
        // A transposed: B's rows are still read along k, A's elements from a column; tiled.
        List<String> aT = run("transposed A", Tensor.of(a, 48, 64).permute(1, 0).matmul(Tensor.of(b, 48, 96)),
                Nd.of(a, 48, 64).permute(1, 0).matmul(Nd.of(b, 48, 96)));
        assertTrue(tiled(aT), aT::toString);
        // B transposed: its columns are strided, so no whole vectors; right values all the same.
        run("transposed B", Tensor.of(a, 48, 64).permute(1, 0).matmul(Tensor.of(bt, 96, 48).permute(1, 0)),
                Nd.of(a, 48, 64).permute(1, 0).matmul(Nd.of(bt, 96, 48).permute(1, 0)));
        // Batched, with B broadcast over the batch.
        List<String> batched = run("batched", Tensor.of(w, 3, 64, 32).matmul(Tensor.of(b2, 32, 96)),
                Nd.of(w, 3, 64, 32).matmul(Nd.of(b2, 32, 96)));
        assertTrue(tiled(batched), batched::toString);
    }

    @Test
    void fusedProloguesAndEpiloguesStayVectorised() {
        Assumptions.assumeTrue(VectorSupport.floatLanes() > 0, "the JDK's Vector API is not available");
        float[] x = data(6, 64 * 80), w = data(7, 80 * 128), bias = data(8, 128);
        Function<Nd, Nd> relu = t -> t.map(v -> Math.max(v, 0));
        List<String> plans = run("linear with bias and ReLU, input scaled first",
                Tensor.of(x, 64, 80).mul(0.5).matmul(Tensor.of(w, 80, 128)).add(Tensor.of(bias, 128)).relu(),
                relu.apply(Nd.of(x, 64, 80).map(v -> v * 0.5).matmul(Nd.of(w, 80, 128)).zip(Nd.of(bias, 1, 128).expand(64, 128), Double::sum)));
        assertTrue(tiled(plans), plans::toString);
    }

    @Test
    void aSharedOperandIsPackedIntoPanelsFirst() {
        Assumptions.assumeTrue(VectorSupport.floatLanes() > 0, "the JDK's Vector API is not available");
        float[] x = data(11, 128 * 96), w = data(12, 96 * 1024), bias = data(13, 1024), xb = data(14, 4 * 32 * 96), wt = data(15, 1024 * 96);
        List<String> linear = run("linear layer, packed weight", Tensor.of(x, 128, 96).matmul(Tensor.of(w, 96, 1024)).add(Tensor.of(bias, 1024)).relu(),
                Nd.of(x, 128, 96).matmul(Nd.of(w, 96, 1024)).zip(Nd.of(bias, 1, 1024).expand(128, 1024), Double::sum).map(v -> Math.max(v, 0)));
        assertTrue(linear.size() == 2 && linear.getFirst().startsWith("E_64_96_16") && tiled(linear.subList(1, 2)),
                () -> "a copy into 64 panels of 96 x 16, then the tiled matmul: " + linear);
        List<String> batched = run("batched, weight shared by the batch", Tensor.of(xb, 4, 32, 96).matmul(Tensor.of(w, 96, 1024)),
                Nd.of(xb, 4, 32, 96).matmul(Nd.of(w, 96, 1024)));
        assertTrue(batched.size() == 2 && batched.getFirst().startsWith("E_64_96_16"), batched::toString);
        long mark = KernelLog.mark();
        Tensor.of(x, 128, 96).matmul(Tensor.of(w, 96, 1024)).realize();
        String panels = KernelLog.since(mark).stream().filter(e -> e.name().startsWith("E_64_96_16")).findFirst().orElseThrow().source();
        assertTrue(panels.contains("System.arraycopy(") && !panels.contains("FloatVector"), () -> "the panel copy copies runs:\n" + panels);
        // B transposed is not contiguous along its columns: nothing to pack, the same values.
        List<String> transposed = run("transposed weight", Tensor.of(x, 128, 96).matmul(Tensor.of(wt, 1024, 96).permute(1, 0)),
                Nd.of(x, 128, 96).matmul(Nd.of(wt, 1024, 96).permute(1, 0)));
        assertTrue(transposed.size() == 1, transposed::toString);
    }

    /**
     * A kernel that only moves contiguous runs (here a permute that keeps the last axis) is one {@code System.arraycopy}
     * per run for every dtype, not Vector API code: the same values as the reference, bit for bit.
     */
    @Test
    void copiesOfContiguousRunsAreArraycopiesOfEveryDtype() {
        float[] f = data(21, 6 * 4 * 32);
        int[] ints = new int[6 * 4 * 32];
        double[] doubles = new double[ints.length];
        for (int i = 0; i < ints.length; i++) {
            ints[i] = i * 7 - 300;
            doubles[i] = Math.scalb(f[i], 40) + 1e-3;
        }
        long mark = KernelLog.mark();
        float[] gotF = Tensor.of(f, 6, 4, 32).permute(1, 0, 2).contiguous().toFloatArray();
        int[] gotI = Tensor.of(ints, 6, 4, 32).permute(1, 0, 2).contiguous().toIntArray();
        double[] gotD = Tensor.of(doubles, DType.FLOAT64, 6, 4, 32).permute(1, 0, 2).contiguous().toDoubleArray();
        List<KernelLog.Entry> copies = KernelLog.since(mark).stream().filter(e -> e.kind().equals("kernel")).toList();
        assertEquals(3, copies.size(), () -> "one copy per readback of an unrealized contiguous(): " + copies);
        for (KernelLog.Entry e : copies) {
            assertTrue(e.source().contains("System.arraycopy(") && !e.source().contains("FloatVector"), e::source);
        }
        for (int a = 0; a < 4; a++) {
            for (int b = 0; b < 6; b++) {
                for (int c = 0; c < 32; c++) {
                    int out = (a * 6 + b) * 32 + c, in = (b * 4 + a) * 32 + c;
                    assertEquals(f[in], gotF[out], 0, "float32 at " + a + "," + b + "," + c);
                    assertEquals(ints[in], gotI[out], "int32 at " + a + "," + b + "," + c);
                    assertEquals(doubles[in], gotD[out], 0, "float64 at " + a + "," + b + "," + c);
                }
            }
        }
    }

    /**
     * Every register tile the layouts know, forced, through the shared micro-kernel ({@code device.java.Gemm}): rows
     * in fours, the rows beyond a multiple of four, eight rows where 32 registers hold them, one to three vectors of
     * columns; summed straight into the output, and into a scratch tile that a bias and a ReLU then read. An odd k.
     */
    @Test
    void everyTileShapeOfTheMicroKernelMatchesFloat64() {
        int lanes = VectorSupport.floatLanes();
        Assumptions.assumeTrue(lanes > 0, "the JDK's Vector API is not available");
        int n = 48, k = 37, m = 6 * lanes;
        float[] a = data(21, n * k), b = data(22, k * m), bias = data(23, m);
        Nd want = Nd.of(a, n, k).matmul(Nd.of(b, k, m));
        Nd withEpilogue = want.zip(Nd.of(bias, 1, m).expand(n, m), Double::sum).map(v -> Math.max(v, 0));
        for (int[] t : new int[][]{{8, 2}, {6, 2}, {4, 3}, {4, 2}, {3, 2}, {2, 2}, {8, 1}, {4, 1}}) {
            String tile = t[0] + "x" + t[1] * lanes;
            Config.set("CPUTILE", tile);
            long mark = KernelLog.mark();
            List<String> plain = run("tile " + tile, Tensor.of(a, n, k).matmul(Tensor.of(b, k, m)), want);
            assertTrue(plain.stream().anyMatch(p -> p.contains("by " + tile)), () -> tile + ": " + plain);
            assertTrue(callsMicroKernel(mark, "// stored by the tile call above"), () -> tile + ": the tile's sums are stored by the micro-kernel");
            mark = KernelLog.mark();
            List<String> fused = run("tile " + tile + " with bias and ReLU",
                    Tensor.of(a, n, k).matmul(Tensor.of(b, k, m)).add(Tensor.of(bias, m)).relu(), withEpilogue);
            assertTrue(fused.stream().anyMatch(p -> p.contains("by " + tile)), () -> tile + ": " + fused);
            assertTrue(callsMicroKernel(mark, "tile, 0, "), () -> tile + ": the micro-kernel fills a scratch tile the epilogue reads");
        }
    }

    /** Whether a kernel launched since {@code mark} calls the micro-kernel, its source saying where the sums go. */
    private static boolean callsMicroKernel(long mark, String into) {
        return KernelLog.since(mark).stream().map(KernelLog.Entry::source)
                .anyMatch(src -> src != null && src.contains("Gemm.tile(") && src.contains(into));
    }

    @Test
    void cputileZeroTurnsTilesOffWithTheSameValues() {
        float[] a = data(9, 64 * 64), b = data(10, 64 * 64);
        Config.set("CPUTILE", "0");
        List<String> plans = run("untiled", Tensor.of(a, 64, 64).matmul(Tensor.of(b, 64, 64)), Nd.of(a, 64, 64).matmul(Nd.of(b, 64, 64)));
        assertTrue(!tiled(plans), plans::toString);
    }
}
