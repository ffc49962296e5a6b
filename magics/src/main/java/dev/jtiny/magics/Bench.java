// %%bench: runs a body repeatedly on one or more devices with launch timing on, and sums the kernel log of the timed
// runs per kernel. Warm-up runs (where kernels get compiled) are kept apart from the timed ones.
package dev.jtiny.magics;

import dev.jtiny.magics.BenchReport.Compiled;
import dev.jtiny.magics.BenchReport.DeviceResult;
import dev.jtiny.magics.BenchReport.Row;
import dev.jtiny.runtime.Counters;
import dev.jtiny.runtime.engine.Devices;
import dev.jtiny.runtime.KernelLog;
import dev.jtiny.runtime.Settings;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

public final class Bench {
    private Bench() {}

    /** {@link #run(BenchOptions, Callable)} with the defaults: 10 runs after 2 warm-up runs on the default device. */
    public static BenchReport run(Callable<?> body) throws Exception { return run(BenchOptions.defaults(), body); }

    /**
     * Calls {@code body} {@code warmup + runs} times on each device of the options (the default device when none
     * is named), switching the default device for the body and putting it back after. The body's value (a Tensor,
     * an array or Collection of them) is realized and the device waited for on every run. Tensors the body makes
     * itself land on the device under test; tensors made before the bench stay where they are.
     */
    public static BenchReport run(BenchOptions options, Callable<?> body) throws Exception {
        List<String> devices = resolve(options.devices());
        List<DeviceResult> results = new ArrayList<>();
        for (String d : devices) results.add(measure(d, options, body));
        return new BenchReport(options, results);
    }

    private static List<String> resolve(List<String> names) {
        if (names.isEmpty()) return List.of(Devices.defaultName());
        List<String> available = Devices.available();
        Set<String> out = new LinkedHashSet<>();
        for (String n : names) {
            String c = Devices.canonical(n);
            if (!available.contains(c)) {
                throw new IllegalArgumentException("bench: unknown device " + n + " in --devices; available: " + String.join(", ", available));
            }
            out.add(c);
        }
        return List.copyOf(out);
    }

    private static DeviceResult measure(String device, BenchOptions o, Callable<?> body) throws Exception {
        Devices.get(device); // opening a device is no part of any run
        double[] warmWall = new double[o.warmup()];
        double[] wall = new double[o.runs()];
        List<List<KernelLog.Entry>> perRun = new ArrayList<>();
        List<Compiled> compiled;
        long compiles, cacheHits, launches, timedCompiles;
        try (var d = Settings.DEVICE.override(device); var timed = Settings.PROFILE.override(1)) {
            long c0 = Counters.compileCount(), h0 = Counters.cacheHitCount();
            try (CompileWatch watch = CompileWatch.start()) {
                for (int i = 0; i < o.warmup(); i++) {
                    long t = System.nanoTime();
                    Completion.await(body.call());
                    warmWall[i] = (System.nanoTime() - t) * 1e-9;
                }
                compiled = watch.compiled();
            }
            compiles = Counters.compileCount() - c0;
            cacheHits = Counters.cacheHitCount() - h0;
            long k0 = Counters.kernelCount(), c1 = Counters.compileCount();
            for (int r = 0; r < o.runs(); r++) {
                long mark = KernelLog.mark();
                long t = System.nanoTime();
                Completion.await(body.call());
                wall[r] = (System.nanoTime() - t) * 1e-9;
                perRun.add(KernelLog.since(mark));
            }
            launches = Counters.kernelCount() - k0;
            timedCompiles = Counters.compileCount() - c1;
        }
        List<String> notes = new ArrayList<>();
        Peaks peaks = null;
        try {
            peaks = Peaks.of(device);
        } catch (RuntimeException e) {
            notes.add("no % of peak: calibrating " + device + " failed: " + e.getMessage());
        }
        if (timedCompiles > 0) {
            notes.add(timedCompiles + " kernel" + (timedCompiles == 1 ? " was" : "s were") + " compiled during the timed runs: wall times include compiling (add warm-up runs with -w)");
        }
        return summarize(device, o.warmup(), perRun, wall, warmWall, compiled, compiles, cacheHits, launches, peaks, notes);
    }

