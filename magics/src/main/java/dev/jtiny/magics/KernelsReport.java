// %kernels: the kernels a cell ran (name, dims, time, fused ops) with their source, graph or optimizations.
package dev.jtiny.magics;

import dev.jtiny.runtime.KernelLog;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A report over kernel-log entries, e.g. {@code KernelsReport.of(KernelLog.since(mark), EnumSet.of(Part.SOURCE))}.
 * Copies are not kernels: they are left out of {@link #kernelCount()} and listed on one line each after the kernels.
 */
public final class KernelsReport implements Rendered {
    /** What is shown for each kernel besides its summary line. */
    public enum Part {
        /** The generated source, as compiled. */
        SOURCE,
        /** The kernel's input graph and its linearized statements. */
        GRAPH,
        /** The optimizations the heuristics (or BEAM) chose. */
        OPTS
    }

    /** Beyond this many kernels the HTML shows each kernel's details collapsed. */
    static final int OPEN_DETAILS_UP_TO = 3;

    private final List<KernelLog.Entry> kernels;
    private final List<KernelLog.Entry> copies;
    private final Set<Part> parts;

    private KernelsReport(List<KernelLog.Entry> kernels, List<KernelLog.Entry> copies, Set<Part> parts) {
        this.kernels = kernels;
        this.copies = copies;
        this.parts = parts;
    }

    /** The given entries (oldest first, as the log holds them) with the chosen parts; an empty set shows summaries only. */
    public static KernelsReport of(List<KernelLog.Entry> entries, Set<Part> parts) {
        List<KernelLog.Entry> k = new ArrayList<>(), c = new ArrayList<>();
        for (KernelLog.Entry e : entries) ("copy".equals(e.kind()) ? c : k).add(e);
        Set<Part> p = parts.isEmpty() ? EnumSet.noneOf(Part.class) : EnumSet.copyOf(parts);
        return new KernelsReport(List.copyOf(k), List.copyOf(c), p);
    }

    /** The given entries with their source. */
    public static KernelsReport of(List<KernelLog.Entry> entries) { return of(entries, EnumSet.of(Part.SOURCE)); }

    /** Kernels logged after {@code mark} (a {@link KernelLog#mark()} taken earlier), with the chosen parts. */
    public static KernelsReport since(long mark, Set<Part> parts) { return of(KernelLog.since(mark), parts); }

    public int kernelCount() { return kernels.size(); }

    /** The kernel entries, copies excluded, oldest first. */
    public List<KernelLog.Entry> kernels() { return kernels; }

    public List<KernelLog.Entry> copies() { return copies; }

    public Set<Part> parts() { return Set.copyOf(parts); }

    // ------------------------------------------------------------------ text

    @Override public String text() {
        if (kernels.isEmpty() && copies.isEmpty()) return "no kernels ran";
        StringBuilder b = new StringBuilder(headline()).append('\n');
        for (int i = 0; i < kernels.size(); i++) {
            KernelLog.Entry e = kernels.get(i);
            b.append(summaryLine(i + 1, e)).append('\n');
            if (parts.contains(Part.OPTS)) {
                b.append("    opts: ").append(e.opts() == null || e.opts().isEmpty() ? "none" : String.join(", ", e.opts())).append('\n');
            }
            if (parts.contains(Part.GRAPH)) {
                b.append("--- input graph of ").append(e.name()).append('\n').append(withNewline(e.graph()));
                b.append("--- linearized\n").append(withNewline(e.linear()));
            }
            if (parts.contains(Part.SOURCE)) {
                b.append("--- source of ").append(e.name()).append('\n').append(withNewline(e.source()));
            }
            if ((i + 1 < kernels.size() || !copies.isEmpty()) && !parts.isEmpty()) b.append('\n');
        }
        for (KernelLog.Entry c : copies) b.append("copy  ").append(copyLine(c)).append('\n');
        return b.toString();
    }

    @Override public String toString() { return text(); }

    private String headline() {
        String s = kernels.size() + " kernel" + (kernels.size() == 1 ? "" : "s");
        double total = 0;
        boolean timed = !kernels.isEmpty();
        for (KernelLog.Entry e : kernels) {
            if (Double.isNaN(e.seconds())) timed = false;
            else total += e.seconds();
        }
        if (timed) s += " in " + time(total);
        if (!copies.isEmpty()) {
            long bytes = copies.stream().mapToLong(KernelLog.Entry::bytes).sum();
            s += ", " + copies.size() + " cop" + (copies.size() == 1 ? "y" : "ies") + " (" + bytes(bytes) + ")";
        }
        if (kernels.isEmpty()) s += "; no kernels ran";
        return s;
    }

    private static String summaryLine(int number, KernelLog.Entry e) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "#%-3d %-24s %-9s global %-10s local %-6s", number, e.name(), e.device(),
                dims(e.global()), dims(e.local())));
        if (!Double.isNaN(e.seconds())) {
            b.append(String.format(Locale.ROOT, " %10s %9.2f GFLOPS %8.2f GB/s", time(e.seconds()), e.gflops(), e.gbps()));
        } else {
            b.append(" (not timed)");
        }
        b.append(' ').append(e.fusedOps());
        return b.toString().replaceAll("\\s+$", "");
    }

    private static String copyLine(KernelLog.Entry c) {
        String name = c.name().startsWith("copy ") ? c.name().substring(5) : c.name();
        return name + "  " + bytes(c.bytes()) + (Double.isNaN(c.seconds()) ? "" : "  " + time(c.seconds()));
    }

    // ------------------------------------------------------------------ HTML

    @Override public Map<String, String> richForms() { return Map.of("text/html", html()); }

    public String html() {
        StringBuilder h = new StringBuilder("<div class=\"jtiny-kernels\" style=\"font-family:sans-serif;font-size:13px\">\n");
        if (kernels.isEmpty() && copies.isEmpty()) {
            return h.append("<p><i>no kernels ran</i></p>\n</div>\n").toString();
        }
        h.append("<p><b>").append(SourceHighlighter.escape(headline())).append("</b></p>\n");
        if (!kernels.isEmpty()) {
            String th = "<th style=\"text-align:left;padding:2px 8px;border-bottom:1px solid #999\">";
            String td = "<td style=\"padding:2px 8px;font-family:monospace\">";
            String tdr = "<td style=\"padding:2px 8px;font-family:monospace;text-align:right\">";
            h.append("<table style=\"border-collapse:collapse\">\n<tr>");
            for (String c : List.of("#", "kernel", "device", "global", "local", "time", "GFLOPS", "GB/s", "fused ops")) {
                h.append(th).append(c).append("</th>");
            }
            h.append("</tr>\n");
            for (int i = 0; i < kernels.size(); i++) {
                KernelLog.Entry e = kernels.get(i);
                boolean timed = !Double.isNaN(e.seconds());
                h.append("<tr>").append(tdr).append(i + 1).append("</td>")
                        .append(td).append("<b>").append(SourceHighlighter.escape(e.name())).append("</b></td>")
                        .append(td).append(SourceHighlighter.escape(e.device())).append("</td>")
                        .append(td).append(dims(e.global())).append("</td>")
                        .append(td).append(dims(e.local())).append("</td>")
                        .append(tdr).append(timed ? time(e.seconds()) : "&ndash;").append("</td>")
                        .append(tdr).append(timed ? fmt(e.gflops()) : "&ndash;").append("</td>")
                        .append(tdr).append(timed ? fmt(e.gbps()) : "&ndash;").append("</td>")
                        .append(td).append(SourceHighlighter.escape(String.join(", ", e.fusedOps()))).append("</td></tr>\n");
            }
            h.append("</table>\n");
        }
        if (!copies.isEmpty()) {
            h.append("<p style=\"color:#555\">copies: ");
            for (int i = 0; i < copies.size(); i++) {
                if (i > 0) h.append("; ");
                h.append(SourceHighlighter.escape(copyLine(copies.get(i))));
            }
            h.append("</p>\n");
        }
        if (!parts.isEmpty()) {
            boolean open = kernels.size() <= OPEN_DETAILS_UP_TO;
            String pre = "<pre style=\"background:#fafafa;border:1px solid #e0e0e0;padding:6px;margin:4px 0;"
                    + "font-family:monospace;font-size:12px;line-height:1.35;overflow-x:auto\">";
            for (int i = 0; i < kernels.size(); i++) {
                KernelLog.Entry e = kernels.get(i);
                h.append("<details").append(open ? " open" : "").append(">\n<summary><b>#").append(i + 1).append(' ')
                        .append(SourceHighlighter.escape(e.name())).append("</b> ")
                        .append(SourceHighlighter.escape(String.valueOf(e.fusedOps()))).append("</summary>\n");
                if (parts.contains(Part.OPTS)) {
                    h.append("<div style=\"font-family:monospace\">opts: ")
                            .append(SourceHighlighter.escape(e.opts() == null || e.opts().isEmpty() ? "none" : String.join(", ", e.opts())))
                            .append("</div>\n");
                }
                if (parts.contains(Part.GRAPH)) {
                    h.append("<div>input graph</div>").append(pre).append(SourceHighlighter.escape(nz(e.graph()))).append("</pre>\n");
                    h.append("<div>linearized</div>").append(pre).append(SourceHighlighter.escape(nz(e.linear()))).append("</pre>\n");
                }
                if (parts.contains(Part.SOURCE)) {
                    h.append(pre).append(SourceHighlighter.html(nz(e.source()).strip(), SourceHighlighter.languageOf(e.device())))
                            .append("</pre>\n");
                }
                h.append("</details>\n");
            }
        }
        return h.append("</div>\n").toString();
    }

    // ------------------------------------------------------------------ formatting

    static String dims(int[] d) {
        if (d == null) return "-";
        return Arrays.toString(d).replace(" ", "");
    }

    /** Seconds as µs below a millisecond, else ms, else s. */
    static String time(double s) {
        if (s < 1e-3) return String.format(Locale.ROOT, "%.2f us", s * 1e6);
        if (s < 1) return String.format(Locale.ROOT, "%.2f ms", s * 1e3);
        return String.format(Locale.ROOT, "%.3f s", s);
    }

    static String bytes(long b) {
        if (b < 1024) return b + " B";
        if (b < 1 << 20) return String.format(Locale.ROOT, "%.2f KB", b / 1024.0);
        if (b < 1 << 30) return String.format(Locale.ROOT, "%.2f MB", b / (1024.0 * 1024));
        return String.format(Locale.ROOT, "%.2f GB", b / (1024.0 * 1024 * 1024));
    }

    private static String fmt(double v) { return Double.isNaN(v) ? "&ndash;" : String.format(Locale.ROOT, "%.2f", v); }

    private static String nz(String s) { return s == null ? "" : s; }

    private static String withNewline(String s) {
        String t = nz(s);
        return t.isEmpty() || t.endsWith("\n") ? t : t + "\n";
    }
}
