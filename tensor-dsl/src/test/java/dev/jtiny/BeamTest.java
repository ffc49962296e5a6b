// BEAM search on CPU OpenCL (the GPU layouts forced on with GROUPREDUCE=1): it times the candidates on the real
// buffers, keeps a choice no slower than the heuristic's, gives the same values, and caches the choice on disk.
package dev.jtiny;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.device.VectorSupport;
import dev.jtiny.runtime.engine.Devices;
import dev.jtiny.runtime.engine.Realizer;
import dev.jtiny.runtime.Trace;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BeamTest {
    @TempDir Path cache;

    @AfterEach void reset() {
        for (String k : new String[] {"BEAM", "GROUPREDUCE", "DEVICE", "DEBUG", "CACHEDIR"}) Config.set(k, null);
        Trace.to(null);
        Realizer.forgetRendered();
    }

    private static String traced(Runnable r) {
        var bytes = new ByteArrayOutputStream();
        Trace.to(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            Trace.to(null);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** BEAM=beam on PoCL with the GPU layouts, an empty choice cache and nothing rendered yet, at DEBUG=debug. */
    private void searchOnOpenCl(int beam, int debug) {
        Config.set("CACHEDIR", cache.toString());
        Config.set("DEVICE", "OPENCL:0");
        Config.set("GROUPREDUCE", "1");
        Config.set("BEAM", String.valueOf(beam));
        Config.set("DEBUG", String.valueOf(debug));
        Realizer.forgetRendered();
    }

    @Test
    void beamTimesTheChoicesKeepsTheFastestAndCachesIt() {
        assumeTrue(Devices.available().contains("OPENCL:0"), "no OpenCL device");
        Tensor.manualSeed(3);
        float[] a = Tensor.randn(256, 96).toFloatArray(), b = Tensor.randn(96, 320).toFloatArray();
        Config.set("DEVICE", "JAVA");
        float[] want = Tensor.of(a, 256, 96).matmul(Tensor.of(b, 96, 320)).toFloatArray();

        searchOnOpenCl(2, 2);
        float[][] got = new float[1][];
        String first = traced(() -> got[0] = Tensor.of(a, 256, 96).matmul(Tensor.of(b, 96, 320)).toFloatArray());
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[0][i], 1e-4 * Math.max(1, Math.abs(want[i])));
        var m = Pattern.compile("beam r_256_320_96: (\\d+) choices in [0-9.]+ ms, picked (\\[[^\\]]*\\]) ([0-9.]+)us \\(heuristic (\\[[^\\]]*\\]) ([0-9.]+)us\\)")
                .matcher(first);
        assertTrue(m.find(), first);
        assertTrue(Integer.parseInt(m.group(1)) >= 3, first);
        assertTrue(Double.parseDouble(m.group(3)) <= Double.parseDouble(m.group(5)), "picked a slower choice: " + first);

        Realizer.forgetRendered(); // as a new process: the disk cache answers, nothing is timed
        String second = traced(() -> got[0] = Tensor.of(a, 256, 96).matmul(Tensor.of(b, 96, 320)).toFloatArray());
        assertTrue(second.contains("beam r_256_320_96: " + m.group(2) + " (from the cache)"), second);
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[0][i], 1e-4 * Math.max(1, Math.abs(want[i])));
    }

    /**
     * A wide search (BEAM=4: 16 choices) over a convolution and a matmul: the choices include register tiles over
     * other axis pairs than the last two, rectangular blocks, a fully unrolled 3-tap loop and reductions staged
     * through local memory (the convolution's channels and taps together); every one computes
     * the heuristic's values (Beam compares each output and would name a rejected one), and the result matches the
     * Java device's.
     */
    @Test
    void everyChoiceTheSearchTimesComputesTheSameValues() {
        assumeTrue(Devices.available().contains("OPENCL:0"), "no OpenCL device");
        Tensor.manualSeed(5);
        float[] x = Tensor.randn(2, 8, 16, 16).toFloatArray(), w = Tensor.randn(16, 8, 3, 3).toFloatArray();
        float[] a = Tensor.randn(128, 96).toFloatArray(), b = Tensor.randn(96, 256).toFloatArray();
        java.util.function.Supplier<Tensor> conv = () -> dev.jtiny.nn.Conv.conv2d(Tensor.of(x, 2, 8, 16, 16), Tensor.of(w, 16, 8, 3, 3), null, 1, 1);
        java.util.function.Supplier<Tensor> mm = () -> Tensor.of(a, 128, 96).matmul(Tensor.of(b, 96, 256));
        Config.set("DEVICE", "JAVA");
        float[] wantConv = conv.get().toFloatArray(), wantMm = mm.get().toFloatArray();

        searchOnOpenCl(4, 3);
        float[][] got = new float[2][];
        String trace = traced(() -> {
            got[0] = conv.get().toFloatArray();
            got[1] = mm.get().toFloatArray();
        });
        for (int i = 0; i < wantConv.length; i++) assertEquals(wantConv[i], got[0][i], 1e-4 * Math.max(1, Math.abs(wantConv[i])), trace);
        for (int i = 0; i < wantMm.length; i++) assertEquals(wantMm[i], got[1][i], 1e-4 * Math.max(1, Math.abs(wantMm[i])), trace);
        assertTrue(!trace.contains("rejected"), trace);
        var timed = trace.lines().filter(l -> l.startsWith("beam   [")).toList();
        assertTrue(timed.size() >= 20, trace);
        // Conv (output [N, Cout, H, W]): Cout and W tiled together, with the 3 taps of a row unrolled.
        assertTrue(timed.stream().anyMatch(l -> l.contains("upcast output axes 1,3") && l.contains("unroll reduce by 3")), trace);
        assertTrue(timed.stream().anyMatch(l -> l.matches(".*tile (\\d+)x(?!\\1 )\\d+ items.*")), () -> "no rectangular block\n" + trace);
        // Conv: its three reduced axes staged together, in chunks of one channel's 9 taps (a block of 64 items copies
        // 144 elements in three passes, the last guarded) and of 8.
        assertTrue(timed.stream().anyMatch(l -> l.contains("upcast output axes 1,3") && l.contains("stage reduce by 9 in local memory")), trace);
        assertTrue(timed.stream().anyMatch(l -> l.contains("upcast output axes 1,3") && l.contains("stage reduce by 8 in local memory")), trace);
        // Matmul: reductions staged through local memory in chunks of 8 and 16.
        assertTrue(timed.stream().anyMatch(l -> l.contains("stage reduce by 8 in local memory")), trace);
        assertTrue(timed.stream().anyMatch(l -> l.contains("stage reduce by 16 in local memory")), trace);
        assertEquals(2, Pattern.compile("beam r_\\w+: \\d+ choices in").matcher(trace).results().count(), trace);
    }

    /**
     * BEAM on the Java backend: a matmul's register tiles and blocks of tiles, rows of lanes and the scalar loops
     * are timed once HotSpot has compiled each (a fresh class first runs interpreted), every choice gives the
     * heuristic's values, the pick is no slower than the heuristic as measured, and the disk cache answers next time.
     */
    @Test
    void javaBackendTimesCompiledTilesAndCachesThePick() {
        Tensor.manualSeed(7);
        float[] a = Tensor.randn(128, 96).toFloatArray(), b = Tensor.randn(96, 256).toFloatArray();
        Config.set("DEVICE", "JAVA");
        double[] want = new double[128 * 256];
        for (int i = 0; i < 128; i++)
            for (int j = 0; j < 256; j++) {
                double sum = 0;
                for (int k = 0; k < 96; k++) sum += (double) a[i * 96 + k] * b[k * 256 + j];
                want[i * 256 + j] = sum;
            }
        Config.set("CACHEDIR", cache.toString());
        Config.set("BEAM", "3");
        Config.set("DEBUG", "3");
        Realizer.forgetRendered();
        float[][] got = new float[1][];
        String first = traced(() -> got[0] = Tensor.of(a, 128, 96).matmul(Tensor.of(b, 96, 256)).toFloatArray());
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[0][i], 1e-4 * Math.max(1, Math.abs(want[i])), first);
        assertTrue(!first.contains("rejected"), first);
        var m = Pattern.compile("beam r_128_256_96: (\\d+) choices in [0-9.]+ ms, picked (\\[[^\\]]*\\]) ([0-9.]+)us \\(heuristic (\\[[^\\]]*\\]) ([0-9.]+)us\\)")
                .matcher(first);
        assertTrue(m.find(), first);
        assertTrue(Integer.parseInt(m.group(1)) >= 6, first);
        assertTrue(Double.parseDouble(m.group(3)) <= Double.parseDouble(m.group(5)), "picked a slower choice: " + first);
        var timed = first.lines().filter(l -> l.startsWith("beam   [")).toList();
        String fourRows = "upcast output axes 0,1 by 4x" + 2 * VectorSupport.floatLanes();
        assertTrue(timed.stream().anyMatch(l -> l.contains(fourRows)), "a 4-row tile was timed\n" + first);
        String eightRows = "upcast output axes 0,1 by 8x" + 2 * VectorSupport.floatLanes() + ", tile";
        assertTrue(timed.stream().anyMatch(l -> l.contains(eightRows)), "blocks of 8-row tiles were timed\n" + first);

        Realizer.forgetRendered(); // as a new process: the disk cache answers, nothing is timed
        String second = traced(() -> got[0] = Tensor.of(a, 128, 96).matmul(Tensor.of(b, 96, 256)).toFloatArray());
        assertTrue(second.contains("beam r_128_256_96: " + m.group(2) + " (from the cache)"), second);
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[0][i], 1e-4 * Math.max(1, Math.abs(want[i])));
    }
}
