// KernelsReport over real launches (JAVA device) and over hand-made log entries: counts, fused ops, source, HTML.
package dev.jtiny.magics;

import dev.jtiny.T;
import dev.jtiny.Tensor;
import dev.jtiny.magics.KernelsReport.Part;
import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.Counters;
import dev.jtiny.runtime.KernelLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class KernelsReportTest {
    static final String KEYWORD_FOR = "<span style=\"" + SourceHighlighter.KEYWORD + "\">for</span>";

    @BeforeEach void javaDevice() { Config.set("DEVICE", "JAVA"); }
    @AfterEach void reset() { Config.set("DEVICE", null); }

    static KernelLog.Entry entry(long seq, String name, String device, double seconds, List<String> fused, String source) {
        return new KernelLog.Entry(seq, "kernel", name, device, new int[]{64}, null, seconds, 2_000_000, 3_000_000,
                fused, List.of("upcast output axis 0 by 4"), source, "ADD float\n", "Store[...]\n");
    }

    @Test
    void aFusedExpressionIsOneKernelWithItsSourceAndFusedOps() {
        Tensor x = T.rand(64, 64);
        long mark = KernelLog.mark(), launched = Counters.kernelCount();
        x.mul(2).add(1).relu().sum(1).realize();
        List<KernelLog.Entry> logged = KernelLog.since(mark);

        KernelsReport r = KernelsReport.of(logged, EnumSet.allOf(Part.class));
        long loggedKernels = logged.stream().filter(e -> e.kind().equals("kernel")).count();
        assertEquals(1, loggedKernels);
        assertEquals(Counters.kernelCount() - launched, r.kernelCount());
        assertEquals(loggedKernels, r.kernelCount());
        KernelLog.Entry k = r.kernels().getFirst();
        assertEquals(List.of("mul", "add", "relu", "sum"), k.fusedOps());
        assertEquals("r_64_64", k.name());
        assertEquals(1, r.copies().size(), "x's host data is copied to the device once");

        String text = r.text();
        assertTrue(text.startsWith("1 kernel, 1 copy (16.00 KB)\n"), text);
        assertTrue(text.contains("#1   r_64_64"), text);
        assertTrue(text.contains("[mul, add, relu, sum]"), text);
        assertTrue(text.contains(k.source()), "the source, verbatim:\n" + text);
        assertTrue(text.contains(k.graph()) && text.contains(k.linear()), "GRAPH shows the input graph and linearized form");
        assertTrue(text.contains("    opts: " + String.join(", ", k.opts())), text);
        assertTrue(text.contains("copy  host -> JAVA  16.00 KB"), text);

        String html = r.richForms().get("text/html");
        assertEquals(1, count(html, "<details"), html);
        assertTrue(html.contains("<details open>"), "three kernels or fewer are shown open");
        assertTrue(html.contains(KEYWORD_FOR), "Java keywords are highlighted");
        assertTrue(html.contains("<td style=\"padding:2px 8px;font-family:monospace\">mul, add, relu, sum</td>"), html);
    }

    @Test
    void timedEntriesShowTimeAndRatesAndMoreThanThreeKernelsAreCollapsed() {
        List<KernelLog.Entry> entries = new ArrayList<>();
        for (int i = 1; i <= 4; i++) entries.add(entry(i, "E_64", "JAVA", 1e-3, List.of("add"), "for (int i = 0; i < 4; i++) {}\n"));
        entries.add(new KernelLog.Entry(5, "copy", "copy host -> JAVA", "JAVA", new int[]{256}, null, Double.NaN, 0, 256,
                List.of(), List.of(), "", "", ""));
        KernelsReport r = KernelsReport.of(entries, Set.of(Part.SOURCE));
        assertEquals(4, r.kernelCount());
        String text = r.text();
        assertTrue(text.startsWith("4 kernels in 4.00 ms, 1 copy (256 B)\n"), text);
        // 2e6 FLOPs and 3e6 bytes in 1 ms: 2 GFLOPS, 3 GB/s.
        assertTrue(text.contains("#4   E_64                     JAVA      global [64]       local -         1.00 ms      2.00 GFLOPS     3.00 GB/s [add]"), text);
        assertFalse(text.contains("opts:"), "OPTS was not asked for");
        String html = r.html();
        assertEquals(4, count(html, "<details>"), "more than three kernels: each collapsed");
        assertEquals(0, count(html, "<details open"));
        assertEquals(4, count(html, KEYWORD_FOR));
    }

    @Test
    void openClSourceIsHighlightedAsC() {
        String src = "__kernel void E_4(__global float* data0) {\n  int gidx = get_global_id(0); // one per item\n  data0[gidx] = 1.5f;\n}\n";
        String html = KernelsReport.of(List.of(entry(1, "E_4", "OPENCL:0", Double.NaN, List.of("full"), src))).html();
        assertTrue(html.contains("<span style=\"" + SourceHighlighter.KEYWORD + "\">__kernel</span>"), html);
        assertTrue(html.contains("<span style=\"" + SourceHighlighter.TYPE + "\">float</span>*"), html);
        assertTrue(html.contains("<span style=\"" + SourceHighlighter.BUILTIN + "\">get_global_id</span>"), html);
        assertTrue(html.contains("<span style=\"" + SourceHighlighter.COMMENT + "\">// one per item</span>"), html);
        assertTrue(html.contains("<span style=\"" + SourceHighlighter.NUMBER + "\">1.5f</span>"), html);
        assertTrue(html.contains("&ndash;"), "an untimed kernel has no time");
    }

    @Test
    void noEntriesSaySoAndPartsCanBeLeftOut() {
        KernelsReport empty = KernelsReport.of(List.of(), Set.of());
        assertEquals(0, empty.kernelCount());
        assertEquals("no kernels ran", empty.text());
        assertTrue(empty.html().contains("no kernels ran"));

        KernelsReport summaries = KernelsReport.of(List.of(entry(1, "E_64", "JAVA", Double.NaN, List.of("add"), "int x;\n")), Set.of());
        assertFalse(summaries.text().contains("int x;"));
        assertFalse(summaries.html().contains("<details"));
        assertTrue(summaries.text().contains("(not timed) [add]"), summaries.text());
    }

    static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + part.length())) n++;
        return n;
    }
}
