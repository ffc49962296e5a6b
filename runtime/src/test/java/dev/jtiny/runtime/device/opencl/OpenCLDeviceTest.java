// The OPENCL device on whatever OpenCL platform the machine has (PoCL in CI): memory, compiling, caching, launching.
package dev.jtiny.runtime.device.opencl;

import dev.jtiny.runtime.device.CompileCache;
import dev.jtiny.runtime.device.Device;
import dev.jtiny.runtime.device.DeviceException;
import dev.jtiny.runtime.device.Program;
import dev.jtiny.runtime.device.RawBuffer;
import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.Counters;
import dev.jtiny.runtime.DType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class OpenCLDeviceTest {
    static final String VECTOR_ADD = """
            __kernel void E_1023_add(__global float* c, __global const float* a, __global const float* b) {
              int i = get_global_id(0);
              c[i] = a[i] + b[i];
            }
            """;

    @TempDir Path cacheDir;
    OpenCLDevice dev;

    @BeforeEach
    void open() {
        Config.set("CACHEDIR", cacheDir.toString()); // never touch the user's cache, and start cold
        assertFalse(OpenCLDevice.list().isEmpty(), "no OpenCL device: install pocl-opencl-icd");
        dev = OpenCLDevice.open(0);
    }

    @AfterEach
    void closeAndReset() {
        if (dev != null) dev.close();
        Config.set("CACHEDIR", null);
        Config.set("CACHELEVEL", null);
    }

    @Test
    void listsDevicesAndDescribesTheOpenedOne() {
        List<OpenCLDevice.Info> all = OpenCLDevice.list();
        for (int i = 0; i < all.size(); i++) assertEquals(i, all.get(i).index());
        OpenCLDevice.Info first = all.getFirst();
        assertFalse(first.name().isBlank());
        assertFalse(first.platform().isBlank());
        assertTrue(first.computeUnits() > 0);
        assertTrue(first.globalMemBytes() > 0);
        assertTrue(first.maxWorkGroupSize() > 0);
        assertTrue(first.maxAllocBytes() > 0 && first.maxAllocBytes() <= first.globalMemBytes());

        assertEquals("OPENCL:0", dev.name());
        assertEquals("opencl", dev.language());
        assertEquals(first.isGpu(), dev.isGpu());
        assertEquals(first.computeUnits(), dev.computeUnits());
        assertEquals(first.globalMemBytes(), dev.memoryBytes());
        assertEquals(first.name() + " (" + first.platform() + ", driver " + first.driverVersion() + ")", dev.description());
    }

    @Test
    void openingAMissingIndexSaysWhatExists() {
        DeviceException e = assertThrows(DeviceException.class, () -> OpenCLDevice.open(99));
        assertTrue(e.getMessage().contains("OPENCL:99"), e.getMessage());
        assertTrue(e.getMessage().contains("OPENCL:0 " + OpenCLDevice.list().getFirst().name()), e.getMessage());
        assertThrows(DeviceException.class, () -> OpenCLDevice.open(-1));
    }

    @Test
    void copiesRoundTripForEveryDtypeAndOddSizes() {
        Random rnd = new Random(42);
        for (int n : new int[] {0, 1, 7, 1023}) {
            float[] f = new float[n];
            for (int i = 0; i < n; i++) f[i] = (float) rnd.nextGaussian() * 1e3f;
            if (n >= 7) {
                f[0] = Float.NaN;
                f[1] = -0.0f;
                f[2] = Float.POSITIVE_INFINITY;
                f[3] = Float.MIN_VALUE;
            }
            int[] k = rnd.ints(n).toArray();
            byte[] b = new byte[n];
            for (int i = 0; i < n; i++) b[i] = (byte) (rnd.nextBoolean() ? 1 : 0);

            assertArrayEquals(f, (float[]) roundTrip(DType.FLOAT32, f), "float[" + n + "]");
            assertArrayEquals(k, (int[]) roundTrip(DType.INT32, k), "int[" + n + "]");
            assertArrayEquals(b, (byte[]) roundTrip(DType.BOOL, b), "bool[" + n + "]");
        }
    }

    private Object roundTrip(DType dtype, Object host) {
        int n = java.lang.reflect.Array.getLength(host);
        RawBuffer buf = dev.allocate(dtype, n);
        assertEquals(n, buf.count());
        assertEquals(dtype, buf.dtype());
        dev.copyIn(buf, host);
        Object back = dtype.newHostArray(n);
        dev.copyOut(buf, back);
        dev.free(buf);
        return back;
    }

    @Test
    void copyRejectsAHostArrayOfTheWrongTypeOrLength() {
        RawBuffer buf = dev.allocate(DType.FLOAT32, 7);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dev.copyIn(buf, new int[7]));
        assertTrue(e.getMessage().contains("float[7]") && e.getMessage().contains("int[7]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> dev.copyOut(buf, new float[8]));
    }

    @Test
    void vectorAddIsExact() {
        int n = 1023;
        Random rnd = new Random(7);
        float[] a = new float[n];
        float[] b = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian() * 100;
            b[i] = (float) rnd.nextGaussian() / 100;
        }
        float[] c = runVectorAdd(dev, dev.compile("E_1023_add", VECTOR_ADD), a, b, false);
        for (int i = 0; i < n; i++) {
            // The sum of two floats rounded once from float64 is the IEEE float sum: no tolerance needed.
            assertEquals((float) ((double) a[i] + b[i]), c[i], "element " + i);
        }
    }

    @Test
    void integerAndBoolKernelsSeeTheRightTypes() {
        String src = """
                __kernel void E_5_lt(__global uchar* out, __global const int* x, __global const int* y) {
                  int i = get_global_id(0);
                  out[i] = x[i] < y[i];
                }
                """;
        int[] x = {-3, 0, 5, Integer.MIN_VALUE, 9};
        int[] y = {-2, 0, 4, Integer.MAX_VALUE, 10};
        RawBuffer bx = dev.allocate(DType.INT32, 5);
        RawBuffer by = dev.allocate(DType.INT32, 5);
        RawBuffer out = dev.allocate(DType.BOOL, 5);
        dev.copyIn(bx, x);
        dev.copyIn(by, y);
        dev.launch(dev.compile("E_5_lt", src), new RawBuffer[] {out, bx, by}, new int[] {5}, null, false);
        byte[] got = new byte[5];
        dev.copyOut(out, got);
        assertArrayEquals(new byte[] {1, 0, 0, 1, 1}, got);
    }

    @Test
    void timedLaunchReturnsItsRunTimeAndUntimedReturnsNaN() {
        String src = """
                __kernel void E_65536_loop(__global float* out) {
                  int i = get_global_id(0);
                  float acc = 0.0f;
                  for (int k = 0; k < 256; k++) acc += sqrt((float)(i + k));
                  out[i] = acc;
                }
                """;
        Program p = dev.compile("E_65536_loop", src);
        RawBuffer out = dev.allocate(DType.FLOAT32, 65536);
        double t = dev.launch(p, new RawBuffer[] {out}, new int[] {65536}, new int[] {64}, true);
        assertTrue(Double.isFinite(t) && t > 0 && t < 60, "kernel time " + t);
        assertTrue(Double.isNaN(dev.launch(p, new RawBuffer[] {out}, new int[] {65536}, null, false)));
        dev.synchronize();
        float[] host = new float[65536];
        dev.copyOut(out, host);
        double want = 0;
        for (int k = 0; k < 256; k++) want += Math.sqrt(1000 + k);
        assertEquals(want, host[1000], want * 1e-5);
    }

    @Test
    void twoAndThreeDimensionalLaunches() {
        String src = """
                __kernel void E_4_3_2(__global int* out) {
                  int x = get_global_id(0), y = get_global_id(1), z = get_global_id(2);
                  out[(z * 3 + y) * 4 + x] = x + 10 * y + 100 * z;
                }
                """;
        RawBuffer out = dev.allocate(DType.INT32, 24);
        dev.launch(dev.compile("E_4_3_2", src), new RawBuffer[] {out}, new int[] {4, 3, 2}, new int[] {2, 3, 1}, false);
        int[] got = new int[24];
        dev.copyOut(out, got);
        for (int z = 0; z < 2; z++)
            for (int y = 0; y < 3; y++)
                for (int x = 0; x < 4; x++) assertEquals(x + 10 * y + 100 * z, got[(z * 3 + y) * 4 + x]);
    }

    @Test
    void buildErrorNamesTheKernelAndShowsLogAndNumberedSource() {
        String src = """
                __kernel void E_7_broken(__global float* out) {
                  out[get_global_id(0)] = undefined_thing + 1.0f;
                }
                """;
        DeviceException e = assertThrows(DeviceException.class, () -> dev.compile("E_7_broken", src));
        String m = e.getMessage();
        assertTrue(m.contains("E_7_broken"), m);
        assertTrue(m.contains("OPENCL:0"), m);
        assertTrue(m.toLowerCase().contains("error"), m);
        assertTrue(m.contains("undefined_thing"), "the build log names the culprit: " + m);
        assertTrue(Pattern.compile("(?m)^\\s*2 \\| +out\\[get_global_id\\(0\\)\\] = undefined_thing").matcher(m).find(), m);
    }

    @Test
    void missingKernelNameSaysWhatTheSourceDefines() {
        DeviceException e = assertThrows(DeviceException.class, () -> dev.compile("E_typo", VECTOR_ADD));
        assertTrue(e.getMessage().contains("E_typo") && e.getMessage().contains("E_1023_add"), e.getMessage());
    }

    @Test
    void diskCacheServesAFreshDeviceAndTheCachedProgramComputes() {
        long compiled = Counters.compileCount();
        long hits = Counters.cacheHitCount();
        Program first = dev.compile("E_1023_add", VECTOR_ADD);
        assertFalse(first.fromCache());
        assertEquals(compiled + 1, Counters.compileCount());
        assertSame(first, dev.compile("E_1023_add", VECTOR_ADD), "same source twice in one device is free");
        assertEquals(compiled + 1, Counters.compileCount());
        assertTrue(CompileCache.sizeBytes() > 0, "the binary was stored");

        try (OpenCLDevice fresh = OpenCLDevice.open(0)) {
            Program cached = fresh.compile("E_1023_add", VECTOR_ADD);
            assertTrue(cached.fromCache());
            assertEquals(hits + 1, Counters.cacheHitCount());
            assertEquals(compiled + 1, Counters.compileCount());
            float[] c = runVectorAdd(fresh, cached, new float[] {1, 2, 3}, new float[] {0.5f, -2, 1e8f}, false);
            assertArrayEquals(new float[] {1.5f, 0, 1e8f + 3}, c);
        }
    }

    @Test
    void cacheLevelZeroAlwaysCompiles() {
        Config.set("CACHELEVEL", "0");
        dev.compile("E_1023_add", VECTOR_ADD);
        try (OpenCLDevice fresh = OpenCLDevice.open(0)) {
            assertFalse(fresh.compile("E_1023_add", VECTOR_ADD).fromCache());
        }
        assertEquals(0, CompileCache.sizeBytes());
    }

    @Test
    void corruptCachedBinaryFallsBackToSource() throws Exception {
        dev.compile("E_1023_add", VECTOR_ADD);
        Path file;
        try (Stream<Path> s = Files.list(cacheDir.resolve(OpenCLDevice.CACHE_KIND))) {
            file = s.findFirst().orElseThrow();
        }
        Files.write(file, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        long compiled = Counters.compileCount();
        try (OpenCLDevice fresh = OpenCLDevice.open(0)) {
            Program p = fresh.compile("E_1023_add", VECTOR_ADD);
            assertFalse(p.fromCache());
            assertEquals(compiled + 1, Counters.compileCount());
            assertArrayEquals(new float[] {3}, runVectorAdd(fresh, p, new float[] {1}, new float[] {2}, true));
        }
        assertTrue(Files.size(file) > 8, "the corrupt entry was replaced by a good binary");
    }

    @Test
    void allocatingMoreThanTheLargestAllocationNamesTheBytes() {
        // Floats when one more than the largest allocation is an int count of them, else 8-byte longs.
        DType dtype = dev.maxAllocBytes() / 4 + 1 <= Integer.MAX_VALUE ? DType.FLOAT32 : DType.INT64;
        long tooMany = dev.maxAllocBytes() / dtype.itemSize + 1;
        assumeTrue(tooMany <= Integer.MAX_VALUE, () -> "the largest allocation, " + dev.maxAllocBytes()
                + " bytes, is beyond an int count of 8-byte elements");
        DeviceException e = assertThrows(DeviceException.class, () -> dev.allocate(dtype, (int) tooMany));
        String m = e.getMessage();
        assertTrue(m.contains("OPENCL:0") && m.contains("out of memory"), m);
        assertTrue(m.contains(String.valueOf(tooMany * dtype.itemSize) + " bytes"), m);
        assertTrue(m.contains(tooMany + " x " + dtype), m);
        assertTrue(m.contains(String.valueOf(dev.memoryBytes())), m);
    }

    @Test
    void freedBuffersAreReusedFromThePool() {
        RawBuffer a = dev.allocate(DType.FLOAT32, 1000);
        assertEquals(4000, dev.liveBytes());
        dev.free(a);
        assertEquals(4000, dev.pooledBytes());
        assertEquals(0, dev.liveBytes());
        // Same bytes, other dtype: the pool is keyed by size only.
        RawBuffer b = dev.allocate(DType.INT32, 1000);
        assertEquals(0, dev.pooledBytes());
        int[] data = new java.util.Random(1).ints(1000).toArray();
        dev.copyIn(b, data);
        int[] back = new int[1000];
        dev.copyOut(b, back);
        assertArrayEquals(data, back);
        dev.free(b);
        DeviceException twice = assertThrows(DeviceException.class, () -> dev.free(b));
        assertTrue(twice.getMessage().contains("already freed"), twice.getMessage());
    }

    @Test
    void poolStaysWithinAQuarterOfDeviceMemory() {
        long limit = dev.memoryBytes() / 4;
        int count = (int) Math.min(Integer.MAX_VALUE, Math.min(dev.maxAllocBytes(), limit / 3) / 4);
        RawBuffer[] bufs = new RawBuffer[5];
        for (int i = 0; i < bufs.length; i++) bufs[i] = dev.allocate(DType.FLOAT32, count - i);
        for (RawBuffer b : bufs) dev.free(b);
        assertTrue(dev.pooledBytes() <= limit, dev.pooledBytes() + " pooled > limit " + limit);
        assertTrue(dev.pooledBytes() > 0);
    }

    @Test
    void launchingWithAFreedOrForeignBufferFailsClearly() {
        Program p = dev.compile("E_1023_add", VECTOR_ADD);
        RawBuffer a = dev.allocate(DType.FLOAT32, 4);
        RawBuffer b = dev.allocate(DType.FLOAT32, 4);
        RawBuffer c = dev.allocate(DType.FLOAT32, 4);
        dev.free(b);
        DeviceException freed = assertThrows(DeviceException.class,
                () -> dev.launch(p, new RawBuffer[] {c, a, b}, new int[] {4}, null, false));
        assertTrue(freed.getMessage().contains("E_1023_add") && freed.getMessage().contains("argument 2")
                && freed.getMessage().contains("was freed"), freed.getMessage());

        try (OpenCLDevice other = OpenCLDevice.open(0)) {
            RawBuffer foreign = other.allocate(DType.FLOAT32, 4);
            DeviceException e = assertThrows(DeviceException.class,
                    () -> dev.launch(p, new RawBuffer[] {c, a, foreign}, new int[] {4}, null, false));
            assertTrue(e.getMessage().contains("another") && e.getMessage().contains("argument 2"), e.getMessage());
            assertThrows(DeviceException.class, () -> other.launch(p, new RawBuffer[] {foreign, foreign, foreign}, new int[] {4}, null, false));
        }
        RawBuffer notOpenCL = new RawBuffer() {
            public DType dtype() { return DType.FLOAT32; }
            public int count() { return 4; }
            public String toString() { return "JAVA float[4]"; }
        };
        DeviceException e = assertThrows(DeviceException.class,
                () -> dev.launch(p, new RawBuffer[] {c, a, notOpenCL}, new int[] {4}, null, false));
        assertTrue(e.getMessage().contains("JAVA float[4]") && e.getMessage().contains("another device"), e.getMessage());
    }

    @Test
    void preparedLaunchRebindsChangedBuffersAndFallsBackToThePlainPathsMessages() {
        Program p = dev.compile("E_1023_add", VECTOR_ADD);
        Device.Prepared run = dev.prepare(p, new int[] {4}, null);
        RawBuffer a = dev.allocate(DType.FLOAT32, 4);
        RawBuffer b = dev.allocate(DType.FLOAT32, 4);
        RawBuffer c = dev.allocate(DType.FLOAT32, 4);
        RawBuffer d = dev.allocate(DType.FLOAT32, 4);
        dev.copyIn(a, new float[] {1, 2, 3, 4});
        dev.copyIn(b, new float[] {10, 20, 30, 40});
        dev.copyIn(d, new float[] {100, 200, 300, 400});
        assertTrue(Double.isNaN(run.run(new RawBuffer[] {c, a, b}, false)));
        float[] out = new float[4];
        dev.copyOut(c, out);
        assertArrayEquals(new float[] {11, 22, 33, 44}, out);
        // Only argument 2 changed: the run must see the new buffer, not the one bound before.
        assertTrue(run.run(new RawBuffer[] {c, a, d}, true) >= 0);
        dev.copyOut(c, out);
        assertArrayEquals(new float[] {101, 202, 303, 404}, out);

        dev.free(d);
        DeviceException freed = assertThrows(DeviceException.class, () -> run.run(new RawBuffer[] {c, a, d}, false));
        assertTrue(freed.getMessage().contains("argument 2") && freed.getMessage().contains("was freed"), freed.getMessage());
        DeviceException arity = assertThrows(DeviceException.class, () -> run.run(new RawBuffer[] {c}, false));
        assertTrue(arity.getMessage().contains("takes 3 buffers, got 1"), arity.getMessage());
        DeviceException badLocal = assertThrows(DeviceException.class, () -> dev.prepare(p, new int[] {4}, new int[] {3}));
        assertTrue(badLocal.getMessage().contains("not a multiple"), badLocal.getMessage());

        dev.close();
        DeviceException closed = assertThrows(DeviceException.class, () -> run.run(new RawBuffer[] {c, a, b}, false));
        assertTrue(closed.getMessage().contains("launch: the device was closed"), closed.getMessage());
    }

    @Test
    void badLaunchShapesAreExplained() {
        Program p = dev.compile("E_1023_add", VECTOR_ADD);
        RawBuffer x = dev.allocate(DType.FLOAT32, 1023);
        RawBuffer[] args = {x, x, x};
        DeviceException notMultiple = assertThrows(DeviceException.class, () -> dev.launch(p, args, new int[] {1023}, new int[] {32}, false));
        assertTrue(notMultiple.getMessage().contains("not a multiple"), notMultiple.getMessage());
        DeviceException arity = assertThrows(DeviceException.class, () -> dev.launch(p, new RawBuffer[] {x}, new int[] {1023}, null, false));
        assertTrue(arity.getMessage().contains("takes 3 buffers, got 1"), arity.getMessage());
        assertThrows(DeviceException.class, () -> dev.launch(p, args, new int[] {1, 1, 1, 1}, null, false));
    }

    @Test
    void closeReleasesEverythingAndIsIdempotent() {
        OpenCLDevice d = OpenCLDevice.open(0);
        RawBuffer b = d.allocate(DType.FLOAT32, 16);
        d.compile("E_1023_add", VECTOR_ADD);
        d.close();
        d.close();
        d.free(b); // harmless after close
        DeviceException e = assertThrows(DeviceException.class, () -> d.allocate(DType.FLOAT32, 1));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    private static float[] runVectorAdd(OpenCLDevice d, Program p, float[] a, float[] b, boolean timed) {
        int n = a.length;
        RawBuffer ba = d.allocate(DType.FLOAT32, n);
        RawBuffer bb = d.allocate(DType.FLOAT32, n);
        RawBuffer bc = d.allocate(DType.FLOAT32, n);
        d.copyIn(ba, a);
        d.copyIn(bb, b);
        d.launch(p, new RawBuffer[] {bc, ba, bb}, new int[] {n}, null, timed);
        float[] c = new float[n];
        d.copyOut(bc, c);
        for (RawBuffer r : new RawBuffer[] {ba, bb, bc}) d.free(r);
        return c;
    }
}
