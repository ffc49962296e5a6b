// What the kernel's magics call in the engine's JVM around a cell: trace capture, kernel reports, %time output.
package dev.jtiny.kernel.engine;

import dev.jtiny.magics.DebugTrace;
import dev.jtiny.magics.KernelsReport;
import dev.jtiny.magics.Magics;
import dev.jtiny.magics.TimeResult;
import dev.jtiny.magics.TimeitOptions;
import dev.jtiny.magics.TimeitResult;
import dev.jtiny.runtime.KernelLog;
import java.util.concurrent.Callable;

/**
 * Static, because the kernel reaches the engine only through snippets it evaluates ({@code
 * dev.jtiny.kernel.engine.CellHooks.traceEnd();}); each method is one such call. The results go to the notebook through
 * {@link Display#display} or standard output, as IPython's magics print.
 */
public final class CellHooks {
    private static DebugTrace.Capture trace;
    private static long kernelsMark = -1;

    private CellHooks() {}

    /** Starts collecting the DEBUG trace at {@code level} (a cell under %debug or %%debug). */
    public static void traceBegin(int level) {
        if (trace != null) trace.stop();
        trace = DebugTrace.start(level);
    }

    /** Stops collecting and shows the trace, when there is one. */
    public static void traceEnd() {
        DebugTrace.Capture c = trace;
        trace = null;
        if (c == null) return;
        DebugTrace t = c.stop();
        if (!t.text().isBlank()) Display.display(t);
    }

    /** %%kernels: remembers where the cell's kernels start. */
    public static void kernelsBegin() { kernelsMark = KernelLog.mark(); }

    /** %%kernels: shows the kernels since {@link #kernelsBegin()}. */
    public static void kernelsEnd(String options) {
        long from = kernelsMark;
        kernelsMark = -1;
        if (from >= 0) Display.display(Magics.kernelsBetween(from, KernelLog.mark(), options));
    }

    /** %kernels: the kernels of the snippets {@code ids} (the previous cell's). */
    public static KernelsReport kernelsOf(String options, String... ids) {
        long[] m = EngineAgent.marks(ids);
        return Magics.kernelsBetween(m[0], m[1], options);
    }

    /** %time and %%time: prints IPython's CPU and wall times and returns the body's value (the cell's result). */
    public static Object time(Callable<?> body) throws Exception {
        TimeResult r = Magics.time(body);
        System.out.println(r.text());
        return r.value();
    }

    /** %timeit and %%timeit without -o: prints the result line (unless -q); the cell shows no value. */
    public static void timeitPrint(String options, Callable<?> body) throws Exception { timeit(options, body); }

    /** %timeit and %%timeit: prints the result line (unless -q) and returns the result with -o. */
    public static Object timeit(String options, Callable<?> body) throws Exception {
        TimeitOptions o = TimeitOptions.parse(options);
        TimeitResult r = dev.jtiny.magics.Timing.timeit(o, body);
        if (!o.quiet()) System.out.println(r.text());
        return o.returnResult() ? r : null;
    }
}
