// %%debug N: the runtime's DEBUG trace of one cell, collected instead of printed, shown as text or HTML.
package dev.jtiny.magics;

import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.KernelLog;
import dev.jtiny.runtime.Settings;
import dev.jtiny.runtime.Trace;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Collects the DEBUG trace between {@link #start} and {@link Capture#stop}:
 * <pre>{@code
 * DebugTrace.Capture c = DebugTrace.start(4);
 * try { x.mul(2).sum().realize(); } finally { trace = c.stop(); }
 * }</pre>
 * While a capture runs the trace goes to memory only, not to {@code System.out}. The HTML form shows the trace in a
 * monospace block; at level 4 and above the kernel sources in it are highlighted (the kernel log holds the exact
 * source text the trace printed, which is how they are found).
 */
public final class DebugTrace implements Rendered {
    private final int level;
    private final String text;
    private final List<KernelLog.Entry> entries;

    private DebugTrace(int level, String text, List<KernelLog.Entry> entries) {
        this.level = level;
        this.text = text;
        this.entries = entries;
    }

    /** Sets DEBUG to {@code level} and sends the trace to memory until {@link Capture#stop}. */
    public static Capture start(int level) {
        if (level < 0) throw new IllegalArgumentException("debug: level " + level + " is negative; expected 0 to 5");
        return new Capture(level);
    }

    /** Runs {@code body} at DEBUG {@code level} and returns its trace (restoring the level and sink even if it throws). */
    public static DebugTrace capture(int level, Runnable body) {
        Capture c = start(level);
        try {
            body.run();
        } finally {
            c.stop();
        }
        return c.stop();
    }

    /** A capture in progress; {@link #stop} (or close) restores the previous DEBUG level and trace sink. */
    public static final class Capture implements AutoCloseable {
        private final int level;
        private final Config.Scope debug;
        private final PrintStream previousSink;
        private final boolean sinkWasDefault;
        private final long mark;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final PrintStream sink = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        private DebugTrace result;

        private Capture(int level) {
            this.level = level;
            previousSink = Trace.out();
            sinkWasDefault = previousSink == System.out;
            mark = KernelLog.mark();
            debug = Settings.DEBUG.override(level);
            Trace.to(sink);
        }

        public int level() { return level; }

        /** Restores DEBUG and the trace sink and returns what was traced; later calls return the same trace. */
        public synchronized DebugTrace stop() {
            if (result != null) return result;
            Trace.to(sinkWasDefault ? null : previousSink);
            debug.close();
            sink.flush();
            result = new DebugTrace(level, bytes.toString(StandardCharsets.UTF_8), KernelLog.since(mark));
            return result;
        }

        @Override public void close() { stop(); }
    }

    public int level() { return level; }

    /** Kernel-log entries (kernels and copies) recorded while the capture ran. */
    public List<KernelLog.Entry> entries() { return entries; }

    /** Exactly what the runtime printed. */
    @Override public String text() { return text; }

    @Override public String toString() { return text; }

    @Override public Map<String, String> richForms() { return Map.of("text/html", html()); }

    public String html() {
        StringBuilder h = new StringBuilder("<pre class=\"jtiny-debug\" style=\"font-family:monospace;font-size:12px;"
                + "line-height:1.35;background:#fafafa;border:1px solid #e0e0e0;padding:6px;overflow-x:auto\">");
        if (text.isEmpty()) {
            h.append("<i style=\"color:#888\">DEBUG=").append(level).append(": nothing was traced</i>");
            return h.append("</pre>\n").toString();
        }
        int cursor = 0;
        if (level >= 4) {
            for (KernelLog.Entry e : entries) {
                String src = e.source();
                if (!"kernel".equals(e.kind()) || src == null || src.isBlank()) continue;
                int at = text.indexOf(src, cursor);
                if (at < 0) continue; // not printed while capturing (e.g. DEBUG changed inside the cell)
                plain(h, text.substring(cursor, at));
                h.append("<span style=\"display:block;background:#f3f6fa;border-left:3px solid #9db4d0;padding-left:6px\">")
                        .append(SourceHighlighter.html(src, SourceHighlighter.languageOf(e.device())))
                        .append("</span>");
                cursor = at + src.length();
            }
        }
        plain(h, text.substring(cursor));
        return h.append("</pre>\n").toString();
    }

    /** Escaped trace text with the per-launch lines ("*** ") in bold. */
    private static void plain(StringBuilder h, String s) {
        int i = 0;
        while (i < s.length()) {
            int nl = s.indexOf('\n', i);
            int end = nl < 0 ? s.length() : nl + 1;
            String line = s.substring(i, end);
            if (line.startsWith("*** ")) {
                String body = line.endsWith("\n") ? line.substring(0, line.length() - 1) : line;
                h.append("<b>").append(SourceHighlighter.escape(body)).append("</b>").append(line.endsWith("\n") ? "\n" : "");
            } else {
                h.append(SourceHighlighter.escape(line));
            }
            i = end;
        }
    }
}
