// `jtiny run FILE.jsh`, end to end: a fresh JVM per script, asserting exit codes, output and error reports.
package dev.jtiny.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtiny.it.Processes.Result;
import dev.jtiny.onnx.OnnxTestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScriptRunnerTest {
    @TempDir Path dir;

    private Result run(String script, String... args) throws IOException, InterruptedException {
        Files.writeString(dir.resolve("s.jsh"), script);
        var cli = new ArrayList<>(List.of("run", "s.jsh"));
        cli.addAll(List.of(args));
        return Processes.cli(dir, cli.toArray(String[]::new));
    }

    @Test
    void printsComputedValuesAndExitsZero() throws Exception {
        Result r = run("""
                // statements, declarations and the startup imports (Config is dev.jtiny.runtime.Config)
                var x = 6 * 7; System.out.println("x=" + x);
                long fact(int n) { return n <= 1 ? 1 : n * fact(n - 1); }
                System.out.println("20!=" + fact(20));
                Config.set("DEBUG", "3");
                System.out.println("debug=" + Config.debug())
                """);
        assertEquals(0, r.exit(), r::toString);
        assertEquals(List.of("x=42", "20!=2432902008176640000", "debug=3"), r.out().lines().toList(), r::toString);
    }

    @Test
    void theMagicsArePlainCallsThatPrintTextInAScript() throws Exception {
        Result r = run("""
                Config.set("DEVICE", "JAVA");
                var x = arange(64).reshape(8, 8);
                Magics.debug(2);
                x.mul(2).sum().item();
                Magics.debug(0);
                Magics.kernels();
                x.add(1).relu().sum(1).realize();
                System.out.println(Magics.kernels("--none"));
                var bench = Magics.bench("-n 3 --warmup 1", () -> x.mul(3).sum(1));
                System.out.println(bench.rows().size() + " row(s)");
                System.out.println(bench);
                System.out.println(Magics.timeit("-n 2 -r 2", () -> x.sum().item()));
                System.out.println(Magics.graph(x.exp().sum()).kernelCount() + " kernel planned");
                System.out.println(Magics.help("jit"));
                """);
        assertEquals(0, r.exit(), r::toString);
        String out = r.out();
        assertTrue(out.lines().anyMatch(l -> l.startsWith("*** JAVA") && l.contains("[mul, sum]")), () -> "Magics.debug(2) trace\n" + r);
        assertTrue(out.contains("1 kernel\n#1   r_8_8") && out.contains("[add, relu, sum]"), () -> "Magics.kernels()\n" + r);
        assertTrue(out.contains("1 row(s)") && out.contains("JAVA: 3 runs after 1 warm-up run") && out.contains("total"),
                () -> "Magics.bench as a text table\n" + r);
        assertTrue(out.contains("per loop (mean \u00b1 std. dev. of 2 runs, 2 loops each)"), r::toString);
        assertTrue(out.contains("1 kernel planned") && out.contains("%jit on|off"), r::toString);
    }

    @Test
    void aScriptLoadsAndRunsAnOnnxModelInOneLine() throws Exception {
        Path suite = OnnxTestData.suite("pytorch-converted").orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(suite != null, () -> OnnxTestData.missing("pytorch-converted"));
        Path dir = suite.resolve("test_Conv2d");
        Result r = run("""
                var model = OnnxModel.load(ARGS[0] + "/model.onnx");
                var x = OnnxTensors.read(java.nio.file.Path.of(ARGS[0], "test_data_set_0", "input_0.pb"));
                var want = OnnxTensors.read(java.nio.file.Path.of(ARGS[0], "test_data_set_0", "output_0.pb"));
                var got = model.run(x).values().iterator().next();
                System.out.println(model.inputs().size() + " input, max error " + (got.sub(want).abs().max().item() < 1e-4 ? "small" : "LARGE"));
                """, dir.toString());
        assertEquals(0, r.exit(), r::toString);
        assertEquals(List.of("1 input, max error small"), r.out().lines().toList(), r::toString);
    }

    @Test
    void multiLineDeclarationsWork() throws Exception {
        Result r = run("""
                record Point(double x,
                             double y) {
                    double norm() {
                        return Math.sqrt(x * x + y * y);
                    }
                }

                /* a block comment
                   between snippets */
                int sumTo(int n) {
                    int s = 0;
                    for (int i = 1; i <= n; i++)
                        s += i;
                    return s;
                }
                var total = java.util.stream.IntStream.rangeClosed(1, 4)
                        .map(n -> sumTo(n))
                        .sum();
                System.out.println(new Point(3, 4).norm() + " " + sumTo(100) + " " + total);
                """);
        assertEquals(0, r.exit(), r::toString);
        assertEquals("5.0 5050 20", r.out().strip(), r::toString);
    }

    @Test
    void compileErrorNamesTheLineAndStops() throws Exception {
        Result r = run("""
                int a = 1;
                System.out.println("before");
                int c = a + undefinedThing;
                System.out.println("never");
                """);
        assertAll(
                () -> assertEquals(1, r.exit(), r::toString),
                () -> assertEquals("before", r.out().strip(), r::toString),
                () -> assertTrue(r.err().contains("s.jsh:3:13: error: cannot find symbol"), r::toString),
                () -> assertTrue(r.err().contains("int c = a + undefinedThing;\n            ^"), r::toString),
                () -> assertTrue(r.err().contains("symbol:   variable undefinedThing"), r::toString));
    }

    @Test
    void exceptionNamesClassMessageAndLine() throws Exception {
        Result r = run("""
                System.out.println("before");
                throw new IllegalStateException("boom");
                System.out.println("after");
                """);
        assertEquals(1, r.exit(), r::toString);
        assertEquals("before", r.out().strip(), r::toString);
        assertTrue(r.err().contains("Exception in s.jsh:2: java.lang.IllegalStateException: boom"), r::toString);
    }

    @Test
    void exceptionStackShowsScriptLinesOfEachFrame() throws Exception {
        Result r = run("""
                void check(int n) {
                    if (n > 2)
                        throw new IllegalArgumentException("too big: " + n);
                }

                for (int i = 0; i < 5; i++)
                    check(i);
                """);
        assertEquals(1, r.exit(), r::toString);
        var lines = r.err().lines().filter(l -> !l.startsWith("WARNING: Using incubator")).toList();
        assertEquals(List.of(
                "Exception in s.jsh:3: java.lang.IllegalArgumentException: too big: 3",
                "\tat check(s.jsh:3)",
                "\tat s.jsh:7"), lines, r::toString);
    }

    @Test
    void unfinishedSnippetAtEndOfFileIsAnError() throws Exception {
        Result r = run("""
                System.out.println("ran");
                void f() {
                    int x = 1;
                """);
        assertEquals(1, r.exit(), r::toString);
        assertEquals("ran", r.out().strip(), r::toString);
        assertTrue(r.err().contains("s.jsh:2:1: error: reached end of file"), r::toString);
    }

    @Test
    void exitCommandSetsTheExitCode() throws Exception {
        Result r = run("""
                System.out.println("one");
                /exit 3 // the rest is not run
                System.out.println("two");
                """);
        assertEquals(3, r.exit(), r::toString);
        assertEquals("one", r.out().strip(), r::toString);
    }

    @Test
    void otherJshellCommandsAreRejected() throws Exception {
        Result r = run("/open other.jsh\n");
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().contains("s.jsh:1:1: error: '/open' is a jshell command; scripts support only /exit [code]"), r::toString);
    }

    @Test
    void argumentsArriveInArgs() throws Exception {
        Result r = run("""
                System.out.println(ARGS.length);
                for (String a : ARGS) System.out.println("[" + a + "]");
                """, "a b", "quote\" and \\backslash", "", "two\nlines");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("4\n[a b]\n[quote\" and \\backslash]\n[]\n[two\nlines]\n", r.out(), r::toString);
    }

    @Test
    void missingScriptIsAUsageError() throws Exception {
        Result r = Processes.cli(dir, "run", "nope.jsh");
        assertEquals(2, r.exit(), r::toString);
        assertTrue(r.err().contains("no such file: nope.jsh"), r::toString);
        assertFalse(r.err().contains("Exception"), r::toString);
    }

    @Test
    void demoRuns() throws Exception {
        Result r = Processes.cli(dir, "demo");
        assertEquals(0, r.exit(), r::toString);
        assertFalse(r.out().isBlank(), r::toString);
    }
}
