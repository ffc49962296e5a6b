// Every setting jtiny reads, declared once with its type, default and help: the README's table and ./jtiny help list these.
package dev.jtiny.runtime;

import java.util.List;

/** Read a setting with {@code Settings.DEBUG.getInt()}; users set them as environment variables or {@code Config.set}. */
public final class Settings {
    private Settings() {}

    public static final Setting<Integer> DEBUG = Setting.integer("DEBUG", 0,
            "trace level, each adding to the one below: 1 devices opened, 'scheduled N kernels' per realize, compiles; "
                    + "2 one '*** ' line per kernel launch and copy; 3 launch dims and optimizations; 4 each kernel's "
                    + "source; 5 its input graph and linearized statements");
    public static final Setting<String> DEVICE = Setting.text("DEVICE", null,
            "where new tensors live: JAVA, OPENCL or OPENCL:N (default: the first OpenCL GPU, else JAVA)");
    public static final Setting<Integer> BEAM = Setting.integer("BEAM", 0,
            "N > 0: on OpenCL, each new kernel's layout is chosen by timing up to 4N candidates; the pick is cached on disk");
    public static final Setting<Integer> BEAMSECONDS = Setting.integer("BEAMSECONDS", 60,
            "BEAM's time limit per kernel, in seconds");
    public static final Setting<Integer> BEAMKEEP = Setting.integer("BEAMKEEP", 12,
            "how many tile shapes the cost model passes to BEAM's search, each then tried with every unroll and block");
    public static final Setting<String> CACHEDIR = Setting.text("CACHEDIR", null,
            "where compiled kernels, BEAM picks and device peaks are cached (default ~/.cache/jtiny)");
    public static final Setting<Integer> CACHELEVEL = Setting.integer("CACHELEVEL", 1,
            "0 turns the disk cache off");
    public static final Setting<Integer> PROFILE = Setting.integer("PROFILE", 0,
            "1 times every launch (as DEBUG 2 does) without printing a trace");
    public static final Setting<Integer> CHECKNAN = Setting.integer("CHECKNAN", 0,
            "1 reads back every float kernel's output and stops at the first NaN or infinity, naming the kernel");
    public static final Setting<Integer> JIT = Setting.integer("JIT", 1,
            "0 makes Jit.of functions run as written (for debugging)");
    public static final Setting<Integer> SCHEDULECACHE = Setting.integer("SCHEDULECACHE", 1,
            "0 turns the schedule cache off, so every realize schedules and lowers its graph again");
    public static final Setting<Integer> GROUPREDUCE = Setting.integer("GROUPREDUCE", -1,
            "GPU layouts (work-group reductions, fused rows, register tiles): -1 on GPUs only, 0 off, 1 on any OpenCL device");
    public static final Setting<String> GPUTILE = Setting.text("GPUTILE", "",
            "force a matmul register tile (8x8, 4x4, ...; 0 off), for measuring");
    public static final Setting<String> CPUTILE = Setting.text("CPUTILE", "",
            "force a CPU register tile of rows x columns (4x24, 6x16, ...; 0 off), for measuring");
    public static final Setting<Integer> GPUUNROLL = Setting.integer("GPUUNROLL", 4,
            "the unroll of a register tile's reduction");
    public static final Setting<Integer> GPUSTAGE = Setting.integer("GPUSTAGE", 8,
            "the chunk a register tile stages through local memory (0 off, also for convolutions)");
    public static final Setting<Integer> GPUPREFETCH = Setting.integer("GPUPREFETCH", 0,
            "1 reads each staged chunk one ahead into registers, 2 into a second buffer, for measuring");
    public static final Setting<Integer> SPLITK = Setting.integer("SPLITK", -1,
            "split-k: -1 on GPUs where it pays, 0 off, N forces N parts on any device");
    public static final Setting<Integer> LDSPAD = Setting.integer("LDSPAD", 4,
            "floats of padding per row of a local-memory copy stored across the reduced axis (0 off; a multiple of 4 keeps "
                    + "float4 reads aligned)");
    public static final Setting<Integer> NOOPT = Setting.integer("NOOPT", 0,
            "reserved for turning the optimizer off; it has no effect yet");

    private static final List<Setting<?>> ALL = List.of(DEBUG, DEVICE, BEAM, BEAMSECONDS, BEAMKEEP, CACHEDIR, CACHELEVEL,
            PROFILE, CHECKNAN, JIT, SCHEDULECACHE, GROUPREDUCE, GPUTILE, CPUTILE, GPUUNROLL, GPUSTAGE, GPUPREFETCH, SPLITK, LDSPAD, NOOPT);

    /** Every setting, in the order the README lists them. */
    public static List<Setting<?>> all() { return ALL; }

    /** The setting named {@code name}, or an error that lists the names there are. */
    public static Setting<?> named(String name) {
        for (Setting<?> s : ALL) if (s.name().equals(name)) return s;
        throw new IllegalArgumentException("no setting named " + name + "; the settings are "
                + ALL.stream().map(Setting::name).toList());
    }
}
