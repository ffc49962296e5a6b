// What %%bench measured: per kernel and device the time per run (median, min, max), FLOP and byte rates, share of the
// kernel time and % of the device's peak; as aligned text, as HTML tables built from Tablesaw tables, and as a chart.
package dev.jtiny.magics;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

public final class BenchReport implements Rendered {
    private static final int CHART_KERNELS = 24;

    /**
     * One kernel (or copy) on one device, over the timed runs. Times are seconds per run; {@code callsPerRun} is the
     * mean number of launches per run; rates are per-run FLOPs and bytes over the median time (NaN when they do not
     * apply); {@code sharePercent} is this kernel's median over the sum of every kernel's median; {@code peakPercent}
     * is the higher of GB/s over the device's copy bandwidth ({@code bound} "mem") and GFLOPS over its multiply-add
     * rate ("alu"), NaN with an empty bound when the device's peaks are unknown.
     */
    public record Row(String device, String kernel, String kind, double callsPerRun, double medianSeconds, double minSeconds,
                      double maxSeconds, long flopsPerRun, long bytesPerRun, double gflops, double gbps, double sharePercent,
                      double peakPercent, String bound, List<String> fusedOps) {}

    /** A kernel made ready during warm-up: compiled from source (in {@code seconds}), or loaded from the disk cache. */
    public record Compiled(String kernel, double seconds, boolean fromCache) {}

    /**
     * Everything measured on one device. {@code total} sums the kernels of each run (its times are the median, min and
     * max of those sums); {@code kernelsPerRun} is what Counters counted; the wall times include building and
     * scheduling the graph. {@code compiled} lists what the warm-up's trace reported, {@code compiles} and
     * {@code cacheHits} what Counters counted during warm-up. {@code peaks} is null when calibration failed.
     */
    public record DeviceResult(String device, int runs, int warmup, List<Row> rows, Row total, double kernelsPerRun,
                               double medianWallSeconds, double minWallSeconds, double warmupSeconds, List<Compiled> compiled,
                               long compiles, long cacheHits, double compileSeconds, Peaks peaks, List<String> notes) {}

    /** A kernel's median time per run on each device (NaN where it did not run) and the ratio to the first device. */
    public record Comparison(String kernel, List<Double> medianSeconds, List<Double> ratios) {}

    /** The time unit of every time column of a report, chosen from its largest time. */
    private record Unit(String name, double scale, String pattern) {
        static Unit forSeconds(double s) {
            if (!(s >= 1e-3)) return new Unit("µs", 1e6, "0.0");
            if (s < 1) return new Unit("ms", 1e3, "0.000");
            return new Unit("s", 1, "0.000");
        }
    }

    private final BenchOptions options;
    private final List<DeviceResult> results;
    private final Unit unit;
    private String html;
    private byte[] png;

    BenchReport(BenchOptions options, List<DeviceResult> results) {
        this.options = options;
        this.results = List.copyOf(results);
        double largest = 0;
        for (DeviceResult r : results) largest = Math.max(largest, r.total().maxSeconds());
        this.unit = Unit.forSeconds(largest);
    }

    public BenchOptions options() { return options; }

    /** One result per device, in the order of the options (the first is what ratios compare to). */
    public List<DeviceResult> results() { return results; }

    public DeviceResult result(String device) {
        String d = dev.jtiny.runtime.engine.Devices.canonical(device);
        return results.stream().filter(r -> r.device().equals(d)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("bench: no result for " + device + "; measured: "
                        + results.stream().map(DeviceResult::device).toList()));
    }

    /** Every device's kernel rows in launch order (no total rows: see {@link DeviceResult#total()}). */
    public List<Row> rows() { return results.stream().flatMap(r -> r.rows().stream()).toList(); }

    /**
     * With several devices, one entry per kernel name (first device's launch order; copies to or from the device under
     * test are named with "device" in its place, so they line up) and a last "total"; else empty.
     */
    public List<Comparison> comparison() {
        if (results.size() < 2) return List.of();
        Map<String, double[]> byName = new LinkedHashMap<>();
        for (int d = 0; d < results.size(); d++) {
            for (Row row : results.get(d).rows()) {
                double[] t = byName.computeIfAbsent(label(results.get(d), row), k -> nans(results.size()));
                t[d] = Double.isNaN(t[d]) ? row.medianSeconds() : t[d] + row.medianSeconds();
            }
        }
        double[] totals = new double[results.size()];
        for (int d = 0; d < results.size(); d++) totals[d] = results.get(d).total().medianSeconds();
        byName.put("total", totals);
        List<Comparison> out = new ArrayList<>();
        byName.forEach((name, t) -> {
            List<Double> times = new ArrayList<>(), ratios = new ArrayList<>();
            for (double v : t) {
                times.add(v);
                ratios.add(v / t[0]);
            }
            out.add(new Comparison(name, List.copyOf(times), List.copyOf(ratios)));
        });
        return out;
    }

