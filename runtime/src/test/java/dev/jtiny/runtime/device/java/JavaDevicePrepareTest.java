// The Java device's batch compile: a schedule's new kernels in one javac run, then found by compile() without
// compiling again; a failure in the batch left to the failing kernel's own compile, which names it.
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

class JavaDevicePrepareTest {
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
    void aFailureInTheBatchIsReportedByTheFailingKernelAlone() {
        String good = kernel("Good_2", "data0[gidx] = gidx;"), bad = kernel("Bad_2", "data0[gidx] = undefinedName;");
        assertEquals(List.of(), device.prepare(List.of(new Device.Source("good", good), new Device.Source("bad", bad))));
        assertArrayEquals(new float[]{0, 1, 2, 3}, run(device.compile("good", good)));
        DeviceException e = assertThrows(DeviceException.class, () -> device.compile("bad", bad));
        assertTrue(e.getMessage().contains("kernel bad failed to compile") && e.getMessage().contains("undefinedName"), e::getMessage);
    }
}
