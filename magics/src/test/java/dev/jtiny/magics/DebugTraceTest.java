// DebugTrace: the trace is collected instead of printed, DEBUG and the sink are restored, sources are highlighted.
package dev.jtiny.magics;

import dev.jtiny.T;
import dev.jtiny.Tensor;
import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.KernelLog;
import dev.jtiny.runtime.Trace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class DebugTraceTest {
    private PrintStream realOut;
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();

    @BeforeEach void setUp() {
        Config.set("DEVICE", "JAVA");
        realOut = System.out;
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
    }

    @AfterEach void tearDown() {
        System.setOut(realOut);
        Config.set("DEVICE", null);
        Config.set("DEBUG", null);
    }

    @Test
    void levelTwoCollectsOneLinePerLaunchAndPrintsNothing() {
        Tensor x = T.rand(32, 48);
        String before = Config.get("DEBUG", null);
        DebugTrace.Capture c = DebugTrace.start(2);
        assertEquals(2, Config.debug());
        x.mul(3).sum(1).realize();
        DebugTrace t = c.stop();

        assertEquals("", stdout.toString(StandardCharsets.UTF_8), "nothing reaches System.out while capturing");
        assertEquals(before, Config.get("DEBUG", null), "DEBUG is back to what it was");
        assertSame(System.out, Trace.out(), "the trace goes to System.out again");
        List<String> launches = t.text().lines().filter(l -> l.startsWith("*** ")).toList();
        assertEquals(2, launches.size(), "one copy and one kernel:\n" + t.text());
        assertTrue(launches.get(0).contains(" copy "), launches.get(0));
        assertTrue(launches.get(1).contains("r_32_48") && launches.get(1).endsWith("[mul, sum]"), launches.get(1));
        assertTrue(t.text().lines().anyMatch(l -> l.startsWith("scheduled 1 kernel in ")), t.text());
        assertEquals(1, t.entries().stream().filter(e -> e.kind().equals("kernel")).count());
        assertSame(t, c.stop(), "stopping twice gives the same trace");

        String html = t.html();
        assertTrue(html.startsWith("<pre"), html);
        assertTrue(html.contains("<b>" + SourceHighlighter.escape(launches.get(1)) + "</b>"), "launch lines are emphasised");

        x.add(1).realize();
        assertEquals("", stdout.toString(StandardCharsets.UTF_8), "DEBUG is off again after the capture");
    }

    @Test
    void levelFourHighlightsEachKernelSourceAndRestoresAnOverride() {
        Config.set("DEBUG", "1");
        Tensor x = T.rand(16, 16);
        Tensor y = x.sub(x.max(1)).exp();
        DebugTrace t = DebugTrace.capture(4, y::realize);

        assertEquals("1", Config.get("DEBUG", null), "the override in force before is back");
        assertEquals("", stdout.toString(StandardCharsets.UTF_8));
        List<KernelLog.Entry> kernels = t.entries().stream().filter(e -> e.kind().equals("kernel")).toList();
        assertEquals(2, kernels.size(), "max, then sub+exp");
        String html = t.richForms().get("text/html");
        for (KernelLog.Entry k : kernels) {
            assertTrue(t.text().contains(k.source()), "the trace prints each source");
            assertTrue(html.contains(SourceHighlighter.html(k.source(), "java")), "highlighted source of " + k.name());
        }
        assertTrue(html.contains(KernelsReportTest.KEYWORD_FOR));
        assertFalse(html.contains("&lt;span"), "spans are markup, not escaped text");
    }

    @Test
    void aFailingCellStillRestoresTheLevelAndTheSink() {
        PrintStream mine = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        String debugBefore = Config.get("DEBUG", null);
        Trace.to(mine);
        try {
            assertThrows(IllegalStateException.class, () -> DebugTrace.capture(3, () -> { throw new IllegalStateException("cell failed"); }));
            assertSame(mine, Trace.out(), "a sink installed before is restored, not replaced by System.out");
            assertEquals(debugBefore, Config.get("DEBUG", null));
        } finally {
            Trace.to(null);
        }
    }

    @Test
    void levelZeroTracesNothing() {
        DebugTrace t = DebugTrace.capture(0, () -> T.rand(4).add(1).realize());
        assertEquals("", t.text());
        assertTrue(t.html().contains("nothing was traced"));
    }
}
