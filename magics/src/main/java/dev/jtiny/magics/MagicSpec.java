// Every magic's name, form, usage, options and help: what %lsmagic, %help, completion and error messages show.
package dev.jtiny.magics;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One magic. {@code line}: usable as {@code %name} on a line of its own; {@code cell}: as {@code %%name} on a cell's
 * first line, applying to the rest of the cell. {@code options}: what completion offers after the name.
 */
public record MagicSpec(String name, boolean line, boolean cell, String usage, List<String> options, String help,
                        String java) {
    private static final Map<String, MagicSpec> ALL = new LinkedHashMap<>();

    static {
        add("debug", true, true, "%debug N  |  %%debug N", List.of("0", "1", "2", "3", "4", "5"),
                "The DEBUG trace in the cell's output; each level adds to the one below: 1 devices opened and \"scheduled N "
                        + "kernels\" per realize, 2 one '*** ' line per kernel launch and copy (time, GFLOPS, GB/s, fused "
                        + "ops), 3 launch dims and optimizations, 4 each kernel's source, 5 its input graph and linearized "
                        + "form (README, Configuration). %debug N sets it for every later cell, "
                        + "%debug 0 turns it off; %%debug N traces this cell only. At 4 and above each kernel's source is "
                        + "shown highlighted.", "Magics.debug(N), Magics.debug(N, () -> ...)");
        add("kernels", true, true, "%kernels [--source] [--graph] [--opts]  |  %%kernels [...]",
                List.of("--source", "--graph", "--opts", "--none"),
                "The kernels the previous cell ran (%kernels) or this cell runs (%%kernels): name, device, global/local "
                        + "dims, time, fused user ops, and the parts asked for (default --source). Sources are collapsed "
                        + "when there are more than 3.", "Magics.kernels(), Magics.kernels(\"--graph\", () -> ...)");
        add("bench", false, true, "%%bench [-n RUNS] [--warmup K] [--devices A,B]", List.of("-n", "--warmup", "--devices"),
                "Runs the cell RUNS times (default 10) after K warm-up runs (default 2), synchronised, its result "
                        + "realized; compile time is excluded and reported apart. A table per kernel (median/min/max, "
                        + "GFLOPS, GB/s, share, % of the device's calibrated peak) and a chart; --devices runs it on each "
                        + "device side by side. Variables declared in the cell stay local to it.",
                "Magics.bench(() -> ...), Magics.bench(\"-n 20 --devices JAVA,OPENCL\", () -> ...)");
        add("graph", true, false, "%graph EXPR", List.of(),
                "The lazy graph of a tensor expression and the kernels it will become, as a picture; computes nothing.",
                "Magics.graph(tensor)");
        add("devices", true, false, "%devices", List.of(),
                "The devices jtiny can use: name, platform, memory, compute units, calibrated peaks, and the default.",
                "Magics.devices()");
        add("device", true, false, "%device NAME", List.of("JAVA", "OPENCL", "OPENCL:0", "OPENCL:1"),
                "Makes NAME the default device for tensors created from now on.", "Magics.device(\"OPENCL:0\")");
        add("time", true, true, "%time EXPR  |  %%time", List.of(),
                "As IPython: runs once and prints CPU (user, sys) and wall time; the value is the cell's result. "
                        + "Tensors are realized, so lazy work is timed.", "Magics.time(() -> ...)");
        add("timeit", true, true, "%timeit [-n LOOPS] [-r REPEAT] [-p PRECISION] [-q] [-o] EXPR  |  %%timeit [...]",
                List.of("-n", "-r", "-p", "-q", "-o"),
                "As IPython: mean ± std. dev. of REPEAT runs (default 7) of LOOPS loops each (chosen so a run takes "
                        + "0.2 s when not given).", "Magics.timeit(() -> ...), Magics.timeit(\"-n 100 -r 5\", () -> ...)");
        add("beam", true, false, "%beam N", List.of("0", "2", "4", "8"),
                "Sets BEAM=N: each new kernel on an OpenCL device or on JAVA times up to 4N of its layouts (work-group sizes, "
                        + "register tiles, unrolling, lanes) on its own buffers and keeps the fastest, never slower than the "
                        + "heuristics' choice; the choice is cached on disk. 0: the heuristics alone.", "Magics.beam(N)");
        add("jit", true, false, "%jit on|off", List.of("on", "off"),
                "JIT=1 (on, the default): Jit.of(fn) captures the second call and replays its kernels; off runs "
                        + "jitted functions as written, for debugging.", "Magics.jit(true)");
        add("cache", true, false, "%cache [info|clear]", List.of("info", "clear"),
                "The on-disk compile cache: where it is and how big (info), or empty it (clear).", "Magics.cache(\"info\")");
        add("classpath", true, false, "%classpath PATH[:PATH...]", List.of(),
                "Adds jars or class folders to the running session.", "(kernel only)");
        add("maven", true, false, "%maven GROUP:ARTIFACT:VERSION [...]", List.of(),
                "Resolves artifacts and their runtime dependencies from Maven Central (through ~/.m2/repository) and "
                        + "adds them to the running session.", "(kernel only)");
        add("load", true, false, "%load FILE.jsh|FILE.java", List.of(),
                "Runs a JShell script or a Java source file in the session, as if it were this cell's code.",
                "(kernel only)");
        add("lsmagic", true, false, "%lsmagic", List.of(), "Lists the magics.", "Magics.lsmagic()");
        add("help", true, false, "%help [NAME]  |  %NAME?", List.of(), "Help for one magic, or for all of them.",
                "Magics.help(\"bench\")");
    }

    private static void add(String name, boolean line, boolean cell, String usage, List<String> options, String help,
                            String java) {
        ALL.put(name, new MagicSpec(name, line, cell, usage, options, help, java));
    }

    /** Every magic, in the order %lsmagic lists them. */
    public static List<MagicSpec> all() { return List.copyOf(ALL.values()); }

    /** The magic called {@code name}; an unknown one is an error that lists the known ones. */
    public static MagicSpec get(String name) {
        MagicSpec m = ALL.get(name);
        if (m == null) {
            throw new IllegalArgumentException("unknown magic %" + name + "; magics are " + names(true, true));
        }
        return m;
    }

    /** The names usable as line magics ({@code %x}) and/or cell magics ({@code %%x}), with their prefixes. */
    public static String names(boolean line, boolean cell) {
        return ALL.values().stream().flatMap(m -> Arrays.stream(new String[] {
                line && m.line ? "%" + m.name : null, cell && m.cell ? "%%" + m.name : null}))
                .filter(s -> s != null).collect(Collectors.joining(", "));
    }
}
