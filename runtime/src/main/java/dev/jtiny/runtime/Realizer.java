// Runs a schedule: linearize, render, compile (cached), allocate, launch, log and trace each kernel.
package dev.jtiny.runtime;

import dev.jtiny.runtime.codegen.KNode;
import dev.jtiny.runtime.codegen.LinearKernel;
import dev.jtiny.runtime.codegen.KernelOptimizer;
import dev.jtiny.runtime.codegen.Renderer;
import dev.jtiny.runtime.device.Device;
import dev.jtiny.runtime.device.DeviceException;
import dev.jtiny.runtime.device.Program;
import dev.jtiny.runtime.device.RawBuffer;

import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

public final class Realizer {
    /** Work items per group on GPUs; a tiled kernel ({@code KernelOptimizer.TILE_ITEMS} squared) relies on it. */
    private static final int GPU_GROUP = 256;
    private static double cumulativeSeconds;
    /** Rendered kernels by (device, kernel graph text): a re-run of the same graph skips codegen. */
    private static final Map<String, Rendered> rendered = new ConcurrentHashMap<>();

    record Rendered(LinearKernel linear, String source, String symbol) {}

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

    private Realizer() {}

    /** Computes every given node that is not realized yet, with as few kernels as the scheduler allows. */
    public static synchronized void realize(List<LazyBuffer> outputs) {
        long t0 = System.nanoTime();
        List<Scheduler.Item> items = Scheduler.schedule(outputs);
        int debug = Config.debug();
        if (debug >= 1 && !items.isEmpty()) {
            long kernels = items.stream().filter(i -> i instanceof Scheduler.KernelItem).count();
            Trace.out().printf("scheduled %d kernel%s in %.2f ms%n", kernels, kernels == 1 ? "" : "s", (System.nanoTime() - t0) * 1e-6);
        }
        for (Scheduler.Item item : items) {
            switch (item) {
                case Scheduler.KernelItem k -> run(k, debug);
                case Scheduler.CopyItem c -> copy(c, debug);
            }
        }
        // Views of pending host uploads need no kernel, but their data must reach the device.
        for (LazyBuffer o : outputs) uploaded(o.base);
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

    private static void copy(Scheduler.CopyItem c, int debug) {
        Buffer src = uploaded(c.src().base);
        Device dst = Devices.get(c.out().device);
        long t0 = System.nanoTime();
        Object host = src.copyOut();
        Buffer out = new Buffer(dst, c.out().dtype, (int) c.out().numel());
        out.copyIn(host);
        c.out().setRealized(out);
        if (recorder != null) recorder.copy(src, out);
        traceCopy(src.device.name(), dst.name(), out.bytes(), (System.nanoTime() - t0) * 1e-9, debug);
    }

    private static void traceCopy(String from, String to, long bytes, double seconds, int debug) {
        KernelLog.add("copy", "copy " + from + " -> " + to, to, new int[]{(int) (bytes)}, null, seconds, 0, bytes,
                List.of(), List.of(), "", "", "");
        if (debug >= 2) {
            Trace.out().printf("*** %-10s copy %10s  %s -> %s  tm %10.2fus%n", to, humanBytes(bytes), from, to, seconds * 1e6);
        }
    }

    private static void run(Scheduler.KernelItem item, int debug) {
        LazyBuffer out = item.out();
        Device device = Devices.get(out.device);
        if (out.numel() == 0) { // nothing to compute: an empty buffer
            out.setRealized(new Buffer(device, out.dtype, 0));
            return;
        }
        String graph = KNode.describe(item.kernel().root());
        String key = device.language() + (groupsReductions(device) ? " grouped" : "") + "\n"
                + java.util.Arrays.toString(item.kernel().outShape()) + item.kernel().argTypes() + "\n" + graph;
        Rendered r = rendered.computeIfAbsent(key, g -> render(item, device));
        LinearKernel lk = r.linear();
        if (debug >= 5) {
            Trace.out().println("--- graph of " + lk.name() + "\n" + graph + "--- linearized\n" + lk.listing());
        }
        if (debug >= 4) Trace.out().println(r.source());
        long compiles = Counters.compileCount(), hits = Counters.cacheHitCount();
        long tc = System.nanoTime();
        Program p = device.compile(lk.name(), r.source());
        if (debug >= 1) {
            if (Counters.compileCount() > compiles) Trace.out().printf("compiled %s in %.1f ms%n", lk.name(), (System.nanoTime() - tc) * 1e-6);
            else if (Counters.cacheHitCount() > hits) Trace.out().printf("loaded %s from the compile cache%n", lk.name());
        }

        RawBuffer[] args = new RawBuffer[item.inputs().size() + 1];
        Buffer[] buffers = new Buffer[args.length];
        Buffer outBuf = new Buffer(device, out.dtype, (int) out.numel());
        args[0] = outBuf.raw();
        buffers[0] = outBuf;
        long bytes = outBuf.bytes();
        for (int i = 0; i < item.inputs().size(); i++) {
            LazyBuffer in = item.inputs().get(i);
            if (!in.device.equals(out.device)) {
                throw new DeviceException(lk.name() + ": input " + in + " is on " + in.device + " but the kernel runs on "
                        + out.device + "; move it with to(\"" + out.device + "\")");
            }
            Buffer b = uploaded(in);
            args[i + 1] = b.raw();
            buffers[i + 1] = b;
            bytes += b.bytes();
        }
        if (Beam.enabled(device) && !beamed.containsKey(key)) {
            Rendered best = Beam.pick(item.kernel(), graph, device, r, args, debug);
            beamed.put(key, best);
            rendered.put(key, best);
            if (best != r) {
                r = best;
                lk = r.linear();
                p = device.compile(lk.name(), r.source());
            }
        } else if (Beam.enabled(device)) {
            r = beamed.get(key);
            lk = r.linear();
            p = device.compile(lk.name(), r.source());
        }
        int[][] dims = dims(lk, device);
        int[] global = dims[0], local = dims[1];
        double seconds = device.launch(p, args, global, local, Trace.timed());
        Counters.kernelLaunched();
        KernelLog.Entry e = KernelLog.add("kernel", lk.name(), device.name(), global, local, seconds, lk.flops(), bytes,
                lk.fusedOps(), lk.opts(), r.source(), graph, lk.listing());
        if (recorder != null) recorder.kernel(device, p, global, local, buffers, e);
        if (out.dtype.isFloat() && Config.getInt("CHECKNAN", 0) > 0) checkFinite(lk, device, outBuf);
        out.setRealized(outBuf);
        if (debug >= 2) {
            cumulativeSeconds += Double.isNaN(seconds) ? 0 : seconds;
            Trace.out().printf("*** %-10s %5d %-28s arg %2d  tm %10.2fus/%10.2fms (%9.2f GFLOPS %8.2f GB/s) %s%n",
                    device.name(), Counters.kernelCount(), lk.name(), args.length, seconds * 1e6, cumulativeSeconds * 1e3,
                    e.gflops(), e.gbps(), lk.fusedOps());
        }
        if (debug >= 3) {
            Trace.out().println("    global " + java.util.Arrays.toString(global) + " local " + (local == null ? "-" : java.util.Arrays.toString(local)) + " lanes " + lk.lanes() + " opts " + lk.opts());
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
    private static final Map<String, Rendered> beamed = new ConcurrentHashMap<>();

    /** Forgets this process's rendered kernels and BEAM choices (the disk caches stay): as a fresh process starts. */
    public static void forgetRendered() {
        rendered.clear();
        beamed.clear();
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
        boolean groups = (device.isGpu() || lk.opts().stream().anyMatch(o -> o.startsWith("tile")))
                && lk.global() <= Integer.MAX_VALUE - GPU_GROUP;
        return new int[][]{{groups ? (lk.global() + GPU_GROUP - 1) / GPU_GROUP * GPU_GROUP : lk.global()},
                groups ? new int[]{GPU_GROUP} : null};
    }

    /**
     * Whether reductions may run as one work-group per output: on GPUs, unless GROUPREDUCE=0; GROUPREDUCE=1 forces
     * it on any OpenCL device (so CPU OpenCL, as in CI, tests the grouped code).
     */
    static boolean groupsReductions(Device device) {
        int setting = Config.getInt("GROUPREDUCE", -1);
        if (!device.language().equals("opencl") || setting == 0) return false;
        return setting > 0 || device.isGpu();
    }

    private static Rendered render(Scheduler.KernelItem item, Device device) {
        return render(KernelOptimizer.optimize(item.kernel(), device.preferredLanes(), groupsReductions(device),
                device.computeUnits()), device);
    }

    static Rendered render(LinearKernel lk, Device device) {
        Renderer renderer = Renderer.forLanguage(device.language());
        String symbol = lk.name();
        String source = renderer.render(lk, symbol);
        if (device.language().equals("java")) {
            // Java classes need unique names; the hash ties the name to the code.
            byte[] h;
            try {
                h = java.security.MessageDigest.getInstance("SHA-256").digest(source.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } catch (java.security.NoSuchAlgorithmException ex) {
                throw new IllegalStateException(ex);
            }
            symbol = lk.name() + "_" + HexFormat.of().formatHex(h, 0, 6);
            source = renderer.render(lk, symbol);
        }
        return new Rendered(lk, source, symbol);
    }

    static String humanBytes(long b) {
        if (b < 1024) return b + " B";
        if (b < 1 << 20) return String.format("%.2f KB", b / 1024.0);
        if (b < 1 << 30) return String.format("%.2f MB", b / (1024.0 * 1024));
        return String.format("%.2f GB", b / (1024.0 * 1024 * 1024));
    }

}
