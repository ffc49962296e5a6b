// Every notebook in notebooks/ runs end to end: ./jtiny install puts the kernel into a temp prefix, and Debian's
// nbclient (under /usr/bin/python3) executes a copy of the notebook on it. No cell may fail, and each notebook's
// outputs are checked: kernel counts, traces, MIME types, the training notebook's test accuracy (at least 88%),
// the scripting notebook's ./jtiny run output.
package dev.jtiny.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jtiny.it.Processes.Result;
import static dev.jtiny.it.Processes.PYTHON;
import static dev.jtiny.it.Processes.jupyterEnv;
import static dev.jtiny.it.Processes.root;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import dev.jtiny.onnx.OnnxTestData;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

class NotebooksTest {
    @TempDir static Path dir;

    @BeforeAll
    static void installKernel() throws Exception {
        Processes.installKernel(dir, "jtiny", "nbclient, nbformat, jupyter_client", "nbclient or nbformat is missing under " + PYTHON + " (python3-nbclient, python3-nbformat)");
    }

    private static List<Path> notebooks() throws IOException {
        try (Stream<Path> s = Files.list(root().resolve("notebooks"))) {
            return s.filter(p -> p.getFileName().toString().endsWith(".ipynb")).sorted().toList();
        }
    }

    /** One code cell's outputs, as run_notebook.py leaves them. */
    record Cell(String source, String result, String html, String stdout, String stderr, String display, String mimes,
                String error) {}

    /** Executes a copy of the notebook (never the repository's file) and returns its code cells' outputs. */
    private static List<Cell> execute(Path notebook) throws Exception {
        String name = notebook.getFileName().toString().replace(".ipynb", "");
        Path work = Files.createDirectories(dir.resolve("run-" + name));
        Path copy = Files.copy(notebook, work.resolve(notebook.getFileName()));
        Path cells = work.resolve("cells");
        Path script = root().resolve("tests/src/test/python/run_notebook.py");
        // The scripting notebook's copy here is outside the checkout: it finds the launcher through the JTINY_HOME
        // that ./jtiny install wrote into the kernelspec (this environment has none).
        var env = new HashMap<String, String>(jupyterEnv(dir));
        env.put("JTINY_HOME", null);
        Result r = Processes.run(work, List.of(PYTHON, script.toString(), "jtiny", copy.toString(),
                work.resolve("executed.ipynb").toString(), cells.toString()), env, NOTEBOOK_LIMIT);
        assertEquals(0, r.exit(), () -> notebook + " failed under nbclient\n" + r);
        System.out.print(r.out()); // "executed NAME in N s": how long each notebook takes in CI
        var out = new ArrayList<Cell>();
        for (int i = 0; Files.exists(cells.resolve(i + ".source")); i++) {
            out.add(new Cell(read(cells, i, "source"), read(cells, i, "result"), read(cells, i, "html"),
                    read(cells, i, "stdout"), read(cells, i, "stderr"), read(cells, i, "display"), read(cells, i, "mimes"),
                    read(cells, i, "error")));
        }
        assertFalse(out.isEmpty(), () -> notebook + " has no code cells\n" + r);
        return out;
    }

    /**
     * How long one notebook may take under nbclient: the training notebook trains for minutes on a 2-core CPU
     * (Processes.run allows 120 s by default); its loop cell says how long it may run in its own metadata.
     */
    private static final Duration NOTEBOOK_LIMIT = Duration.ofMinutes(25);

    private static String read(Path cells, int i, String part) throws IOException {
        return Files.readString(cells.resolve(i + "." + part));
    }

    private static Cell cell(List<Cell> cells, String sourceContains) {
        return cells.stream().filter(c -> c.source().contains(sourceContains)).findFirst()
                .orElseThrow(() -> new AssertionError("no cell contains " + sourceContains));
    }

    @Test
    void theNotebooksDirectoryHoldsTheQuickstart() throws Exception {
        assertTrue(notebooks().contains(root().resolve("notebooks/quickstart.ipynb")), () -> "notebooks: " + notebooksOrEmpty());
        String json = Files.readString(root().resolve("notebooks/quickstart.ipynb"));
        assertTrue(json.contains("\"name\": \"jtiny\"") && json.contains("\"language\": \"java\""), "kernelspec is not jtiny");
    }

    private static List<Path> notebooksOrEmpty() {
        try { return notebooks(); } catch (IOException e) { return List.of(); }
    }

