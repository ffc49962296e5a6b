// BEAM search: with BEAM=N, a kernel's layout is chosen by timing the candidates on the device, not by heuristics.
package dev.jtiny.runtime.engine;

import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.Settings;
import dev.jtiny.runtime.Trace;
import dev.jtiny.runtime.codegen.Kernel;
import dev.jtiny.runtime.codegen.LinearKernel;
import dev.jtiny.runtime.device.CompileCache;
import dev.jtiny.runtime.device.Device;
import dev.jtiny.runtime.device.DeviceException;
import dev.jtiny.runtime.device.Program;
import dev.jtiny.runtime.device.RawBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The first time a kernel runs under BEAM=N (N > 0) on an OpenCL device or on JAVA, up to 4·N of its candidate layouts
 * ({@link Lowering#choices}: the heuristic's first) are compiled and run on the kernel's real buffers, each
 * timed as the best of {@value #TIMINGS} runs; the fastest wins, so the choice is never slower than the heuristic's
 * as measured. Each choice's output is compared with the heuristic's, and one that differs is rejected (and named,
 * at any DEBUG level): a search never trades correctness for speed. The search stops early after BEAMSECONDS
 * (default 60) seconds. The choice is cached on disk per device and kernel, so later runs and processes do not
 * search again. DEBUG 2 prints what was tried and picked; DEBUG 3 each choice's time; DEBUG 5 a rejected choice's source.
 */
final class Beam {
    static final int TIMINGS = 3;
    private static final String KIND = "beam";

    private Beam() {}

    static boolean enabled(Device device) {
        return Settings.BEAM.getInt() > 0 && (device.capabilities().workGroups() || jitted(device));
    }

    /** A device whose kernels the JVM compiles while they run (JAVA): timed once they are compiled. */
    private static boolean jitted(Device device) { return device.language().equals("java"); }

    /** Runs a fresh Java kernel gets before its time counts, at most, and the time it may take to settle. */
    static final int JIT_RUNS = 40;
    static final double JIT_SECONDS = 4;

    static Lowering.Rendered pick(Kernel k, String graph, Device device, Lowering.Rendered heuristic, RawBuffer[] args,
                                  int debug) {
        List<LinearKernel> choices = Lowering.choices(k, Lowering.Target.of(device));
        String key = CompileCache.key(device.name(), device.description(), java.util.Arrays.toString(k.outShape()),
                k.argTypes().toString(), graph);
        byte[] cached = CompileCache.get(KIND, key);
        if (cached != null) {
            String plan = new String(cached, StandardCharsets.UTF_8);
            for (LinearKernel lk : choices) {
                if (lk.plan().key().equals(plan)) {
                    if (debug >= 2) Trace.out().println("beam " + lk.name() + ": " + lk.plan() + " (from the cache)");
                    return lk.plan().equals(heuristic.linear().plan()) ? heuristic : Lowering.render(lk, device.renderer());
                }
            }
        }
        int width = Math.max(1, Settings.BEAM.getInt()) * 4;
        double budget = Settings.BEAMSECONDS.getInt();
        long t0 = System.nanoTime();
        Lowering.Rendered best = heuristic;
        double bestSeconds = time(heuristic, device, args), heuristicSeconds = bestSeconds;
        Object want = output(device, args[0]);
        int tried = 1, wrong = 0;
        for (LinearKernel lk : choices) {
            if (tried >= width || (System.nanoTime() - t0) * 1e-9 > budget) break;
            if (lk.plan().equals(heuristic.linear().plan())) continue;
            tried++;
            Lowering.Rendered r = Lowering.render(lk, device.renderer());
            double s;
            try {
                s = time(r, device, args);
            } catch (DeviceException e) { // a layout the device refuses (resources, work-group size): not a choice
                if (debug >= 3) Trace.out().println("beam   " + lk.plan() + ": refused by the device: " + e.getMessage().lines().findFirst().orElse(""));
                continue;
            }
            // A choice must compute what the heuristic's does (up to rounding: sums may be reassociated).
            String differs = differs(args[0].dtype(), want, output(device, args[0]));
            if (differs != null) {
                wrong++;
                Trace.out().println("beam " + lk.name() + ": rejected " + lk.plan() + ": " + differs);
                if (debug >= 5) Trace.out().println(r.source());
                continue;
            }
            if (debug >= 3) Trace.out().printf("beam   %s %.2fus%n", lk.plan(), s * 1e6);
            if (s < bestSeconds) {
                best = r;
                bestSeconds = s;
            }
        }
        if (best != heuristic) time(best, device, args); // leave the chosen layout's output in the buffer
        CompileCache.put(KIND, key, best.linear().plan().key().getBytes(StandardCharsets.UTF_8));
        if (debug >= 2) {
            Trace.out().printf("beam %s: %d choices in %.1f ms, picked %s %.2fus (heuristic %s %.2fus)%s%n", best.linear().name(),
                    tried, (System.nanoTime() - t0) * 1e-6, best.linear().plan(), bestSeconds * 1e6,
                    heuristic.linear().plan(), heuristicSeconds * 1e6, wrong > 0 ? ", " + wrong + " rejected as wrong" : "");
        }
        return best;
    }

    /**
     * The best of {@link #TIMINGS} runs. A Java kernel runs interpreted until HotSpot compiles it, so there it is run
     * until its best time has not improved by 5% in {@link #TIMINGS} runs (at most {@link #JIT_RUNS} runs or
     * {@link #JIT_SECONDS} seconds): what a compiled kernel takes, not how soon it was compiled.
     */
    private static double time(Lowering.Rendered r, Device device, RawBuffer[] args) {
        Program p = device.compile(r.linear().name(), r.source());
        int[][] dims = Realizer.dims(r.linear(), device);
        double best = Double.POSITIVE_INFINITY;
        if (!jitted(device)) {
            for (int i = 0; i < TIMINGS; i++) best = Math.min(best, device.launch(p, args, dims[0], dims[1], true));
            return best;
        }
        long t0 = System.nanoTime();
        int since = 0;
        for (int i = 0; i < JIT_RUNS && since < TIMINGS && (System.nanoTime() - t0) * 1e-9 < JIT_SECONDS; i++) {
            double s = device.launch(p, args, dims[0], dims[1], true);
            if (s < best * 0.95) since = 0;
            else since++;
            best = Math.min(best, s);
        }
        return best;
    }

    private static Object output(Device device, RawBuffer out) {
        Object host = out.dtype().newHostArray(out.count());
        device.copyOut(out, host);
        return host;
    }

    /**
     * Null when {@code got} matches {@code want}: floats to within a tolerance of the element plus the same of the
     * mean magnitude (1e-3; 1e-2 for 16-bit floats), NaN matching NaN; other types exactly. Otherwise the first
     * element that differs.
     */
    static String differs(DType dtype, Object want, Object got) {
        int n = java.lang.reflect.Array.getLength(want);
        double tolerance = dtype.itemSize == 2 && dtype.isFloat() ? 1e-2 : 1e-3, mean = 0;
        if (dtype.isFloat()) for (int i = 0; i < n; i++) {
            double w = dtype.read(want, i);
            if (Double.isFinite(w)) mean += Math.abs(w) / n;
        }
        for (int i = 0; i < n; i++) {
            if (dtype == DType.INT64) {
                long w = ((long[]) want)[i], g = ((long[]) got)[i];
                if (w != g) return "element " + i + " is " + g + ", the heuristic's layout gives " + w;
                continue;
            }
            double w = dtype.read(want, i), g = dtype.read(got, i);
            if (w == g || (Double.isNaN(w) && Double.isNaN(g))) continue;
            if (dtype.isFloat() && Math.abs(w - g) <= tolerance * (Math.abs(w) + mean)) continue;
            return "element " + i + " is " + g + ", the heuristic's layout gives " + w;
        }
        return null;
    }
}
