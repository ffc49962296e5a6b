// Runs a schedule: linearize, render, compile (cached), allocate, launch, log and trace each kernel; a graph
// lowered before is launched from its ScheduleCache plan.
package dev.jtiny.runtime.engine;

import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.Counters;
import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.KernelLog;
import dev.jtiny.runtime.Settings;
import dev.jtiny.runtime.Trace;
import dev.jtiny.runtime.graph.Buffer;
import dev.jtiny.runtime.graph.LazyBuffer;
import dev.jtiny.runtime.schedule.Scheduler;
import dev.jtiny.runtime.codegen.KNode;
import dev.jtiny.runtime.codegen.LinearKernel;
import dev.jtiny.runtime.codegen.Opt;
import dev.jtiny.runtime.device.Device;
import dev.jtiny.runtime.device.DeviceException;
import dev.jtiny.runtime.device.Program;
import dev.jtiny.runtime.device.RawBuffer;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

public final class Realizer {
    /** Work items per group on GPUs; a tiled kernel ({@code codegen.opt.Heuristics.TILE_ITEMS} squared) relies on it. */
    private static final int GPU_GROUP = 256;
    private static double cumulativeSeconds;
    /** Rendered kernels by (device, kernel graph text): a re-run of the same graph skips codegen. */
    private static final Map<String, Lowering.Rendered> rendered = new ConcurrentHashMap<>();

    /** Sees every kernel launch and copy while installed: how a JIT captures the work of a function. */
    public interface Recorder {
        /** {@code args[0]} is the output; {@code logged} is the launch's kernel-log entry (name, FLOPs, bytes, source). */
        void kernel(Device device, Program program, int[] global, int[] local, Buffer[] args, KernelLog.Entry logged);

        /** A copy into {@code dst}: from {@code src}, or from host data (src null) that stays in dst. */
        void copy(Buffer src, Buffer dst);
    }

    private static Recorder recorder;

    /** Installs (or, with null, removes) the recorder. */
    public static synchronized void record(Recorder r) { recorder = r; }

    /** Whether a recorder is installed: buffers seen now may be replayed later, so none may be freed early. */
    public static synchronized boolean recording() { return recorder != null; }

    private Realizer() {}

    /**
     * Computes every given node that is not realized yet, with as few kernels as the scheduler allows. A graph whose
     * structure was lowered before (see {@link ScheduleCache}) is not scheduled again: its plan's kernels are bound
     * to this graph's buffers and launched.
     */
    public static synchronized void realize(List<LazyBuffer> outputs) {
        List<LazyBuffer> outer = computed;
        computed = new ArrayList<>();
        try {
            settle(outputs, computed, run(outputs));
        } finally {
            computed = outer;
        }
    }

    /** The nodes the realize running now computed so far (see {@link #settle}). */
    private static List<LazyBuffer> computed = new ArrayList<>();

    /**
     * Decides, as a realize ends, what each node it computed does with its buffer. A node asked for, or one the
     * user's code can reach ({@link LazyBuffer#isExposed}), keeps it for good. A node only library code made (see
     * {@link LazyBuffer}) is held by the plan that computed it until that plan runs again: then, if still unexposed,
     * it gives its buffer back to the device's pool and can be computed again from its sources. So a later realize
     * that reads it (the loss after a training step) finds it in memory, and a loop running the same computation
     * reuses the same memory from its third call on, instead of taking new memory until the garbage collector finds
     * the old tensors. Without a plan (SCHEDULECACHE=0), or while a recording runs (a replay reuses the very buffers
     * it saw), everything is kept.
     */
    private static void settle(List<LazyBuffer> outputs, List<LazyBuffer> nodes, ScheduleCache.Plan plan) {
        if (plan == null || recorder != null) {
            for (LazyBuffer n : nodes) n.keep();
            return;
        }
        List<WeakReference<LazyBuffer>> before = plan.internals().take();
        if (nodes.isEmpty() && before.isEmpty()) return;
        Set<LazyBuffer> asked = Collections.newSetFromMap(new IdentityHashMap<>());
        for (LazyBuffer o : outputs) asked.add(o.base);
        List<WeakReference<LazyBuffer>> held = new ArrayList<>();
        for (LazyBuffer n : nodes) {
            if (asked.contains(n) || n.isExposed() || !n.recomputable()) n.keep();
            else held.add(new WeakReference<>(n));
        }
        // This run's kernels are enqueued, in order: one that read a released buffer runs before any that reuses it.
        for (var ref : before) {
            LazyBuffer n = ref.get();
            if (n == null || n.buffer() == null) continue; // collected (the cleaner frees it), or released already
            if (asked.contains(n) || n.isExposed()) n.keep();
            else n.release();
        }
        plan.internals().hold(held);
    }