    @TestFactory
    Stream<DynamicTest> everyNotebookRunsWithoutErrors() throws Exception {
        return notebooks().stream().map(nb -> DynamicTest.dynamicTest(nb.getFileName().toString(), () -> {
            if (nb.getFileName().toString().equals("onnx.ipynb")) {
                Assumptions.assumeTrue(OnnxTestData.suite("light").isPresent(), () -> OnnxTestData.missing("light"));
            }
            List<Cell> cells = execute(nb);
            if (nb.getFileName().toString().equals("quickstart.ipynb")) checkQuickstart(cells);
            if (nb.getFileName().toString().equals("magics.ipynb")) checkMagics(cells);
            if (nb.getFileName().toString().equals("onnx.ipynb")) checkOnnx(cells);
            if (nb.getFileName().toString().equals("fusion.ipynb")) checkFusion(cells);
            if (nb.getFileName().toString().equals("training.ipynb")) checkTraining(cells);
            if (nb.getFileName().toString().equals("benchmarks.ipynb")) checkBenchmarks(cells);
            if (nb.getFileName().toString().equals("scripting.ipynb")) checkScripting(cells);
        }));
    }

    private static void checkQuickstart(List<Cell> cells) {
        Cell lazy = cell(cells, "Counters.reset();");
        assertEquals("0", lazy.result().strip(), () -> "building y launched kernels: " + lazy);

        assertTrue(cells.stream().anyMatch(c -> c.html().contains("<table")), "no cell shows a tensor as an HTML table");
        Cell realized = cell(cells, "y.realize();");
        assertTrue(realized.html().contains("<table") && realized.html().contains("shape [4, 3]"), realized::toString);

        Cell debug = cell(cells, "Config.set(\"DEBUG\", \"2\");");
        assertTrue(debug.stdout().contains("*** ") && debug.stdout().contains("[softmax]"), () -> "no DEBUG=2 trace: " + debug);

        Cell log = cell(cells, "KernelLog.entries()");
        assertTrue(log.stdout().contains("fused [softmax]"), log::toString);

        Cell devices = cell(cells, "Devices.available()");
        assertTrue(devices.stdout().contains("JAVA"), devices::toString);

        Cell grad = cell(cells, "backward();\na.grad()");
        assertTrue(grad.result().contains("[2.0, 4.0, 6.0]"), grad::toString);

        Cell training = cell(cells, "opt.step();");
        var losses = new ArrayList<Double>();
        var m = Pattern.compile("loss (\\d+\\.\\d+)").matcher(training.stdout());
        while (m.find()) losses.add(Double.parseDouble(m.group(1)));
        assertEquals(20, losses.size(), training::toString);
        assertTrue(losses.getLast() < 0.7 * losses.getFirst(), () -> "the loss did not fall: " + losses);
        int rises = 0;
        for (int i = 1; i < losses.size(); i++) if (losses.get(i) > losses.get(i - 1)) rises++;
        int r = rises;
        assertTrue(r <= 3, () -> "the loss rose in " + r + " of 19 steps: " + losses);
    }

    /** The magics page: every magic ran and showed what it should, in the MIME types it should. */
    private static void checkMagics(List<Cell> cells) {
        for (var m : dev.jtiny.magics.MagicSpec.all()) {
            assertTrue(cells.stream().anyMatch(c -> c.source().matches("(?s)(.*\\n)?%%?" + m.name() + "\\b.*")
                    || c.source().startsWith("%" + m.name() + "?") || c.source().contains("\n%" + m.name())),
                    () -> "the magics notebook does not use %" + m.name());
        }
        Cell debug = cell(cells, "%%debug 2");
        assertTrue(debug.display().contains("*** ") && debug.mimes().contains("text/html"), debug::toString);
        Cell source = cell(cells, "%%debug 4");
        assertTrue(source.display().contains("r_256_256") && source.html().contains("<span"), source::toString);
        Cell off = cell(cells, "%debug 0");
        assertEquals("", off.display(), off::toString);
        Cell counted = cell(cells, "Counters.kernelCount()");
        Cell kernels = cells.get(cells.indexOf(counted) + 1);
        assertTrue(kernels.source().startsWith("%kernels") && kernels.result().startsWith(counted.result().strip() + " kernel"),
                () -> "%kernels does not list what Counters counted (" + counted.result() + "): " + kernels);
        Cell graph = cell(cells, "%graph");
        assertTrue(graph.mimes().contains("image/svg+xml"), graph::toString);
        Cell bench = cell(cells, "%%bench -n 5");
        assertTrue(bench.mimes().equals("image/png text/html text/plain") && bench.html().contains("<table"), bench::toString);
        Cell sideBySide = cell(cells, "--devices JAVA,OPENCL");
        assertTrue(sideBySide.result().contains("OPENCL:0") && sideBySide.result().contains("ratio"), sideBySide::toString);
        Cell time = cell(cells, "%time ");
        assertTrue(time.stdout().contains("CPU times: user ") && time.stdout().contains("Wall time: "), time::toString);
        Cell timeit = cell(cells, "%timeit");
        assertTrue(timeit.stdout().contains("per loop (mean \u00b1 std. dev. of 3 runs, 5 loops each)") && timeit.result().isEmpty(),
                timeit::toString);
        assertEquals("\"hello from demo.Greeter\"", cell(cells, "%classpath").result().strip());
        assertEquals("42", cell(cells, "%load").result().strip());
        assertTrue(cell(cells, "%maven").result().startsWith("resolved tech.tablesaw:tablesaw-core:0.44.4"));
        assertTrue(cell(cells, "%device TPU").error().startsWith("MagicError: %device: no device 'TPU'; available: JAVA"));
        assertTrue(cell(cells, "%%bench --fast").error().contains("--fast"));
        assertEquals("2", cells.getLast().result().strip(), "the session goes on after a wrong magic");
    }

