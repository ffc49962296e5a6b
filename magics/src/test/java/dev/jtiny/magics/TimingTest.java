// %time and %timeit: IPython's time format digit for digit, the printed lines, loop choice, options, lazy results.
package dev.jtiny.magics;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.Config;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

class TimingTest {
    @BeforeEach void javaDevice() { Config.set("DEVICE", "JAVA"); }
    @AfterEach void reset() { Config.set("DEVICE", null); }

    @Test
    void formatsTimesAsIPythonsFormatTime() {
        assertEquals("1.5 \u00b5s", Timing.formatTime(1.5e-6));
        assertEquals("310 \u00b5s", Timing.formatTime(310e-6));
        assertEquals("1.2 ms", Timing.formatTime(1.2e-3));
        assertEquals("1.51 ms", Timing.formatTime(1.51e-3));
        assertEquals("3.4 ms", Timing.formatTime(3.4e-3));
        assertEquals("45.6 \u00b5s", Timing.formatTime(45.6e-6));
        assertEquals("12.3 s", Timing.formatTime(12.3456));
        assertEquals("1 s", Timing.formatTime(1.0));
        assertEquals("1.23 ns", Timing.formatTime(1.23456e-9));
        assertEquals("0.25 ns", Timing.formatTime(2.5e-10));
        assertEquals("0 ns", Timing.formatTime(0));
        // %.3g rounds 999.9 up to 1e+03 and IPython keeps the unit it chose before rounding.
        assertEquals("1e+03 ms", Timing.formatTime(0.9999));
        assertEquals("1min 5s", Timing.formatTime(65.5));
        assertEquals("1min 40s", Timing.formatTime(100));
        assertEquals("1h 1min 1s", Timing.formatTime(3661));
        assertEquals("2d 5s", Timing.formatTime(2 * 86400 + 5));
        assertEquals("1.2346 ms", Timing.formatTime(1.23456e-3, 5));
    }

    @Test
    void formatGIsCsPercentG() {
        assertEquals("1.23e+05", Timing.formatG(123456, 3));
        assertEquals("0.000123", Timing.formatG(0.0001234, 3));
        assertEquals("1.23e-05", Timing.formatG(0.00001234, 3));
        assertEquals("100", Timing.formatG(100, 3));
        assertEquals("2.5", Timing.formatG(2.5, 3));
        assertEquals("0.125", Timing.formatG(0.125, 3));
        assertEquals("0.12", Timing.formatG(0.125, 2)); // half to even on the exact binary value, as printf
        assertEquals("1e+03", Timing.formatG(999.9, 3));
    }

    @Test
    void timeResultPrintsIPythonsTwoLines() {
        TimeResult r = new TimeResult(null, 1.2e-3, 310e-6, 3.4e-3);
        assertEquals("CPU times: user 1.2 ms, sys: 310 \u00b5s, total: 1.51 ms\nWall time: 3.4 ms", r.text());
    }

    @Test
    void timeitResultPrintsMeanAndPopulationDeviation() {
        // Per-loop timings 1, 2, 3, 4 ms: mean 2.5 ms, population standard deviation sqrt(1.25) ms = 1.118 ms.
        TimeitResult r = new TimeitResult(100, 4, List.of(0.1, 0.2, 0.3, 0.4), 3);
        assertEquals(2.5e-3, r.average(), 1e-12);
        assertEquals(Math.sqrt(1.25) * 1e-3, r.stdev(), 1e-12);
        assertEquals("2.5 ms \u00b1 1.12 ms per loop (mean \u00b1 std. dev. of 4 runs, 100 loops each)", r.text());

        TimeitResult one = new TimeitResult(1, 1, List.of(0.0123), 3);
        assertEquals("12.3 ms \u00b1 0 ns per loop (mean \u00b1 std. dev. of 1 run, 1 loop each)", one.text());

        TimeitResult many = new TimeitResult(10_000, 7, Collections.nCopies(7, 0.0123), 3);
        assertTrue(many.text().endsWith("(mean \u00b1 std. dev. of 7 runs, 10,000 loops each)"), many.text());
    }

    @Test
    void timeitWarnsWhenTheSlowestRunIsOverFourTimesTheFastest() {
        TimeitResult r = new TimeitResult(10, 3, List.of(0.01, 0.01, 0.05), 3);
        assertEquals("The slowest run took 5.00 times longer than the fastest. This could mean that an intermediate result is being cached.",
                r.text().lines().findFirst().orElseThrow());
        assertNull(new TimeitResult(10, 3, List.of(0.01, 0.01, 0.03), 3).warning());
    }