    /** Schedules (or finds the plan of) and launches the graph behind {@code outputs}; the plan used, or null. */
    private static ScheduleCache.Plan run(List<LazyBuffer> outputs) {
        long t0 = System.nanoTime();
        int debug = Config.debug();
        ScheduleCache.Walk walk = ScheduleCache.enabled() ? ScheduleCache.walk(outputs) : null;
        ScheduleCache.Plan plan = walk == null ? null : walk.plan();
        if (plan != null && ScheduleCache.current(plan)) {
            Counters.scheduleCacheHit();
            if (debug >= 1 && !plan.steps().isEmpty()) {
                Trace.out().printf("scheduled %d kernel%s in %.2f ms (schedule cache hit)%n", plan.kernels(),
                        plan.kernels() == 1 ? "" : "s", (System.nanoTime() - t0) * 1e-6);
            }
            Buffer[] temps = new Buffer[plan.temps()];
            for (ScheduleCache.Step step : plan.steps()) {
                switch (step) {
                    case ScheduleCache.KernelStep k -> launchPlanned(k, walk, temps, debug);
                    case ScheduleCache.CopyStep c -> copy(c.out().in(walk), c.src().in(walk), debug);
                }
            }
            // No node holds a temporary: its memory goes back to the device's pool now, not when the collector
            // finds it (launches run in order, so a later one that reuses it waits for its readers). A recording
            // keeps them: a replay reuses the very buffers it saw.
            if (recorder == null) for (Buffer t : temps) if (t != null) t.close();
        } else {
            Scheduler.Schedule schedule = Scheduler.of(outputs, Devices::capabilities);
            List<Scheduler.Item> items = schedule.items();
            if (debug >= 1 && !items.isEmpty()) {
                long kernels = items.stream().filter(i -> i instanceof Scheduler.KernelItem).count();
                Trace.out().printf("scheduled %d kernel%s in %.2f ms%n", kernels, kernels == 1 ? "" : "s", (System.nanoTime() - t0) * 1e-6);
            }
            Map<Scheduler.Item, Lowered> lowered = new IdentityHashMap<>();
            Map<Scheduler.Item, String> graphs = prepare(items, debug);
            for (Scheduler.Item item : items) {
                switch (item) {
                    case Scheduler.KernelItem k -> {
                        Lowered l = run(k, graphs.get(k), debug);
                        if (l != null) lowered.put(k, l);
                    }
                    case Scheduler.CopyItem c -> copy(c.out(), c.src().base, debug);
                }
            }
            // A base the schedule replaced (a split reduction, or what reads one) holds its stand-in's buffer; the
            // stand-in, which nothing outside this schedule can reach, keeps it only through the base.
            schedule.rewritten().forEach((was, now) -> {
                if (now.buffer() != null && !was.isRealized()) {
                    was.setComputed(now.buffer());
                    computed.add(was);
                }
            });
            if (!schedule.rewritten().isEmpty()) {
                Set<LazyBuffer> standIns = Collections.newSetFromMap(new IdentityHashMap<>());
                standIns.addAll(schedule.rewritten().values());
                computed.removeIf(standIns::contains);
            }
            ScheduleCache.Plan made = walk == null ? null : ScheduleCache.plan(walk, items, lowered, schedule.rewritten());
            if (made != null && !made.steps().isEmpty()) ScheduleCache.put(walk.key(), made);
            else made = null;
            plan = made;
        }
        // Views of pending host uploads need no kernel, but their data must reach the device.
        for (LazyBuffer o : outputs) uploaded(o.base);
        return plan;
    }

    public static synchronized void resetTime() { cumulativeSeconds = 0; }

    /** The buffer of a realized base, uploading pending host data first. */
    static Buffer uploaded(LazyBuffer base) {
        if (base.buffer() != null && base.pendingHost() == null) return base.buffer();
        Buffer b = base.buffer() != null ? base.buffer() : new Buffer(Devices.get(base.device), base.dtype, (int) base.numel());
        long t0 = System.nanoTime();
        base.ensureUploaded(b);
        base.setRealized(b);
        if (recorder != null) recorder.copy(null, b);
        traceCopy("host", base.device, b.bytes(), (System.nanoTime() - t0) * 1e-9, Config.debug());
        return b;
    }