    /** The table this report shows first: the one device's kernels and total, or with several the side-by-side comparison. */
    public Table table() { return results.size() == 1 ? table(results.getFirst().device()) : comparisonTable(); }

    /** One device's kernels and a last "total" row, times in the report's unit. */
    public Table table(String device) {
        DeviceResult r = result(device);
        List<Row> rows = new ArrayList<>(r.rows());
        rows.add(r.total());
        Table t = Table.create("bench " + r.device());
        t.addColumns(StringColumn.create("kernel", rows.stream().map(Row::kernel).toList()));
        t.addColumns(num("calls", rows.stream().mapToDouble(Row::callsPerRun).toArray(), "0.##"));
        t.addColumns(num("median " + unit.name, times(rows, Row::medianSeconds), unit.pattern));
        t.addColumns(num("min " + unit.name, times(rows, Row::minSeconds), unit.pattern));
        t.addColumns(num("max " + unit.name, times(rows, Row::maxSeconds), unit.pattern));
        t.addColumns(num("GFLOPS", rows.stream().mapToDouble(Row::gflops).toArray(), "0.00"));
        t.addColumns(num("GB/s", rows.stream().mapToDouble(Row::gbps).toArray(), "0.00"));
        t.addColumns(num("share %", rows.stream().mapToDouble(Row::sharePercent).toArray(), "0.0"));
        t.addColumns(num("peak %", rows.stream().mapToDouble(Row::peakPercent).toArray(), "0.0"));
        t.addColumns(StringColumn.create("bound", rows.stream().map(Row::bound).toList()));
        t.addColumns(StringColumn.create("ops", rows.stream().map(x -> x.fusedOps().isEmpty() ? "" : String.join(" ", x.fusedOps())).toList()));
        return t;
    }

    /** Kernel, then each device's median time per run, then each later device's ratio to the first; last row "total". */
    public Table comparisonTable() {
        List<Comparison> cmp = comparison();
        Table t = Table.create("bench comparison");
        t.addColumns(StringColumn.create("kernel", cmp.stream().map(Comparison::kernel).toList()));
        for (int d = 0; d < results.size(); d++) {
            int i = d;
            t.addColumns(num(results.get(d).device() + " " + unit.name, cmp.stream().mapToDouble(c -> c.medianSeconds().get(i) * unit.scale).toArray(), unit.pattern));
        }
        for (int d = 1; d < results.size(); d++) {
            int i = d;
            t.addColumns(num(results.get(d).device() + " / " + results.getFirst().device(),
                    cmp.stream().mapToDouble(c -> c.ratios().get(i)).toArray(), "0.00"));
        }
        return t;
    }

    @Override public String text() {
        StringBuilder sb = new StringBuilder();
        for (DeviceResult r : results) {
            sb.append(caption(r)).append('\n');
            sb.append(ReportTable.text(table(r.device())));
            for (String line : footer(r)) sb.append(line).append('\n');
            sb.append('\n');
        }
        if (results.size() > 1) {
            sb.append("median time per run; ratios to ").append(results.getFirst().device()).append('\n');
            sb.append(ReportTable.text(comparisonTable()));
        }
        return sb.toString().stripTrailing() + "\n";
    }

    @Override public String toString() { return text(); }

    /** One table per device (one {@code <tr>} per kernel plus a total row), then the comparison table with several devices. */
    public synchronized String html() {
        if (html != null) return html;
        StringBuilder sb = new StringBuilder("<div class=\"jtiny-bench\">\n");
        for (DeviceResult r : results) {
            sb.append(ReportTable.html(table(r.device()), caption(r), true));
            List<String> foot = footer(r);
            if (!foot.isEmpty()) {
                sb.append("<p style=\"font-size:smaller\">");
                for (int i = 0; i < foot.size(); i++) sb.append(i > 0 ? "<br>" : "").append(ReportTable.escape(foot.get(i)));
                sb.append("</p>\n");
            }
        }
        if (results.size() > 1) {
            sb.append(ReportTable.html(comparisonTable(), "median time per run; ratios to " + results.getFirst().device(), true));
        }
        return html = sb.append("</div>\n").toString();
    }

    /**
     * The HTML with the chart inside it, because a notebook shows one form of a result, the richest it can render
     * (Jupyter Notebook and JupyterLab both prefer text/html to image/png), and the image/png form for clients that
     * take the picture alone.
     */
    @Override public Map<String, String> richForms() {
        Map<String, String> forms = new LinkedHashMap<>();
        byte[] image = png();
        String chart = image == null ? null : Base64.getEncoder().encodeToString(image);
        String html = html();
        if (chart != null) {
            String end = "</div>\n"; // html() closes its div last
            html = html.substring(0, html.length() - end.length())
                    + "<img class=\"jtiny-bench-chart\" alt=\"median time per run of each kernel\" src=\"data:image/png;base64,"
                    + chart + "\">\n" + end;
        }
        forms.put("text/html", html);
        if (chart != null) forms.put("image/png", chart);
        return forms;
    }

