// %%bench over real launches (JAVA, and JAVA against OpenCL when a device exists) and over hand-made log entries.
package dev.jtiny.magics;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.Counters;
import dev.jtiny.runtime.KernelLog;
import dev.jtiny.runtime.device.opencl.OpenCLDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

class BenchTest {
    static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @BeforeEach void javaDevice() { Config.set("DEVICE", "JAVA"); }
    @AfterEach void reset() { Config.set("DEVICE", null); }

    @Test
    void benchListsTheKernelsOfEachRunWithTimesSharesAndForms() throws Exception {
        Tensor x = Tensor.rand(256, 256).realize();
        // What one run launches, counted the way the bench must agree with.
        long k0 = Counters.kernelCount(), mark = KernelLog.mark();
        x.mul(2).add(1).sum().realize();
        long perRun = Counters.kernelCount() - k0;
        List<String> names = KernelLog.since(mark).stream().filter(e -> e.kind().equals("kernel")).map(KernelLog.Entry::name).toList();
        assertTrue(perRun >= 1);

        BenchReport r = Bench.run(new BenchOptions(5, 1, List.of()), () -> x.mul(2).add(1).sum());

        assertEquals(1, r.results().size());
        BenchReport.DeviceResult d = r.results().getFirst();
        assertEquals("JAVA", d.device());
        assertEquals(5, d.runs());
        assertEquals(perRun, d.kernelsPerRun());
        assertEquals(names, r.rows().stream().map(BenchReport.Row::kernel).toList(), "the kernels of a run, in launch order");
        assertEquals(perRun, r.rows().stream().mapToDouble(BenchReport.Row::callsPerRun).sum());
        double share = 0;
        for (BenchReport.Row row : r.rows()) {
            assertEquals("kernel", row.kind());
            assertTrue(row.medianSeconds() > 0, row.toString());
            assertTrue(row.minSeconds() <= row.medianSeconds() && row.medianSeconds() <= row.maxSeconds(), row.toString());
            assertTrue(row.flopsPerRun() > 0 && row.gflops() > 0 && row.gbps() > 0, row.toString());
            share += row.sharePercent();
        }
        assertEquals(100, share, 1e-9);
        assertTrue(d.total().medianSeconds() > 0);
        assertTrue(d.medianWallSeconds() >= d.total().minSeconds(), "a run's wall time holds its kernels");
        assertNotNull(d.peaks(), "the JAVA device calibrates");
        assertTrue(r.rows().stream().allMatch(row -> row.peakPercent() > 0 && List.of("mem", "alu").contains(row.bound())));
        // Only a note on uneven run times may appear (HotSpot may still be compiling the kernel).
        assertTrue(d.notes().stream().allMatch(n -> n.startsWith("kernel time per run ranged")), d.notes().toString());

        Table t = r.table();
        assertEquals(r.rows().size() + 1, t.rowCount());
        assertEquals("total", t.stringColumn("kernel").get(t.rowCount() - 1));

        String text = r.text();
        for (String n : names) assertTrue(text.contains(n), text);
        assertTrue(text.contains("total") && text.contains("5 runs after 1 warm-up run"), text);

        String html = r.richForms().get("text/html");
        Matcher body = Pattern.compile("(?s)<tbody>(.*?)</tbody>").matcher(html);
        assertTrue(body.find());
        assertEquals(r.rows().size() + 1, count(body.group(1), "<tr"), "one row per kernel and a total");
        assertTrue(html.contains("<caption") && html.contains("JAVA: 5 runs after 1 warm-up run"), html);

        byte[] png = Base64.getDecoder().decode(r.richForms().get("image/png"));
        assertArrayEquals(PNG_SIGNATURE, java.util.Arrays.copyOf(png, 8));
    }