    /** The ONNX page: a real model loads, runs lazily, and its kernels show the ONNX operators they fused. */
    private static void checkOnnx(List<Cell> cells) {
        assertTrue(cells.getFirst().result().startsWith("OnnxModel(") && cells.getFirst().result().contains("light_squeezenet.onnx"),
                cells.getFirst()::toString);
        assertTrue(cell(cells, "out.describe()").result().contains("lazy"));
        Cell counted = cell(cells, "Counters.kernelCount()");
        int kernels = Integer.parseInt(counted.result().strip());
        assertTrue(kernels >= 10, counted::toString);
        Cell report = cell(cells, "%kernels");
        assertTrue(report.result().startsWith(kernels + " kernels") && report.result().contains("[Conv, Relu"), report::toString);
        Cell bench = cell(cells, "%%bench");
        assertTrue(bench.mimes().equals("image/png text/html text/plain") && bench.result().contains("Conv"), bench::toString);
    }

    /** The fusion page: each rule's kernel count, the four DEBUG levels, %kernels, %graph and the two benches. */
    private static void checkFusion(List<Cell> cells) {
        boolean cpu = cell(cells, "System.out.println(\"device: \"").stdout().contains("device: JAVA");
        var counts = new java.util.LinkedHashMap<String, String>();
        counts.put("kernels(chain)", "1");
        counts.put("kernels(ab.add(c)", "1");
        counts.put("kernels(a.matmul(w)", "1");
        counts.put("square().mean(1))", "1");
        counts.put("kernels(cube.sum(2)", "1");
        counts.put("kernels(a.sub(a.sum(1, true)))", "2");
        if (cpu) { // on GPUs a row's max and sum stay in the kernel that reads them
            counts.put("kernels(a.softmax(1))", "3");
            counts.put("kernels(layerNorm)", "3");
        }
        counts.put("contiguous().mul(c))", "2");
        counts.put("kernels(a.reshape(256, 1024)", "0");
        counts.put("flip(0)", "1");
        counts.forEach((source, expected) -> {
            Cell c = cell(cells, source);
            assertEquals(expected, c.result().strip(), () -> source + " launched the wrong number of kernels: " + c);
        });

        Cell level1 = cell(cells, "%%debug 1");
        assertTrue(level1.display().contains("scheduled 1 kernel") && !level1.display().contains("*** "), level1::toString);
        Cell level2 = cell(cells, "%%debug 2");
        assertTrue(level2.display().contains("*** ") && level2.display().contains("r_512_512")
                && level2.display().contains("[mul, add, relu, sum]") && !level2.display().contains("opts ["), level2::toString);
        Cell level3 = cell(cells, "%%debug 3");
        assertTrue(level3.display().contains("*** ") && level3.display().contains("global [") && level3.display().contains("opts ["),
                level3::toString);
        Cell level4 = cell(cells, "%%debug 4\nTensor.realize(a.mul");
        assertTrue(level4.display().contains("r_512_512") && level4.html().contains("<span") && level4.mimes().contains("text/html"),
                level4::toString);

        Cell kernels = cell(cells, "%kernels");
        assertTrue(kernels.result().startsWith("1 kernel") && kernels.result().contains("[add, mul, exp, sub, relu]"), kernels::toString);
        Cell graph = cell(cells, "%graph");
        assertTrue(graph.mimes().contains("image/svg+xml") && (!cpu || graph.result().contains("-> 3 kernels")), graph::toString);

        assertTrue(cell(cells, "var k = full(").stdout().contains("kernels so far: 0"));
        Cell folded = cell(cells, "Tensor.realize(k)");
        assertTrue(folded.display().contains("scheduled 1 kernel") && folded.display().contains("50.0"), folded::toString);

        Cell fused = cell(cells, "x1.add(x2).mul(x3)"), stepwise = cell(cells, "x1.add(x2).realize()");
        assertTrue(fused.mimes().equals("image/png text/html text/plain") && fused.result().contains("(1 launch)"), fused::toString);
        assertTrue(stepwise.mimes().equals("image/png text/html text/plain") && stepwise.result().contains("(5 launches)"), stepwise::toString);

        String summary = cell(cells, "rows.put(").stdout();
        assertTrue(summary.contains("a.sub(a.sum(1, true))                    2 kernel(s)")
                && summary.contains("a.reshape(256, 1024)                     0 kernel(s)"), summary);
    }

