// BEAM search: with BEAM=N, a kernel's layout is chosen by timing the candidates on the device, not by heuristics.
package dev.jtiny.runtime;

import dev.jtiny.runtime.codegen.Kernel;
import dev.jtiny.runtime.codegen.KernelOptimizer;
import dev.jtiny.runtime.codegen.LinearKernel;
import dev.jtiny.runtime.device.CompileCache;
import dev.jtiny.runtime.device.Device;
import dev.jtiny.runtime.device.DeviceException;
import dev.jtiny.runtime.device.Program;
import dev.jtiny.runtime.device.RawBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The first time a kernel runs under BEAM=N (N > 0) on an OpenCL device, up to 4·N of its candidate layouts
 * ({@link KernelOptimizer#choices}: the heuristic's first) are compiled and run on the kernel's real buffers, each
 * timed as the best of {@value #TIMINGS} runs; the fastest wins, so the choice is never slower than the heuristic's
 * as measured. The choice is cached on disk per device and kernel, so later runs and processes do not search again.
 * DEBUG 2 prints what was tried and picked.
 */
final class Beam {
    static final int TIMINGS = 3;
    private static final String KIND = "beam";

    private Beam() {}

    static boolean enabled(Device device) {
        return Config.getInt("BEAM", 0) > 0 && device.language().equals("opencl");
    }

    static Realizer.Rendered pick(Kernel k, String graph, Device device, Realizer.Rendered heuristic, RawBuffer[] args,
                                  int debug) {
        List<LinearKernel> choices = KernelOptimizer.choices(k, device.preferredLanes(),
                Realizer.groupsReductions(device), device.computeUnits());
        String key = CompileCache.key(device.name(), device.description(), java.util.Arrays.toString(k.outShape()),
                k.argTypes().toString(), graph);
        byte[] cached = CompileCache.get(KIND, key);
        if (cached != null) {
            String opts = new String(cached, StandardCharsets.UTF_8);
            for (LinearKernel lk : choices) {
                if (lk.opts().toString().equals(opts)) {
                    if (debug >= 2) Trace.out().println("beam " + lk.name() + ": " + opts + " (from the cache)");
                    return lk.opts().equals(heuristic.linear().opts()) ? heuristic : Realizer.render(lk, device);
                }
            }
        }
        int width = Math.max(1, Config.getInt("BEAM", 1)) * 4;
        long t0 = System.nanoTime();
        Realizer.Rendered best = heuristic;
        double bestSeconds = time(heuristic, device, args), heuristicSeconds = bestSeconds;
        int tried = 1;
        for (LinearKernel lk : choices) {
            if (tried >= width) break;
            if (lk.opts().equals(heuristic.linear().opts())) continue;
            tried++;
            Realizer.Rendered r = Realizer.render(lk, device);
            double s;
            try {
                s = time(r, device, args);
            } catch (DeviceException e) { // a layout the device refuses (resources, work-group size): not a choice
                continue;
            }
            if (s < bestSeconds) {
                best = r;
                bestSeconds = s;
            }
        }
        CompileCache.put(KIND, key, best.linear().opts().toString().getBytes(StandardCharsets.UTF_8));
        if (debug >= 2) {
            Trace.out().printf("beam %s: %d choices in %.1f ms, picked %s %.2fus (heuristic %s %.2fus)%n", best.linear().name(),
                    tried, (System.nanoTime() - t0) * 1e-6, best.linear().opts(), bestSeconds * 1e6,
                    heuristic.linear().opts(), heuristicSeconds * 1e6);
        }
        return best;
    }

    private static double time(Realizer.Rendered r, Device device, RawBuffer[] args) {
        Program p = device.compile(r.linear().name(), r.source());
        int[][] dims = Realizer.dims(r.linear(), device);
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < TIMINGS; i++) best = Math.min(best, device.launch(p, args, dims[0], dims[1], true));
        return best;
    }
}
