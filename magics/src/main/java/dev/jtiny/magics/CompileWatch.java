// Reads the runtime's DEBUG=1 trace while a bench warms up: the "compiled NAME in X ms" lines are where the runtime
// reports what compiling took, so the report can show compile time apart from run time.
package dev.jtiny.magics;

import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.Settings;
import dev.jtiny.runtime.Trace;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

final class CompileWatch implements AutoCloseable {
    private static final Pattern COMPILED = Pattern.compile("^compiled (\\S+) in ([0-9.]+) ms$");
    private static final Pattern LOADED = Pattern.compile("^loaded (\\S+) from the compile cache$");

    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private final PrintStream previous;
    private final Config.Scope debug;

    private CompileWatch() {
        // Trace.out() is System.out when no sink is installed; restoring null then keeps following System.out,
        // which a notebook kernel swaps per cell.
        PrintStream current = Trace.out();
        previous = current == System.out ? null : current;
        boolean userTrace = Config.debug() >= 1;
        // At the user's own DEBUG level the trace still reaches them; otherwise DEBUG=1 is raised for the watch only.
        debug = userTrace ? null : Settings.DEBUG.override(1);
        OutputStream sink = userTrace ? new Tee(captured, current) : captured;
        Trace.to(new PrintStream(sink, true, StandardCharsets.UTF_8));
    }

    static CompileWatch start() { return new CompileWatch(); }

    @Override public void close() {
        Trace.to(previous);
        if (debug != null) debug.close();
    }

    /** What the trace reported so far, in order. */
    List<BenchReport.Compiled> compiled() {
        List<BenchReport.Compiled> out = new ArrayList<>();
        for (String line : captured.toString(StandardCharsets.UTF_8).split("\\R")) {
            Matcher m = COMPILED.matcher(line.strip());
            if (m.matches()) {
                out.add(new BenchReport.Compiled(m.group(1), Double.parseDouble(m.group(2)) * 1e-3, false));
                continue;
            }
            m = LOADED.matcher(line.strip());
            if (m.matches()) out.add(new BenchReport.Compiled(m.group(1), Double.NaN, true));
        }
        return out;
    }

    private static final class Tee extends OutputStream {
        private final OutputStream a, b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override public void write(int x) {
            try {
                a.write(x);
                b.write(x);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override public void write(byte[] buf, int off, int len) {
            try {
                a.write(buf, off, len);
                b.write(buf, off, len);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override public void flush() {
            try {
                b.flush();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