    /** The training page: the loop drew its chart, and the printed test accuracy is at least 88%. */
    private static void checkTraining(List<Cell> cells) {
        Cell loop = cell(cells, "updateDisplay(chartId, chart)");
        assertTrue(loop.mimes().contains("image/png") && loop.display().contains("XYChart"), () -> "no loss chart: " + loop);
        assertTrue(loop.stdout().contains("epoch 1: mean loss") && loop.stdout().contains("kernels per step"), loop::toString);
        Cell result = cell(cells, "test accuracy %.2f%%");
        var m = Pattern.compile("test accuracy (\\d+\\.\\d+)% after (\\d+) steps in (\\d+) s on ").matcher(result.stdout());
        assertTrue(m.find(), result::toString);
        double accuracy = Double.parseDouble(m.group(1));
        System.out.println("training.ipynb: " + m.group());
        assertTrue(accuracy >= 88.0, () -> "test accuracy " + accuracy + "% is under 88%: " + result);
        Cell perClass = cell(cells, "FashionMnist.CLASSES.get(c)");
        assertTrue(perClass.stdout().contains("Ankle boot") && perClass.stdout().lines().count() == 10, perClass::toString);
        assertTrue(cells.getFirst().stdout().contains("train [60000, 28, 28], test [10000, 28, 28]"), cells.getFirst()::toString);
        assertTrue(cell(cells, "var first = ").mimes().contains("image/png"));
    }

    /** The benchmarks page: calibrated peaks, three %%bench comparisons across devices, and a chart from the Java API. */
    private static void checkBenchmarks(List<Cell> cells) {
        Cell peaks = cell(cells, "Peaks.of(d)");
        assertTrue(peaks.stdout().contains("Peaks[device=JAVA") && peaks.stdout().contains("Peaks[device=OPENCL:0"), peaks::toString);
        Cell devices = cells.get(cells.indexOf(peaks) + 1);
        assertTrue(devices.source().startsWith("%devices") && devices.result().contains("copy GB/s") && devices.result().contains("OPENCL:0"),
                devices::toString);
        for (String source : List.of("in(\"a\").matmul", "in(\"x\").mul(1.5)", "in(\"s\").softmax(1)")) {
            Cell bench = cells.stream().filter(c -> c.source().startsWith("%%bench") && c.source().contains(source)).findFirst()
                    .orElseThrow(() -> new AssertionError("no %%bench cell runs " + source));
            assertTrue(bench.mimes().equals("image/png text/html text/plain") && bench.html().contains("<table")
                    && bench.result().contains("OPENCL:0 / JAVA") && bench.result().contains("peak %"), bench::toString);
        }
        Cell fromJava = cell(cells, "Magics.bench(");
        assertEquals(6, fromJava.stdout().lines().filter(l -> l.contains("% of peak (")).count(), fromJava::toString);
        Cell chart = cell(cells, "CategoryChartBuilder");
        assertTrue(chart.mimes().contains("image/png") && chart.result().startsWith("CategoryChart"), chart::toString);
    }

    /** The scripting page: ./jtiny run ran experiment.jsh, the notebook ran the same code, and the losses agree. */
    private static void checkScripting(List<Cell> cells) throws IOException {
        String script = Files.readString(root().resolve("notebooks/experiment.jsh"));
        Cell run = cell(cells, "new ProcessBuilder(");
        assertTrue(run.stdout().contains("exit code 0") && run.stdout().contains("step 200  loss ")
                && run.stdout().contains("200 steps in ") && run.stdout().contains("median"), run::toString);
        Cell same = cell(cells, "manualSeed(0);");
        assertTrue(script.contains(same.source()), "the notebook's experiment cell is no longer the script's code");
        assertTrue(same.stdout().contains("step 200  loss ") && same.result().isEmpty(), same::toString);
        Cell sideBySide = cell(cells, "fromScript");
        assertTrue(sideBySide.stdout().strip().endsWith("identical"), sideBySide::toString);
        Cell text = cell(cells, "System.out.println(Magics.bench(");
        assertTrue(script.contains(text.source()) && text.stdout().startsWith("1 kernel")
                && (text.stdout().contains("median ms") || text.stdout().contains("median µs"))
                && text.mimes().isEmpty(), text::toString);
        Cell rich = cells.getLast();
        assertTrue(rich.source().startsWith("Magics.bench(") && rich.mimes().equals("image/png text/html text/plain"), rich::toString);
    }
}