    /** Copies the buffer of {@code srcBase} into a new buffer for {@code out}, on out's device. */
    private static void copy(LazyBuffer out, LazyBuffer srcBase, int debug) {
        Buffer src = uploaded(srcBase);
        Device dst = Devices.get(out.device);
        long t0 = System.nanoTime();
        Object host = src.copyOut();
        Buffer buf = new Buffer(dst, out.dtype, (int) out.numel());
        buf.copyIn(host);
        out.setComputed(buf);
        computed.add(out);
        if (recorder != null) recorder.copy(src, buf);
        traceCopy(src.device.name(), dst.name(), buf.bytes(), (System.nanoTime() - t0) * 1e-9, debug);
    }

    private static void traceCopy(String from, String to, long bytes, double seconds, int debug) {
        KernelLog.add("copy", "copy " + from + " -> " + to, to, new int[]{(int) (bytes)}, null, seconds, 0, bytes,
                List.of(), List.of(), "", "", "");
        if (debug >= 2) {
            Trace.out().printf("*** %-10s copy %10s  %s -> %s  tm %10.2fus%n", to, humanBytes(bytes), from, to, seconds * 1e6);
        }
    }

    /**
     * What a kernel was lowered to on a device: its plan and source, the compiled program, its input graph's text
     * (for the kernel log), its launch dims, its output's type and size (a temporary has no node to ask) and its plan
     * in words, made once for the kernel log. A {@link ScheduleCache} plan keeps these for every kernel.
     */
    record Lowered(Device device, Lowering.Rendered rendered, Program program, String graph, int[] global, int[] local,
                   DType outType, int outCount, List<String> planWords) {}

    /**
     * Lowers a schedule's kernels before the first runs and hands their sources to each device at once
     * ({@link Device#prepare}): the Java device compiles all the new ones in one javac run. Not under BEAM, which
     * picks each kernel's layout by timing it first. Returns each kernel's graph text, which its run reads again.
     */
    private static Map<Scheduler.Item, String> prepare(List<Scheduler.Item> items, int debug) {
        Map<Scheduler.Item, String> graphs = new IdentityHashMap<>();
        Map<Device, List<Device.Source>> sources = new LinkedHashMap<>();
        for (Scheduler.Item item : items) {
            if (!(item instanceof Scheduler.KernelItem k) || k.out().numel() == 0) continue;
            Device device = Devices.get(k.out().device);
            if (Beam.enabled(device)) continue;
            String graph = KNode.describe(k.kernel().root());
            graphs.put(k, graph);
            Lowering.Rendered r = lowering(key(k, device, graph), k, device);
            sources.computeIfAbsent(device, d -> new ArrayList<>()).add(new Device.Source(r.linear().name(), r.source()));
        }
        sources.forEach((device, list) -> {
            long t0 = System.nanoTime();
            List<String> compiled = device.prepare(list);
            if (debug >= 1 && !compiled.isEmpty()) {
                double ms = (System.nanoTime() - t0) * 1e-6;
                for (String name : compiled) {
                    Trace.out().printf("compiled %s in %.1f ms (one javac run of %d kernels)%n", name, ms, compiled.size());
                }
            }
        });
        return graphs;
    }

    /** A kernel's lowering on a device, made once per {@link #key}. */
    private static Lowering.Rendered lowering(String key, Scheduler.KernelItem item, Device device) {
        return rendered.computeIfAbsent(key, g -> Lowering.lower(item.kernel(), Lowering.Target.of(device)));
    }

    /** A lowering's key: graph, device and the lowering settings overridden at run time (GPUTILE, CPUTILE, ...). */
    private static String key(Scheduler.KernelItem item, Device device, String graph) {
        return device.name() + (device.capabilities().groupsReductions() ? " grouped" : "") + " " + ScheduleCache.settings() + "\n"
                + java.util.Arrays.toString(item.kernel().outShape()) + item.kernel().argTypes() + "\n" + graph;
    }