    @Test
    void timeitChoosesLoopsLikeIPython() throws Exception {
        // 1 call takes ~25 ms (< 0.2 s), 10 calls ~250 ms (>= 0.2 s): IPython settles on 10.
        AtomicInteger calls = new AtomicInteger();
        TimeitResult r = Timing.timeit(0, 2, () -> {
            calls.incrementAndGet();
            Thread.sleep(25);
            return null;
        });
        assertEquals(10, r.loops());
        assertEquals(2, r.repeat());
        assertEquals(1 + 10 + 2 * 10, calls.get());
        assertTrue(r.average() >= 0.025, r.text());
        assertTrue(r.text().contains("per loop (mean \u00b1 std. dev. of 2 runs, 10 loops each)"), r.text());
    }

    @Test
    void timeitWithGivenLoopsCallsExactlyLoopsTimesRepeat() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        TimeitResult r = Timing.timeit(3, 4, calls::incrementAndGet);
        assertEquals(12, calls.get());
        assertEquals(4, r.allRuns().size());
    }

    @Test
    void timeRealizesATensorResultAndKeepsIt() throws Exception {
        Tensor x = Tensor.rand(64, 64);
        TimeResult r = Timing.time(() -> x.mul(2).add(1).sum());
        Tensor v = (Tensor) r.value();
        assertTrue(v.isRealized(), "the lazy result was computed inside the timing");
        double expected = 0;
        for (float f : x.toFloatArray()) expected += 2.0 * f + 1;
        assertEquals(expected, v.item(), expected * 1e-5);
        assertTrue(r.wallSeconds() > 0);
        assertTrue(r.userSeconds() >= 0 && r.sysSeconds() >= 0);
        assertTrue(r.text().startsWith("CPU times: user "), r.text());
    }

    @Test
    void cpuTimeCountsABusyLoop() throws Exception {
        TimeResult r = Timing.time(() -> {
            long end = System.nanoTime() + 30_000_000L, n = 0;
            while (System.nanoTime() < end) n++;
            return n;
        });
        assertTrue(r.totalSeconds() > 0, r.text());
        assertTrue(r.wallSeconds() >= 0.03, r.text());
    }

    @Test
    void completionRealizesTensorsInArraysAndCollections() {
        Tensor a = Tensor.rand(8).add(1), b = Tensor.rand(8).mul(3), c = Tensor.rand(4).neg();
        assertFalse(a.isRealized() || b.isRealized() || c.isRealized());
        Completion.await(List.of(a, new Object[]{b, java.util.Map.of("k", c)}));
        assertTrue(a.isRealized() && b.isRealized() && c.isRealized());
    }

    @Test
    void timeitOptionsParseLikeIPython() {
        TimeitOptions.Line l = TimeitOptions.parseLine("-n 10 -r 3 x.mul(2).sum()");
        assertEquals(new TimeitOptions(10, 3, 3, false, false), l.options());
        assertEquals("x.mul(2).sum()", l.code());

        l = TimeitOptions.parseLine("-n10 -r3 -p4 -q -o foo(a, -b)");
        assertEquals(new TimeitOptions(10, 3, 4, true, true), l.options());
        assertEquals("foo(a, -b)", l.code());

        l = TimeitOptions.parseLine("x.sum()");
        assertEquals(TimeitOptions.defaults(), l.options());
        assertEquals("x.sum()", l.code());

        assertEquals("-x", TimeitOptions.parseLine("-n 2 -- -x").code());
        assertEquals(new TimeitOptions(5, 7, 3, false, false), TimeitOptions.parse("-n 5"));
    }

    @Test
    void badTimeitOptionsNameTheOption() {
        var e = assertThrows(IllegalArgumentException.class, () -> TimeitOptions.parseLine("-n abc x.sum()"));
        assertTrue(e.getMessage().contains("-n") && e.getMessage().contains("'abc'") && e.getMessage().contains("valid options"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TimeitOptions.parseLine("-z 3 x.sum()"));
        assertTrue(e.getMessage().contains("-z") && e.getMessage().contains("-r R"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TimeitOptions.parseLine("-r 0 x"));
        assertTrue(e.getMessage().contains("-r"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TimeitOptions.parseLine("-n"));
        assertTrue(e.getMessage().contains("-n needs a number"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TimeitOptions.parse("-n 3 x.sum()"));
        assertTrue(e.getMessage().contains("x.sum()"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }
}
