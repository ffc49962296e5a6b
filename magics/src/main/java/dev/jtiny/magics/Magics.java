// The magics as plain Java calls: what `%debug`, `%%bench`, `%kernels` ... do in a notebook, a JShell script does
// with these. Each returns an object that prints as text and that a notebook renders as HTML, PNG or SVG.
package dev.jtiny.magics;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.Settings;
import dev.jtiny.runtime.engine.Devices;
import dev.jtiny.runtime.KernelLog;
import dev.jtiny.runtime.device.CompileCache;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

public final class Magics {
    /** Where {@link #kernels()} starts: the log's mark at the previous call. */
    private static volatile long kernelsMark = 0;

    private Magics() {}

    // ---- %debug

    /** %debug N: the DEBUG level from now on (0 turns the trace off); in a script the trace prints as it happens. */
    public static void debug(int level) {
        checkLevel(level);
        Config.set("DEBUG", level == 0 ? "0" : String.valueOf(level));
    }

    /** %%debug N: runs {@code body} at DEBUG {@code level} and returns its trace (the level is restored after). */
    public static DebugTrace debug(int level, Runnable body) {
        checkLevel(level);
        return DebugTrace.capture(level, body);
    }

    private static void checkLevel(int level) {
        if (level < 0 || level > 5) throw new IllegalArgumentException("debug: level " + level + " is not one of 0, 1, 2, 3, 4, 5");
    }

    // ---- %kernels

    /** The kernels launched since the previous call of this method (or since the start), with their sources. */
    public static KernelsReport kernels() { return kernels(""); }

    /** As {@link #kernels()}, with options {@code --source --graph --opts --none} choosing what each entry shows. */
    public static KernelsReport kernels(String options) {
        long from = kernelsMark;
        kernelsMark = KernelLog.mark();
        return KernelsReport.of(KernelLog.since(from), parts(options));
    }

    /** %%kernels: runs {@code body} (realizing a tensor it returns) and reports the kernels it launched. */
    public static KernelsReport kernels(String options, Callable<?> body) throws Exception {
        Set<KernelsReport.Part> parts = parts(options);
        long mark = KernelLog.mark();
        realize(body.call());
        kernelsMark = KernelLog.mark();
        return KernelsReport.of(KernelLog.since(mark), parts);
    }

    /** The kernels logged after sequence number {@code from} up to {@code to} (inclusive): the kernel's "previous cell". */
    public static KernelsReport kernelsBetween(long from, long to, String options) {
        Set<KernelsReport.Part> parts = parts(options);
        return KernelsReport.of(KernelLog.since(from).stream().filter(e -> e.seq() <= to).toList(), parts);
    }

    static Set<KernelsReport.Part> parts(String options) {
        var parts = EnumSet.noneOf(KernelsReport.Part.class);
        boolean none = false;
        for (String o : options == null ? new String[0] : options.strip().split("\\s+")) {
            switch (o) {
                case "" -> {}
                case "--source" -> parts.add(KernelsReport.Part.SOURCE);
                case "--graph" -> parts.add(KernelsReport.Part.GRAPH);
                case "--opts" -> parts.add(KernelsReport.Part.OPTS);
                case "--none" -> none = true;
                default -> throw new IllegalArgumentException("kernels: unknown option '" + o
                        + "'; valid options: --source, --graph, --opts, --none");
            }
        }
        if (parts.isEmpty() && !none) parts.add(KernelsReport.Part.SOURCE);
        return parts;
    }

    // ---- %%bench, %time, %timeit

    /** %%bench with the default options (10 runs after 2 warm-up runs, on the default device). */
    public static BenchReport bench(Callable<?> body) throws Exception { return Bench.run(BenchOptions.defaults(), body); }

    /** %%bench with options as the magic takes them: {@code "-n 20 --warmup 3 --devices JAVA,OPENCL"}. */
    public static BenchReport bench(String options, Callable<?> body) throws Exception {
        return Bench.run(BenchOptions.parse(options), body);
    }

    /** %time: one run, IPython's CPU and wall times; {@code value()} is what the body returned. */
    public static TimeResult time(Callable<?> body) throws Exception { return Timing.time(body); }

    /** %timeit with IPython's automatic loop count and 7 runs. */
    public static TimeitResult timeit(Callable<?> body) throws Exception { return Timing.timeit(body); }

