// Every notebook in notebooks/ runs end to end: ./jtiny install puts the kernel into a temp prefix, and Debian's
// nbclient (under /usr/bin/python3) executes a copy of the notebook on it. No cell may fail; the quickstart's
// outputs are checked too.
package dev.jtiny.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtiny.it.Processes.Result;
import static dev.jtiny.it.Processes.PYTHON;
import static dev.jtiny.it.Processes.jupyterEnv;
import static dev.jtiny.it.Processes.root;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
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
        Result r = Processes.run(work, List.of(PYTHON, script.toString(), "jtiny", copy.toString(),
                work.resolve("executed.ipynb").toString(), cells.toString()), jupyterEnv(dir));
        assertEquals(0, r.exit(), () -> notebook + " failed under nbclient\n" + r);
        var out = new ArrayList<Cell>();
        for (int i = 0; Files.exists(cells.resolve(i + ".source")); i++) {
            out.add(new Cell(read(cells, i, "source"), read(cells, i, "result"), read(cells, i, "html"),
                    read(cells, i, "stdout"), read(cells, i, "stderr"), read(cells, i, "display"), read(cells, i, "mimes"),
                    read(cells, i, "error")));
        }
        assertFalse(out.isEmpty(), () -> notebook + " has no code cells\n" + r);
        return out;
    }

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
            List<Cell> cells = execute(nb);
            if (nb.getFileName().toString().equals("quickstart.ipynb")) checkQuickstart(cells);
            if (nb.getFileName().toString().equals("magics.ipynb")) checkMagics(cells);
            if (nb.getFileName().toString().equals("onnx.ipynb")) checkOnnx(cells);
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
}