    @Test
    void benchComparesDevicesSideBySide() throws Exception {
        assumeFalse(OpenCLDevice.list().isEmpty(), "no OpenCL device on this machine");
        String before = Config.get("DEVICE", null), profile = Config.get("PROFILE", null);

        // Made inside the body, the tensors land on the device under test.
        BenchReport r = Bench.run(BenchOptions.parse("-n 3 -w 1 --devices JAVA,OPENCL"),
                () -> Tensor.arange(4096).reshape(64, 64).mul(2).add(1).sum(1));

        assertEquals(List.of("JAVA", "OPENCL:0"), r.results().stream().map(BenchReport.DeviceResult::device).toList());
        for (BenchReport.DeviceResult d : r.results()) {
            assertTrue(d.rows().stream().allMatch(row -> row.device().equals(d.device())), d.rows().toString());
            assertTrue(d.rows().stream().anyMatch(row -> row.kind().equals("kernel")), d.rows().toString());
            assertTrue(d.total().medianSeconds() > 0);
        }
        List<BenchReport.Comparison> cmp = r.comparison();
        BenchReport.Comparison total = cmp.getLast();
        assertEquals("total", total.kernel());
        assertEquals(1.0, total.ratios().get(0));
        double expected = r.results().get(1).total().medianSeconds() / r.results().get(0).total().medianSeconds();
        assertEquals(expected, total.ratios().get(1), 1e-12);
        // The reduction kernel has the same name on both devices, and the host upload lines up as one copy.
        String kernel = r.results().getFirst().rows().stream().filter(x -> x.kind().equals("kernel")).findFirst().orElseThrow().kernel();
        BenchReport.Comparison k = cmp.stream().filter(c -> c.kernel().equals(kernel)).findFirst().orElseThrow();
        assertTrue(k.medianSeconds().stream().allMatch(s -> s > 0), k.toString());
        assertTrue(cmp.stream().anyMatch(c -> c.kernel().equals("copy host -> device")), cmp.toString());

        Table t = r.table();
        assertEquals(List.of("kernel", "JAVA " + unitOf(r), "OPENCL:0 " + unitOf(r), "OPENCL:0 / JAVA"), t.columnNames());
        assertTrue(r.text().contains("ratios to JAVA"), r.text());
        assertEquals(before, Config.get("DEVICE", null), "the default device is restored");
        assertEquals(profile, Config.get("PROFILE", null), "PROFILE is restored");
        assertNotNull(r.png());
    }

    @Test
    void tensorsMadeBeforeTheBenchAreNotedWhenTheyStayOnTheirDevice() throws Exception {
        assumeFalse(OpenCLDevice.list().isEmpty(), "no OpenCL device on this machine");
        Tensor x = Tensor.rand(32, 32).realize(); // on JAVA
        BenchReport r = Bench.run(new BenchOptions(2, 1, List.of("OPENCL")), () -> x.add(1).sum());
        BenchReport.DeviceResult d = r.results().getFirst();
        assertEquals("OPENCL:0", d.device());
        assertTrue(d.rows().stream().allMatch(row -> row.device().equals("JAVA")));
        assertTrue(d.notes().stream().anyMatch(n -> n.contains("kernels ran on JAVA although OPENCL:0 was the default")), d.notes().toString());
    }

    @Test
    void summarizeGroupsByKernelAndDeviceInLaunchOrder() {
        Peaks peaks = new Peaks("JAVA", 10, 100);
        // Two runs: A twice and B once per run; A's run totals 3 ms and 5 ms, B's 1 ms and 3 ms.
        List<List<KernelLog.Entry>> runs = List.of(
                List.of(entry(1, "E_a", 1e-3, 1_000_000, 4_000_000), entry(2, "r_b", 1e-3, 200_000_000, 1_000), entry(3, "E_a", 2e-3, 1_000_000, 4_000_000)),
                List.of(entry(4, "E_a", 2e-3, 1_000_000, 4_000_000), entry(5, "r_b", 3e-3, 200_000_000, 1_000), entry(6, "E_a", 3e-3, 1_000_000, 4_000_000)));
        BenchReport.DeviceResult d = Bench.summarize("JAVA", 1, runs, new double[]{0.01, 0.02}, new double[]{0.5},
                List.of(new BenchReport.Compiled("E_a", 0.3, false), new BenchReport.Compiled("r_b", Double.NaN, true)), 1, 1, 4, peaks, List.of());

        assertEquals(List.of("E_a", "r_b"), d.rows().stream().map(BenchReport.Row::kernel).toList());
        BenchReport.Row a = d.rows().get(0), b = d.rows().get(1);
        assertEquals(2, a.callsPerRun());
        assertEquals(4e-3, a.medianSeconds(), 1e-12);
        assertEquals(3e-3, a.minSeconds(), 1e-12);
        assertEquals(5e-3, a.maxSeconds(), 1e-12);
        assertEquals(2_000_000, a.flopsPerRun());
        assertEquals(8_000_000 / 4e-3 * 1e-9, a.gbps(), 1e-9);   // 2 GB/s of 10: 20 % of peak, memory-bound
        assertEquals(20, a.peakPercent(), 1e-9);
        assertEquals("mem", a.bound());
        assertEquals(2e-3, b.medianSeconds(), 1e-12);
        assertEquals(100, b.gflops(), 1e-9);                       // 200 MFLOP in 2 ms: all of the 100 GFLOPS peak
        assertEquals("alu", b.bound());
        assertEquals(100 * 4 / 6.0, a.sharePercent(), 1e-9);
        assertEquals(100 * 2 / 6.0, b.sharePercent(), 1e-9);
        assertEquals(6e-3, d.total().medianSeconds(), 1e-12);      // run totals 4 ms and 8 ms
        assertEquals(3, d.total().callsPerRun());
        assertEquals(0.015, d.medianWallSeconds(), 1e-12);
        assertEquals(2, d.kernelsPerRun());
        assertEquals(0.3, d.compileSeconds(), 1e-12);
        assertEquals(List.of(), d.notes());

        BenchReport.DeviceResult unlogged = Bench.summarize("JAVA", 0, runs, new double[]{0.01, 0.02}, new double[0], List.of(), 0, 0, 10, peaks, List.of());
        assertTrue(unlogged.notes().getFirst().startsWith("4 launches were not in the kernel log"), unlogged.notes().toString());
    }

