// Where the DEBUG trace goes: standard output, unless a magic collects it for a notebook cell.
package dev.jtiny.runtime;

import java.io.PrintStream;

public final class Trace {
    private static volatile PrintStream sink;

    private Trace() {}

    /** The stream the DEBUG trace is printed to now: the installed sink, else {@code System.out}. */
    public static PrintStream out() {
        PrintStream s = sink;
        return s != null ? s : System.out;
    }

    /** Sends the trace to {@code s} until the next call; null sends it back to {@code System.out}. */
    public static void to(PrintStream s) { sink = s; }

    /**
     * Whether launches are timed: at DEBUG 2 and above, or while PROFILE=1 (benchmarks time kernels without
     * printing a trace).
     */
    public static boolean timed() { return Config.debug() >= 2 || Settings.PROFILE.getInt() > 0; }
}