    /** A bar chart of the median time per run of each kernel (one series per device) as PNG, or null when no kernel ran. */
    public synchronized byte[] png() {
        if (png != null) return png;
        // Categories: the kernels in launch order; with many, the slowest of them, still in launch order.
        Map<String, Double> slowest = new LinkedHashMap<>();
        for (DeviceResult r : results) {
            for (Row row : r.rows()) slowest.merge(label(r, row), row.medianSeconds(), Math::max);
        }
        if (slowest.isEmpty()) return null;
        Set<String> shown = new LinkedHashSet<>(slowest.keySet());
        if (shown.size() > CHART_KERNELS) {
            Set<String> keep = new LinkedHashSet<>(slowest.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()))
                    .limit(CHART_KERNELS).map(Map.Entry::getKey).toList());
            shown.retainAll(keep);
        }
        List<String> names = List.copyOf(shown);
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
        CategoryChart chart = new CategoryChartBuilder().width(Math.max(480, 90 + 70 * names.size() * results.size())).height(420)
                .title("median time per run" + (results.size() == 1 ? " on " + results.getFirst().device() : "") + (names.size() < slowest.size() ? " (the " + names.size() + " slowest of " + slowest.size() + " kernels)" : ""))
                .xAxisTitle("kernel").yAxisTitle(unit.name).build();
        chart.getStyler().setXAxisLabelRotation(names.size() > 3 ? 45 : 0);
        chart.getStyler().setLegendVisible(results.size() > 1);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        for (DeviceResult r : results) {
            Map<String, Double> t = new LinkedHashMap<>();
            for (Row row : r.rows()) t.merge(label(r, row), row.medianSeconds(), Double::sum);
            List<Double> y = names.stream().map(n -> t.getOrDefault(n, 0.0) * unit.scale).toList();
            chart.addSeries(r.device(), names, y);
        }
        try {
            return png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("bench: could not render the chart", e);
        }
    }

    /** A row's name where devices are compared: a copy to or from the device under test is the same copy on each. */
    private String label(DeviceResult r, Row row) {
        return results.size() > 1 && row.kind().equals("copy") ? row.kernel().replace(r.device(), "device") : row.kernel();
    }

    private String caption(DeviceResult r) {
        double copies = r.rows().stream().filter(x -> x.kind().equals("copy")).mapToDouble(Row::callsPerRun).sum();
        return r.device() + ": " + r.runs() + " run" + (r.runs() == 1 ? "" : "s") + " after " + r.warmup() + " warm-up run"
                + (r.warmup() == 1 ? "" : "s") + "; wall " + Timing.formatTime(r.medianWallSeconds()) + " per run (median), kernels "
                + Timing.formatTime(r.total().medianSeconds()) + " (" + fmtCount(r.kernelsPerRun()) + " launch"
                + (r.kernelsPerRun() == 1 ? "" : "es") + (copies == 0 ? "" : ", " + fmtCount(copies) + " cop" + (copies == 1 ? "y" : "ies")) + ")";
    }

    private static List<String> footer(DeviceResult r) {
        List<String> out = new ArrayList<>();
        if (r.warmup() > 0) {
            String s = "warm-up " + Timing.formatTime(r.warmupSeconds()) + ": ";
            if (r.compiles() == 0 && r.cacheHits() == 0) s += "no kernel compiled";
            else {
                s += r.compiles() + " kernel" + (r.compiles() == 1 ? "" : "s") + " compiled";
                if (r.compiles() > 0 && r.compiled().stream().anyMatch(c -> !c.fromCache())) s += " in " + Timing.formatTime(r.compileSeconds());
                if (r.cacheHits() > 0) s += ", " + r.cacheHits() + " loaded from the compile cache";
            }
            out.add(s);
        }
        if (r.peaks() != null) {
            out.add(String.format(java.util.Locale.ROOT, "peak of %s: copy %.1f GB/s, multiply-add %.1f GFLOPS", r.device(),
                    r.peaks().copyGBps(), r.peaks().gflops()));
        }
        out.addAll(r.notes());
        return out;
    }

    private double[] times(List<Row> rows, java.util.function.ToDoubleFunction<Row> f) {
        return rows.stream().mapToDouble(x -> f.applyAsDouble(x) * unit.scale).toArray();
    }

    private static DoubleColumn num(String name, double[] values, String pattern) {
        DoubleColumn c = DoubleColumn.create(name, values);
        c.setPrintFormatter(ReportTable.pattern(pattern));
        return c;
    }

    private static double[] nans(int n) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, Double.NaN);
        return a;
    }

    private static String fmtCount(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(java.util.Locale.ROOT, "%.1f", v);
    }
}