    /** Per-kernel figures of the timed runs: a pure function of what was logged and measured. */
    static DeviceResult summarize(String device, int warmup, List<List<KernelLog.Entry>> perRun, double[] wall, double[] warmWall,
                                  List<Compiled> compiled, long compiles, long cacheHits, long launches, Peaks peaks,
                                  List<String> notes) {
        int runs = perRun.size();
        notes = new ArrayList<>(notes);
        Map<String, Group> groups = new LinkedHashMap<>(); // launch order of first appearance
        Set<String> elsewhere = new LinkedHashSet<>();
        long logged = 0;
        boolean untimed = false;
        for (int r = 0; r < runs; r++) {
            for (KernelLog.Entry e : perRun.get(r)) {
                Group g = groups.computeIfAbsent(e.device() + "\n" + e.kind() + "\n" + e.name(), k -> new Group(e, runs));
                g.calls[r]++;
                if (Double.isNaN(e.seconds())) untimed = true;
                else g.seconds[r] += e.seconds();
                g.flops += e.flops();
                g.bytes += e.bytes();
                if (e.kind().equals("kernel")) logged++;
                if (!e.device().equals(device)) elsewhere.add(e.device());
            }
        }
        if (!elsewhere.isEmpty()) {
            notes.add("kernels ran on " + String.join(", ", elsewhere) + " although " + device + " was the default: tensors made before the bench"
                    + " (or moved with to()) stay on their device; make them inside the body to measure " + device);
        }
        if (launches > logged) {
            notes.add((launches - logged) + " launch" + (launches - logged == 1 ? " was" : "es were") + " not in the kernel log:"
                    + " their time is in the wall time only");
        }
        if (untimed) notes.add("some launches were not timed (PROFILE was off for them)");

        double sumOfMedians = 0;
        for (Group g : groups.values()) sumOfMedians += median(g.seconds);
        List<Row> rows = new ArrayList<>();
        double[] totals = new double[runs];
        long totalFlops = 0, totalBytes = 0;
        for (Group g : groups.values()) {
            double med = median(g.seconds);
            long flops = g.flops / Math.max(runs, 1), bytes = g.bytes / Math.max(runs, 1);
            rows.add(row(g.device, g.name, g.kind, Arrays.stream(g.calls).average().orElse(0), g.seconds, flops, bytes,
                    sumOfMedians > 0 ? 100 * med / sumOfMedians : Double.NaN, peaks, g.fusedOps));
            for (int r = 0; r < runs; r++) totals[r] += g.seconds[r];
            totalFlops += flops;
            totalBytes += bytes;
        }
        double callsPerRun = rows.stream().mapToDouble(Row::callsPerRun).sum();
        Row total = row(device, "total", "total", callsPerRun, totals, totalFlops, totalBytes, rows.isEmpty() ? Double.NaN : 100, peaks, List.of());
        if (runs >= 3 && total.minSeconds() > 0 && total.maxSeconds() > 3 * total.minSeconds()) {
            notes.add("kernel time per run ranged from " + Timing.formatTime(total.minSeconds()) + " to " + Timing.formatTime(total.maxSeconds())
                    + ": more warm-up runs (-w) may steady it (HotSpot compiles JAVA kernels only after a few runs)");
        }
        if (rows.isEmpty()) notes.add("no kernel ran during the timed runs: the body's value may already be realized, or it returned no tensor");

        double warmupSeconds = Arrays.stream(warmWall).sum();
        double compileSeconds = compiled.stream().filter(c -> !c.fromCache()).mapToDouble(Compiled::seconds).sum();
        return new DeviceResult(device, runs, warmup, List.copyOf(rows), total, (double) launches / Math.max(runs, 1),
                median(wall), Arrays.stream(wall).min().orElse(Double.NaN), warmupSeconds, List.copyOf(compiled), compiles,
                cacheHits, compileSeconds, peaks, List.copyOf(notes));
    }

    private static Row row(String device, String name, String kind, double calls, double[] seconds, long flops, long bytes,
                           double share, Peaks peaks, List<String> fusedOps) {
        double med = median(seconds);
        double gflops = med > 0 && flops > 0 ? flops / med * 1e-9 : Double.NaN;
        double gbps = med > 0 && bytes > 0 ? bytes / med * 1e-9 : Double.NaN;
        double peak = Double.NaN;
        String bound = "";
        // A copy's bytes go through the host or the bus, not the streaming path the copy peak measures.
        if (peaks != null && !kind.equals("copy")) {
            double mem = gbps / peaks.copyGBps() * 100, alu = gflops / peaks.gflops() * 100;
            if (!Double.isNaN(mem) && (Double.isNaN(alu) || mem >= alu)) {
                peak = mem;
                bound = "mem";
            } else if (!Double.isNaN(alu)) {
                peak = alu;
                bound = "alu";
            }
        }
        return new Row(device, name, kind, calls, med, Arrays.stream(seconds).min().orElse(Double.NaN),
                Arrays.stream(seconds).max().orElse(Double.NaN), flops, bytes, gflops, gbps, share, peak, bound, fusedOps);
    }

    static double median(double[] xs) {
        if (xs.length == 0) return Double.NaN;
        double[] s = xs.clone();
        Arrays.sort(s);
        int m = s.length / 2;
        return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
    }

    private static final class Group {
        final String device, name, kind;
        final List<String> fusedOps;
        final int[] calls;
        final double[] seconds;
        long flops, bytes;

        Group(KernelLog.Entry first, int runs) {
            device = first.device();
            name = first.name();
            kind = first.kind();
            fusedOps = first.fusedOps() == null ? List.of() : List.copyOf(first.fusedOps());
            calls = new int[runs];
            seconds = new double[runs];
        }
    }
}
