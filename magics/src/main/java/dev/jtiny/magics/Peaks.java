// What a device reaches through jtiny's own kernels: streaming copy bandwidth and multiply-add rate. Measured once
// per device (and driver) and kept in the compile cache; %bench reports each kernel as a share of these.
package dev.jtiny.magics;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.engine.Devices;
import dev.jtiny.runtime.KernelLog;
import dev.jtiny.runtime.Settings;
import dev.jtiny.runtime.device.CompileCache;
import dev.jtiny.runtime.device.java.JavaDevice;
import dev.jtiny.runtime.device.opencl.OpenCLDevice;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * @param copyGBps bytes read plus bytes written per second by a large elementwise copy, in GB/s (1e9 bytes)
 * @param gflops   multiply-adds (counted as two FLOPs) per second by a long fused chain, in GFLOPS
 */
public record Peaks(String device, double copyGBps, double gflops) {
    /** The compile-cache kind the figures are stored under. */
    public static final String CACHE_KIND = "peaks";
    /** Bumped when the calibration changes, so figures measured the old way are measured again. */
    private static final String METHOD = "copy 8M float32 neg, fma chain 1M; v1";
    private static final int COPY_ELEMENTS = 8 << 20; // 32 MiB each way: past most last-level caches
    private static final int FMA_ELEMENTS = 1 << 20;
    private static final int MIN_RUNS = 3, RUNS = 10;
    private static final long MEASURE_NANOS = 2_500_000_000L;

    private static final Map<String, Peaks> known = new ConcurrentHashMap<>();
    private static final AtomicLong calibrations = new AtomicLong();

    /** The figures for a device ("JAVA", "OPENCL:0", "opencl", …): from memory, from the cache, or measured now. */
    public static Peaks of(String deviceName) {
        String name = Devices.canonical(deviceName);
        Optional<Peaks> c = cached(name);
        if (c.isPresent()) return c.get();
        synchronized (Peaks.class) {
            c = cached(name);
            if (c.isPresent()) return c.get();
            String description = description(name);
            if (description == null) {
                throw new IllegalArgumentException("peaks: unknown device " + name + "; available: " + Devices.available());
            }
            Peaks p = calibrate(name);
            known.put(name, p);
            store(p, description);
            return p;
        }
    }

    /** The figures when they were measured before (in this process or stored in the cache); never measures. */
    public static Optional<Peaks> cached(String deviceName) {
        String name = Devices.canonical(deviceName);
        Peaks p = known.get(name);
        if (p != null) return Optional.of(p);
        String description = description(name);
        if (description == null) return Optional.empty();
        byte[] stored = CompileCache.get(CACHE_KIND, key(name, description));
        if (stored == null) return Optional.empty();
        try {
            Properties props = new Properties();
            props.load(new ByteArrayInputStream(stored));
            p = new Peaks(name, Double.parseDouble(props.getProperty("copyGBps")), Double.parseDouble(props.getProperty("gflops")));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // a damaged file: measure again
        }
        known.put(name, p);
        return Optional.of(p);
    }

    /** Forgets every device's figures, in memory and in the cache directory, so the next {@link #of} measures again. */
    public static void forget() {
        known.clear();
        Path dir = CompileCache.dir().resolve(CACHE_KIND);
        if (!Files.isDirectory(dir)) return;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) Files.deleteIfExists(f);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("peaks: could not clear " + dir, e);
        }
    }

    /** Forgets the figures held in memory only: the next call reads the cache file as a new process would. */
    static void forgetInMemory() { known.clear(); }

    /** How many calibrations this process has run (tests check that a cached figure is not measured again). */
    public static long calibrations() { return calibrations.get(); }

    /** The device's description without opening it (OpenCL devices come from the driver's list), or null if unknown. */
    static String description(String canonicalName) {
        if (canonicalName.equals("JAVA")) return Devices.get("JAVA").description();
        for (OpenCLDevice.Info i : OpenCLDevice.list()) {
            if (i.deviceName().equals(canonicalName)) return i.description();
        }
        return null;
    }

    private static String key(String name, String description) {
        return CompileCache.key(name, description, METHOD);
    }

    private static void store(Peaks p, String description) {
        Properties props = new Properties();
        props.setProperty("device", p.device);
        props.setProperty("description", description);
        props.setProperty("copyGBps", Double.toString(p.copyGBps));
        props.setProperty("gflops", Double.toString(p.gflops));
        props.setProperty("method", METHOD);
        props.setProperty("measured", Instant.now().toString());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            props.store(out, "jtiny device peaks");
        } catch (IOException e) {
            throw new IllegalStateException(e); // a ByteArrayOutputStream does not fail
        }
        CompileCache.put(CACHE_KIND, key(p.device, description), out.toByteArray());
    }

    private static Peaks calibrate(String device) {
        calibrations.incrementAndGet();
        try (var d = Settings.DEVICE.override(device); var timed = Settings.PROFILE.override(1)) {
            // Inputs come from the host, so calibrating compiles just the two kernels it measures.
            Tensor big = Tensor.of(new float[COPY_ELEMENTS], COPY_ELEMENTS).realize();
            double copy = best(() -> big.neg(), false);
            big.close();
            Tensor small = Tensor.of(new float[FMA_ELEMENTS], FMA_ELEMENTS).realize();
            // HotSpot leaves a method of more than 8000 bytecodes to the interpreter, so a Java kernel must stay
            // short; OpenCL compilers take the long chain the way it is meant.
            int pairs = Devices.get(device) instanceof JavaDevice ? 16 : 64;
            double fma = best(() -> {
                Tensor y = small;
                for (int i = 0; i < pairs; i++) y = y.mul(0.999).add(0.001); // stays near 1: no overflow, no denormals
                return y;
            }, true);
            small.close();
            return new Peaks(device, copy, fma);
        }
    }

    /**
     * The best rate of a few runs of the one kernel {@code work} makes: GB/s, or GFLOPS with {@code flops}. On the
     * JAVA device the first runs are interpreted until HotSpot compiles the kernel (about a second, whatever the
     * size); the runs after that take milliseconds, so a fixed count costs little once compiled.
     */
    private static double best(Supplier<Tensor> work, boolean flops) {
        double best = 0;
        long deadline = System.nanoTime() + MEASURE_NANOS;
        for (int r = 0; r < RUNS && (r < MIN_RUNS || System.nanoTime() < deadline); r++) {
            long mark = KernelLog.mark();
            Tensor out = work.get().realize();
            for (KernelLog.Entry e : KernelLog.since(mark)) {
                if (e.kind().equals("kernel") && e.seconds() > 0) best = Math.max(best, flops ? e.gflops() : e.gbps());
            }
            out.close();
        }
        return best;
    }
}
