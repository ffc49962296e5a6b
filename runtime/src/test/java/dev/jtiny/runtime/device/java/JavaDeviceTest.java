// The Java device: its batch compile (a schedule's new kernels in one javac run, then found by compile() without
// compiling again; a failure in the batch left to the failing kernel's own compile, which names it) and its launches
// split over the cores (every element written once, a failing chunk reported with the kernel's name).
package dev.jtiny.runtime.device.java;

import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.Counters;
import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.device.Device;
import dev.jtiny.runtime.device.DeviceException;
import dev.jtiny.runtime.device.Program;
import dev.jtiny.runtime.device.RawBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class JavaDeviceTest {
    @TempDir Path tmp;
    private final JavaDevice device = new JavaDevice();

    @BeforeEach void emptyCache() { Config.set("CACHEDIR", tmp.toString()); }

    @AfterEach void reset() {
        Config.set("CACHEDIR", null);
        device.close();
    }

    /** A kernel that writes {@code scale * i} into element i of its output; {@code body} replaces the statement. */
    private static String kernel(String cls, String body) {
        return "public final class " + cls + " implements dev.jtiny.runtime.device.JavaKernel {\n"
                + "  public void run(Object[] args, int start, int end) {\n"
                + "    final float[] data0 = (float[]) args[0];\n"
                + "    for (int gidx = start; gidx < end; gidx++) { " + body + " }\n"
                + "  }\n  public long cost() { return 1L; }\n}\n";
    }

    private float[] run(Program p) {
        RawBuffer out = device.allocate(DType.FLOAT32, 4);
        device.launch(p, new RawBuffer[]{out}, new int[]{4}, null, false);
        float[] host = new float[4];
        device.copyOut(out, host);
        return host;
    }

    @Test
    void newKernelsCompileInOneRunAndAreNotCompiledAgain() {
        List<Device.Source> sources = List.of(
                new Device.Source("twice", kernel("Twice_1", "data0[gidx] = 2f * gidx;")),
                new Device.Source("thrice", kernel("Thrice_1", "data0[gidx] = 3f * gidx;")),
                new Device.Source("twice", kernel("Twice_1", "data0[gidx] = 2f * gidx;"))); // the same source twice
        long before = Counters.compileCount();
        assertEquals(List.of("twice", "thrice"), device.prepare(sources));
        assertEquals(before + 2, Counters.compileCount(), "each new kernel counted once");
        Program twice = device.compile("twice", sources.get(0).source()), thrice = device.compile("thrice", sources.get(1).source());
        assertEquals(before + 2, Counters.compileCount(), "compile() finds the prepared kernels");
        assertArrayEquals(new float[]{0, 2, 4, 6}, run(twice));
        assertArrayEquals(new float[]{0, 3, 6, 9}, run(thrice));
        // Loaded or cached kernels are not compiled again: a second device finds them in the on-disk cache.
        try (JavaDevice other = new JavaDevice()) {
            assertEquals(List.of(), other.prepare(sources));
            assertEquals(before + 2, Counters.compileCount());
        }
    }

    @Test
    void aSplitLaunchWritesEveryElementOnceAndShortOnesRepeatCheaply() {
        // Each element adds one: a chunk run twice, or skipped, would show.
        String add = "public final class Add_3 implements dev.jtiny.runtime.device.JavaKernel {\n"
                + "  public void run(Object[] args, int start, int end) {\n"
                + "    final float[] data0 = (float[]) args[0];\n"
                + "    for (int gidx = start; gidx < end; gidx++) data0[gidx] += 1f;\n"
                + "  }\n  public long cost() { return 1L; }\n}\n";
        Program p = device.compile("add", add);
        for (int n : new int[]{1, 7, 1 << 16, 1_000_003}) {
            RawBuffer b = device.allocate(DType.FLOAT32, n);
            device.copyIn(b, new float[n]);
            for (int i = 0; i < 200; i++) device.launch(p, new RawBuffer[]{b}, new int[]{n}, null, false);
            float[] host = new float[n];
            device.copyOut(b, host);
            for (int i = 0; i < n; i++) if (host[i] != 200f) fail(n + " items: element " + i + " is " + host[i] + ", expected 200");
        }
    }

    @Test
    void aFailingChunkIsReportedWithTheKernelsName() {
        String throwing = "public final class Throw_4 implements dev.jtiny.runtime.device.JavaKernel {\n"
                + "  public void run(Object[] args, int start, int end) {\n"
                + "    final float[] data0 = (float[]) args[0];\n"
                + "    for (int gidx = start; gidx < end; gidx++) data0[gidx + 1] = 1f;\n" // past the end in the last chunk
                + "  }\n  public long cost() { return 1L; }\n}\n";
        Program p = device.compile("throwing", throwing);
        for (int n : new int[]{8, 1 << 20}) {
            RawBuffer b = device.allocate(DType.FLOAT32, n);
            DeviceException e = assertThrows(DeviceException.class, () -> device.launch(p, new RawBuffer[]{b}, new int[]{n}, null, false));
            assertTrue(e.getMessage().contains("kernel throwing failed") && e.getMessage().contains("ArrayIndexOutOfBounds"), e::getMessage);
        }
        // The device stays usable.
        assertArrayEquals(new float[]{0, 2, 4, 6}, run(device.compile("twice", kernel("Twice_4", "data0[gidx] = 2f * gidx;"))));
    }

    @Test
    void aFailureInTheBatchIsReportedByTheFailingKernelAlone() {
        String good = kernel("Good_2", "data0[gidx] = gidx;"), bad = kernel("Bad_2", "data0[gidx] = undefinedName;");
        assertEquals(List.of(), device.prepare(List.of(new Device.Source("good", good), new Device.Source("bad", bad))));
        assertArrayEquals(new float[]{0, 1, 2, 3}, run(device.compile("good", good)));
        DeviceException e = assertThrows(DeviceException.class, () -> device.compile("bad", bad));
        assertTrue(e.getMessage().contains("kernel bad failed to compile") && e.getMessage().contains("undefinedName"), e::getMessage);
    }
}
