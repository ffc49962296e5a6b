// %devices: every device this machine can run jtiny on, what it is, and which one tensors go to by default.
// Listing opens no OpenCL device (their facts come from the driver's list) and measures nothing.
package dev.jtiny.magics;

import dev.jtiny.runtime.engine.Devices;
import dev.jtiny.runtime.device.Device;
import dev.jtiny.runtime.device.opencl.OpenCLDevice;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

public final class DevicesReport implements Rendered {
    /**
     * One device. {@code kind} is "java CPU", "opencl CPU", "opencl GPU"; {@code platform} the JDK or OpenCL
     * platform; {@code memoryBytes} the heap limit for JAVA and global memory for OpenCL; the peaks are NaN until
     * {@link Peaks#of} has measured the device (a bench does).
     */
    public record Row(String name, String kind, String platform, String description, long memoryBytes, int computeUnits,
                      double copyGBps, double gflops, boolean isDefault) {}

    private final List<Row> rows;
    private final String defaultName;

    private DevicesReport(List<Row> rows, String defaultName) {
        this.rows = List.copyOf(rows);
        this.defaultName = defaultName;
    }

    /** JAVA and every OpenCL device found (none when OpenCL is missing). */
    public static DevicesReport list() {
        String def = Devices.defaultName();
        List<Row> rows = new ArrayList<>();
        Device java = Devices.get("JAVA");
        rows.add(row("JAVA", "java CPU", "JDK " + Runtime.version().feature(), java.description(), java.memoryBytes(), java.computeUnits(), def));
        for (OpenCLDevice.Info i : OpenCLDevice.list()) {
            rows.add(row(i.deviceName(), "opencl " + (i.isGpu() ? "GPU" : "CPU"), i.platform(), i.description(), i.globalMemBytes(),
                    i.computeUnits(), def));
        }
        return new DevicesReport(rows, def);
    }

    private static Row row(String name, String kind, String platform, String description, long memory, int units, String def) {
        Optional<Peaks> p = Peaks.cached(name);
        return new Row(name, kind, platform, description, memory, units, p.map(Peaks::copyGBps).orElse(Double.NaN),
                p.map(Peaks::gflops).orElse(Double.NaN), name.equals(def));
    }

    public List<Row> rows() { return rows; }

    /** The name new tensors get (DEVICE when set); it may name no listed device when DEVICE is wrong. */
    public String defaultName() { return defaultName; }

    public Table table() {
        Table t = Table.create("devices");
        t.addColumns(StringColumn.create("device", rows.stream().map(Row::name).toList()));
        t.addColumns(StringColumn.create("default", rows.stream().map(r -> r.isDefault() ? "*" : "").toList()));
        t.addColumns(StringColumn.create("kind", rows.stream().map(Row::kind).toList()));
        DoubleColumn mem = DoubleColumn.create("memory GiB", rows.stream().mapToDouble(r -> r.memoryBytes() / (double) (1L << 30)).toArray());
        mem.setPrintFormatter(ReportTable.fixed(1));
        t.addColumns(mem);
        t.addColumns(IntColumn.create("units", rows.stream().mapToInt(Row::computeUnits).toArray()));
        DoubleColumn copy = DoubleColumn.create("copy GB/s", rows.stream().mapToDouble(Row::copyGBps).toArray());
        copy.setPrintFormatter(ReportTable.fixed(1));
        t.addColumns(copy);
        DoubleColumn fma = DoubleColumn.create("GFLOPS", rows.stream().mapToDouble(Row::gflops).toArray());
        fma.setPrintFormatter(ReportTable.fixed(1));
        t.addColumns(fma);
        t.addColumns(StringColumn.create("description", rows.stream().map(Row::description).toList()));
        return t;
    }

    @Override public String text() {
        return ReportTable.text(table()) + footnote() + "\n";
    }

    @Override public String toString() { return text(); }

    @Override public Map<String, String> richForms() {
        return Map.of("text/html", ReportTable.html(table(), "devices (* the default)", false)
                + "<p style=\"font-size:smaller\">" + ReportTable.escape(footnote()) + "</p>\n");
    }

    private String footnote() {
        String s = "default: " + defaultName;
        if (rows.stream().noneMatch(Row::isDefault)) s += " (not available here: check DEVICE)";
        if (rows.stream().anyMatch(r -> Double.isNaN(r.copyGBps()))) s += "; peaks appear once measured (a %%bench, or Peaks.of(name))";
        return s;
    }
}