    /**
     * Lowers, compiles (BEAM searching where enabled) and launches one scheduled kernel; null for an empty output.
     * {@code graph} is its graph's text where {@link #prepare} made it already, else null.
     */
    private static Lowered run(Scheduler.KernelItem item, String graph, int debug) {
        LazyBuffer out = item.out();
        Device device = Devices.get(out.device);
        if (out.numel() == 0) { // nothing to compute: an empty buffer
            out.setRealized(new Buffer(device, out.dtype, 0));
            return null;
        }
        if (graph == null) graph = KNode.describe(item.kernel().root());
        String key = key(item, device, graph);
        Lowering.Rendered r = lowering(key, item, device);
        LinearKernel lk = r.linear();
        traceSource(lk, graph, r, debug);
        long compiles = Counters.compileCount(), hits = Counters.cacheHitCount();
        long tc = System.nanoTime();
        Program p = device.compile(lk.name(), r.source());
        if (debug >= 1) {
            if (Counters.compileCount() > compiles) Trace.out().printf("compiled %s in %.1f ms%n", lk.name(), (System.nanoTime() - tc) * 1e-6);
            else if (Counters.cacheHitCount() > hits) Trace.out().printf("loaded %s from the compile cache%n", lk.name());
        }
        Buffer[] buffers = bind(out, item.inputs(), device, lk.name());
        if (Beam.enabled(device) && !beamed.containsKey(key)) {
            RawBuffer[] args = new RawBuffer[buffers.length];
            for (int i = 0; i < args.length; i++) args[i] = buffers[i].raw();
            Lowering.Rendered best = Beam.pick(item.kernel(), graph, device, r, args, debug);
            beamed.put(key, best);
            rendered.put(key, best);
            if (best != r) {
                r = best;
                p = device.compile(r.linear().name(), r.source());
            }
        } else if (Beam.enabled(device)) {
            r = beamed.get(key);
            p = device.compile(r.linear().name(), r.source());
        }
        int[][] dims = dims(r.linear(), device);
        Lowered lowered = new Lowered(device, r, p, graph, dims[0], dims[1], out.dtype, (int) out.numel(),
                r.linear().plan().describe());
        launch(out, buffers, lowered, debug);
        return lowered;
    }

    /**
     * Launches a kernel a cached plan lowered before, on this graph's buffers: a pending node of the walk is
     * realized with its output, a temporary's output is kept in {@code temps} for the steps that read it.
     */
    private static void launchPlanned(ScheduleCache.KernelStep k, ScheduleCache.Walk walk, Buffer[] temps, int debug) {
        Lowered l = k.lowered();
        // No plan holds an empty output (ScheduleCache.plan keeps none), and shapes are part of its key.
        traceSource(l.rendered().linear(), l.graph(), l.rendered(), debug);
        ScheduleCache.Ref outRef = k.out();
        List<ScheduleCache.Ref> in = k.inputs();
        Buffer[] buffers = new Buffer[in.size() + 1];
        for (int i = 0; i < in.size(); i++) {
            ScheduleCache.Ref r = in.get(i);
            buffers[i + 1] = r.kind() == ScheduleCache.Ref.Kind.TEMP ? temps[r.index()] : uploaded(r.in(walk));
        }
        buffers[0] = new Buffer(l.device(), l.outType(), l.outCount());
        boolean temp = outRef.kind() == ScheduleCache.Ref.Kind.TEMP;
        launch(temp ? null : outRef.in(walk), buffers, l, debug);
        if (temp) temps[outRef.index()] = buffers[0];
    }

    private static void traceSource(LinearKernel lk, String graph, Lowering.Rendered r, int debug) {
        if (debug >= 5) {
            Trace.out().println("--- graph of " + lk.name() + "\n" + graph + "--- linearized\n" + r.listing());
        }
        if (debug >= 4) Trace.out().println(r.source());
    }

    /** The kernel's buffers: a new output buffer first, then each input's (uploaded if pending), all on {@code device}. */
    private static Buffer[] bind(LazyBuffer out, List<LazyBuffer> inputs, Device device, String kernel) {
        Buffer[] buffers = new Buffer[inputs.size() + 1];
        buffers[0] = new Buffer(device, out.dtype, (int) out.numel());
        for (int i = 0; i < inputs.size(); i++) {
            LazyBuffer in = inputs.get(i);
            if (!in.device.equals(out.device)) {
                throw new DeviceException(kernel + ": input " + in + " is on " + in.device + " but the kernel runs on "
                        + out.device + "; move it with to(\"" + out.device + "\")");
            }
            buffers[i + 1] = uploaded(in);
        }
        return buffers;
    }