    /** %timeit with options as the magic takes them: {@code "-n 100 -r 5"}. */
    public static TimeitResult timeit(String options, Callable<?> body) throws Exception {
        return Timing.timeit(TimeitOptions.parse(options), body);
    }

    // ---- %graph, %devices, %device

    /** %graph: the lazy graph of these tensors and the kernels it would become; computes nothing. */
    public static GraphView graph(Tensor... outputs) {
        if (outputs.length == 0) throw new IllegalArgumentException("graph: which tensor? e.g. %graph x.matmul(w).relu()");
        return GraphView.of(outputs);
    }

    /** %devices: the devices that can be used here, their figures and the default. */
    public static DevicesReport devices() { return DevicesReport.list(); }

    /** %device NAME: tensors created from now on live on NAME; an unknown name lists the available ones. */
    public static Note device(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("device: which one? available: " + String.join(", ", Devices.available()));
        }
        String canonical = Devices.canonical(name);
        if (!Devices.available().contains(canonical)) {
            throw new IllegalArgumentException("device: no device '" + name.strip() + "'; available: "
                    + String.join(", ", Devices.available()));
        }
        Devices.get(canonical); // opens it now, so that a broken driver is reported here
        Config.set("DEVICE", canonical);
        return new Note("default device: " + canonical);
    }

    // ---- %beam, %jit, %cache

    /** %beam N: BEAM=N, the search width for kernel optimization choices (0: the heuristics). */
    public static Note beam(int width) {
        if (width < 0) throw new IllegalArgumentException("beam: width " + width + " must be 0 (off) or positive");
        Config.set("BEAM", String.valueOf(width));
        return new Note("BEAM=" + width + (width == 0 ? " (heuristics only)"
                : ": each new kernel on an OpenCL device or on JAVA times up to " + 4 * width + " layouts on its buffers and keeps the "
                        + "fastest (cached on disk; DEBUG 2 shows the choices)"));
    }

    /** %jit on|off. */
    public static Note jit(boolean on) {
        Config.set("JIT", on ? "1" : "0");
        return new Note("JIT " + (on ? "on: Jit.of(fn) captures the second call and replays it"
                : "off: jitted functions run as written"));
    }

    /** %cache info|clear. */
    public static Note cache(String action) {
        String a = action == null || action.isBlank() ? "info" : action.strip();
        return switch (a) {
            case "info" -> new Note("compile cache " + CompileCache.dir() + ": " + CompileCache.count() + " files, "
                    + String.format(Locale.ROOT, "%.1f MB", CompileCache.sizeBytes() / 1e6)
                    + (Settings.CACHELEVEL.getInt() == 0 ? " (off: CACHELEVEL=0)" : ""));
            case "clear" -> new Note("compile cache " + CompileCache.dir() + ": removed " + CompileCache.clear() + " files");
            default -> throw new IllegalArgumentException("cache: unknown action '" + a + "'; valid: info, clear");
        };
    }

    // ---- %lsmagic, %help

    /** %lsmagic. */
    public static Note lsmagic() {
        return new Note("Line magics: " + MagicSpec.names(true, false) + "\nCell magics: " + MagicSpec.names(false, true)
                + "\n%help NAME (or %NAME?) explains one.");
    }

    /** %help NAME, or every magic when {@code name} is empty. */
    public static Note help(String name) {
        String n = name == null ? "" : name.strip().replaceFirst("^%+", "").replaceFirst("\\?$", "");
        List<MagicSpec> specs = n.isEmpty() ? MagicSpec.all() : List.of(MagicSpec.get(n));
        return new Note(specs.stream().map(m -> m.usage() + "\n    " + m.help() + "\n    Java: " + m.java())
                .collect(Collectors.joining("\n\n")));
    }

    /** A short answer of a magic (settings, help): monospace text in a notebook. */
    public record Note(String text) implements Rendered {
        @Override public Map<String, String> richForms() {
            return Map.of("text/html", "<pre>" + SourceHighlighter.escape(text) + "</pre>");
        }

        @Override public String toString() { return text; }
    }

    /** Realizes what a benchmarked or traced body returned: a tensor, an array or a collection of them. */
    static void realize(Object value) {
        switch (value) {
            case Tensor t -> t.realize();
            case Tensor[] ts -> Tensor.realize(ts);
            case java.util.Collection<?> c -> c.forEach(Magics::realize);
            case null, default -> {}
        }
    }
}