    @Test
    void textIsAnAlignedTable() {
        List<List<KernelLog.Entry>> runs = List.of(List.of(entry(1, "E_a", 1e-3, 1_000_000, 4_000_000), entry(2, "r_long_name_4096", 2e-3, 0, 8_000)));
        BenchReport r = new BenchReport(BenchOptions.defaults().withRuns(1), List.of(
                Bench.summarize("JAVA", 0, runs, new double[]{0.004}, new double[0], List.of(), 0, 0, 2, null, List.of())));
        List<String> lines = r.text().lines().toList();
        assertEquals("JAVA: 1 run after 0 warm-up runs; wall 4 ms per run (median), kernels 3 ms (2 launches)", lines.get(0));
        assertEquals("kernel            calls  median ms  min ms  max ms  GFLOPS  GB/s  share %  peak %  bound  ops", lines.get(1));
        assertEquals("E_a                   1      1.000   1.000   1.000    1.00  4.00     33.3                 mul add", lines.get(2));
        assertEquals("r_long_name_4096      1      2.000   2.000   2.000          0.00     66.7                 mul add", lines.get(3));
        assertEquals("total                 2      3.000   3.000   3.000    0.33  1.34    100.0", lines.get(4));
        assertEquals(5, lines.size(), "no warm-up, no peaks, no notes: nothing below the table");
    }

    @Test
    void unknownDevicesAndBadOptionsAreNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> Bench.run(new BenchOptions(1, 0, List.of("TPU")), () -> null));
        assertTrue(e.getMessage().contains("TPU") && e.getMessage().contains("available: JAVA"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("-n 5 --bogus 3"));
        assertTrue(e.getMessage().contains("--bogus") && e.getMessage().contains("-n/--runs N") && e.getMessage().contains("-d/--devices"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("-n many"));
        assertTrue(e.getMessage().contains("-n") && e.getMessage().contains("'many'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("--warmup -1"));
        assertTrue(e.getMessage().contains("--warmup"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("--devices"));
        assertTrue(e.getMessage().contains("--devices needs a value"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("-d JAVA,,OPENCL"));
        assertTrue(e.getMessage().contains("-d"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void optionsParseWithDefaults() {
        assertEquals(new BenchOptions(10, 2, List.of()), BenchOptions.parse(""));
        assertEquals(new BenchOptions(20, 3, List.of("JAVA", "OPENCL")), BenchOptions.parse("-n 20 --warmup 3 --devices JAVA,OPENCL"));
        assertEquals(new BenchOptions(7, 0, List.of("JAVA")), BenchOptions.parse("--runs=7 -w0 -d JAVA"));
    }

    @Test
    void aFailingBodyLeavesTheSessionAsItWas() {
        String before = Config.get("DEVICE", null), profile = Config.get("PROFILE", null);
        var e = assertThrows(IllegalStateException.class, () -> Bench.run(new BenchOptions(1, 0, List.of("JAVA")), () -> {
            throw new IllegalStateException("boom");
        }));
        assertEquals("boom", e.getMessage());
        assertEquals(before, Config.get("DEVICE", null));
        assertEquals(profile, Config.get("PROFILE", null));
    }

    static KernelLog.Entry entry(long seq, String name, double seconds, long flops, long bytes) {
        return new KernelLog.Entry(seq, "kernel", name, "JAVA", new int[]{64}, null, seconds, flops, bytes, List.of("mul", "add"),
                List.of(), "", "", "");
    }

    static String unitOf(BenchReport r) {
        String c = r.table("JAVA").columnNames().get(2);
        return c.substring(c.indexOf(' ') + 1);
    }

    static int count(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) n++;
        return n;
    }
}