    /** Launches, logs and traces a lowered kernel on its buffers (0: the output), then realizes {@code out} (null: a temporary). */
    private static void launch(LazyBuffer out, Buffer[] buffers, Lowered l, int debug) {
        Device device = l.device();
        LinearKernel lk = l.rendered().linear();
        RawBuffer[] args = new RawBuffer[buffers.length];
        long bytes = 0;
        for (int i = 0; i < args.length; i++) {
            args[i] = buffers[i].raw();
            bytes += buffers[i].bytes();
        }
        double seconds = device.launch(l.program(), args, l.global(), l.local(), Trace.timed());
        Counters.kernelLaunched();
        KernelLog.Entry e = KernelLog.add("kernel", lk.name(), device.name(), l.global(), l.local(), seconds, lk.flops(), bytes,
                lk.fusedOps(), l.planWords(), l.rendered().source(), l.graph(), l.rendered().listing());
        if (recorder != null) recorder.kernel(device, l.program(), l.global(), l.local(), buffers, e);
        if (buffers[0].dtype.isFloat() && Settings.CHECKNAN.getInt() > 0) checkFinite(lk, device, buffers[0]);
        if (out != null) {
            out.setComputed(buffers[0]);
            computed.add(out);
        }
        if (debug >= 2) {
            cumulativeSeconds += Double.isNaN(seconds) ? 0 : seconds;
            Trace.out().printf("*** %-10s %5d %-28s arg %2d  tm %10.2fus/%10.2fms (%9.2f GFLOPS %8.2f GB/s) %s%n",
                    device.name(), Counters.kernelCount(), lk.name(), args.length, seconds * 1e6, cumulativeSeconds * 1e3,
                    e.gflops(), e.gbps(), lk.fusedOps());
        }
        if (debug >= 3) {
            Trace.out().println("    global " + java.util.Arrays.toString(l.global()) + " local " + (l.local() == null ? "-" : java.util.Arrays.toString(l.local())) + " lanes " + lk.lanes() + " opts " + lk.plan());
        }
    }

    /** CHECKNAN=1: every float kernel's output is read back and must hold no NaN or infinity. */
    private static void checkFinite(LinearKernel lk, Device device, Buffer out) {
        Object v = out.copyOut();
        for (int i = 0; i < out.count; i++) {
            double x = out.dtype.read(v, i);
            if (!Double.isFinite(x)) {
                throw new ArithmeticException("CHECKNAN: kernel " + lk.name() + " " + lk.fusedOps() + " on " + device.name() + " wrote "
                        + (out.dtype == DType.FLOAT64 ? String.valueOf(x) : String.valueOf((float) x)) + " at element " + i + " of " + out.count + " (set CHECKNAN=0 to turn this check off)");
            }
        }
    }

    /** Rendered choices by kernel, once BEAM search picked them (this process). */
    private static final Map<String, Lowering.Rendered> beamed = new ConcurrentHashMap<>();

    /** Forgets this process's rendered kernels and BEAM choices (the disk caches stay): as a fresh process starts. */
    public static void forgetRendered() {
        rendered.clear();
        beamed.clear();
        ScheduleCache.clear();
    }

    /**
     * {global, local} for a launch. A grouped reduction runs one work-group per output, a staged one one per block.
     * Otherwise GPUs (and tiled
     * kernels) get work-groups of a fixed size (the kernel ignores the rounded-up tail), and CPUs let the device
     * choose.
     */
    static int[][] dims(LinearKernel lk, Device device) {
        if (lk.group() > 0) return new int[][]{{lk.global() * lk.group()}, {lk.group()}};
        if (lk.block() > 0) return new int[][]{{lk.global()}, {lk.block()}};
        boolean groups = (device.isGpu() || (lk.plan().has(Opt.Kind.LOCAL) && device.capabilities().workGroups()))
                && lk.global() <= Integer.MAX_VALUE - GPU_GROUP;
        return new int[][]{{groups ? (lk.global() + GPU_GROUP - 1) / GPU_GROUP * GPU_GROUP : lk.global()},
                groups ? new int[]{GPU_GROUP} : null};
    }

    static String humanBytes(long b) {
        if (b < 1024) return b + " B";
        if (b < 1 << 20) return String.format("%.2f KB", b / 1024.0);
        if (b < 1 << 30) return String.format("%.2f MB", b / (1024.0 * 1024));
        return String.format("%.2f GB", b / (1024.0 * 1024 * 1024));
    }

}
