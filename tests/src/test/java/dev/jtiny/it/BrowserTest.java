// What a person sees in a browser: Debian's Jupyter Notebook serves a copy of notebooks/magics.ipynb with the jtiny
// kernel on loopback, headless Chromium (Debian's, driven by playwright-core from tests/src/test/browser) runs all
// its cells from the menu, and the page it then shows is checked: tensor tables, the %%bench table and chart, the
// %kernels sources, the %graph picture, errors only where the notebook expects them. Screenshots go to
// tests/target/browser (or where -Djtiny.screenshots says; docs/img holds a set from a real run).
package dev.jtiny.it;

import static dev.jtiny.it.Processes.PYTHON;
import static dev.jtiny.it.Processes.jupyterEnv;
import static dev.jtiny.it.Processes.root;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path SCRIPTS = root().resolve("tests/src/test/browser");

    @TempDir Path dir;

    /** What run-notebook.mjs prints: the page after all cells ran, one entry per code cell. */
    record Page(String notebook, String kernel, long runMs, List<String> pageErrors, List<String> screenshots, List<Cell> cells) {}
    record Cell(int index, String source, String prompt, List<Output> outputs) {
        String text() { return String.join("\n", outputs.stream().map(Output::text).toList()); }
        List<Output> of(String kind) { return outputs.stream().filter(o -> o.kind().equals(kind)).toList(); }
        @Override public String toString() {
            String shown = text().length() > 3000 ? text().substring(0, 3000) + "\n(…)" : text();
            return "cell " + index + " " + prompt + "\n" + source + "\n--- shows:\n" + shown;
        }
    }
    record Output(String kind, String text, List<Table> tables, List<Image> images, List<Svg> svgs) {}
    record Table(String classes, String caption, List<String> head, List<List<String>> rows) {}
    record Image(String src, int naturalWidth, int naturalHeight, double width, double height) {}
    record Svg(double width, double height, int texts, int paths) {}

    @Test
    void theMagicsNotebookRunsInChromiumAndShowsItsTablesChartsAndSources() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), CHROMIUM + " is missing: no browser to test with (.ci/run installs Debian's chromium)");
        Optional<Path> node = onPath("node");
        assumeTrue(node.isPresent(), "node is not on the PATH (.ci/run installs Debian's nodejs and npm)");
        assumeTrue(Files.isDirectory(SCRIPTS.resolve("node_modules/playwright-core")),
                "playwright-core is not installed: run npm ci in " + SCRIPTS + " (.ci/run does)");
        Processes.installKernel(dir, "jtiny", "notebook.notebookapp",
                "Jupyter Notebook is missing under " + PYTHON + " (.ci/run installs Debian's jupyter-notebook)");

        Path work = Files.createDirectories(dir.resolve("notebooks"));
        Path notebook = Files.copy(root().resolve("notebooks/magics.ipynb"), work.resolve("magics.ipynb"));
        Path shots = Path.of(System.getProperty("jtiny.screenshots", root().resolve("tests/target/browser").toString())).toAbsolutePath();
        String token = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
        int port;
        try (var socket = new ServerSocket(0)) { port = socket.getLocalPort(); }

        Path serverLog = dir.resolve("notebook-server.log");
        var server = new ProcessBuilder(PYTHON, "-m", "notebook", "--no-browser", "--allow-root", "--ip=127.0.0.1",
                "--port=" + port, "--NotebookApp.port_retries=0", "--NotebookApp.token=" + token,
                "--notebook-dir=" + work).directory(work.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(serverLog.toFile());
        server.environment().putAll(jupyterEnv(dir));
        Process jupyter = server.start();
        Page page;
        try {
            String url = "http://127.0.0.1:" + port;
            awaitServer(jupyter, url, token, serverLog);
            List<String> command = List.of(node.get().toString(), SCRIPTS.resolve("run-notebook.mjs").toString(),
                    url, token, notebook.getFileName().toString(), shots.toString(),
                    "notebook-bench=%%bench -n 5", "notebook-kernels=%kernels", "notebook-tensor=%%kernels --opts",
                    "notebook-graph=%graph");
            Processes.Result r = run(work, command, Map.of("CHROMIUM", CHROMIUM.toString()), Duration.ofSeconds(240));
            assertEquals(0, r.exit(), () -> "the browser run failed (what the page showed: " + shots.resolve("failure.png") + ")\n"
                    + r + "--- notebook server:\n" + read(serverLog));
            page = new Gson().fromJson(r.out(), Page.class);
            System.out.println("BrowserTest: ran " + page.cells().size() + " cells of " + page.notebook() + " in Chromium in "
                    + page.runMs() + " ms; screenshots " + page.screenshots());
        } finally {
            stop(jupyter);
        }
        check(page, notebook, shots);
    }

    private static void check(Page page, Path notebook, Path shots) throws IOException {
        List<Cell> cells = page.cells();
        assertEquals("jtiny", page.kernel());
        assertEquals(List.of(), page.pageErrors(), "the notebook page threw JavaScript errors");
        // Every code cell ran once, in order, from the menu's Run All.
        assertEquals(codeCellSources(notebook), cells.stream().map(Cell::source).toList(), "the page shows other cells than the file has");
        assertEquals(IntStream.rangeClosed(1, cells.size()).mapToObj(i -> "In [" + i + "]:").toList(),
                cells.stream().map(Cell::prompt).toList());

        // Errors only in the cells tagged raises-exception, each one line saying what was wrong; no stderr anywhere.
        List<String> failing = cells.stream().filter(c -> !c.of("error").isEmpty()).map(Cell::source).toList();
        assertEquals(taggedSources(notebook, "raises-exception"), failing, "cells showing an error");
        assertTrue(cell(cells, "%device TPU").text().strip().matches("%device: no device 'TPU'; available: JAVA[^\\n]*"),
                cell(cells, "%device TPU")::toString);
        assertTrue(cell(cells, "%%bench --fast").text().strip().matches("%bench: unknown option --fast; valid options: [^\\n]*"),
                cell(cells, "%%bench --fast")::toString);
        assertEquals(List.of(), cells.stream().filter(c -> !c.of("stderr").isEmpty()).toList(), "cells printing to stderr");
        assertEquals("2", cells.getLast().text().strip(), "the session goes on after the wrong magics");

        checkTensors(cells);
        checkKernels(cells);
        checkGraphAndBench(cells);

        assertEquals(5, page.screenshots().size(), page.screenshots()::toString);
        for (String s : page.screenshots()) {
            var image = ImageIO.read(Path.of(s).toFile());
            assertTrue(image != null && image.getWidth() >= 600 && image.getHeight() >= 100,
                    () -> s + " is not a screenshot of a cell: " + (image == null ? "unreadable" : image.getWidth() + "x" + image.getHeight()));
            assertTrue(Path.of(s).startsWith(shots), s);
        }
    }

    /** Tensors render as tables: 256 sums of 256 values in [1, 3) and a softmax, summarised around a "…". */
    private static void checkTensors(List<Cell> cells) {
        Cell sums = cell(cells, "%%debug 4");
        Output sumsOut = sums.of("html").getLast();
        assertTrue(sumsOut.text().startsWith("Tensor shape [256], dtype float, device JAVA, realized"), sums::toString);
        Table row = single(sumsOut.tables(), sums);
        assertEquals(edges(), row.head(), sums::toString);
        assertEquals(1, row.rows().size(), sums::toString);
        for (String v : row.rows().getFirst()) {
            if (!v.equals("…")) assertTrue(Double.parseDouble(v) > 256 && Double.parseDouble(v) < 768, () -> v + " is no sum of 256 values in [1, 3)");
        }

        Cell softmax = cell(cells, "%%kernels --opts");
        Output matrix = softmax.of("html").getLast();
        assertTrue(matrix.text().startsWith("Tensor shape [256, 256], dtype float, device JAVA, realized"), softmax::toString);
        Table t = single(matrix.tables(), softmax);
        assertEquals(Stream.concat(Stream.of(""), edges().stream()).toList(), t.head(), softmax::toString);
        assertEquals(edges(), t.rows().stream().map(List::getFirst).toList(), "row labels\n" + softmax);
        // softmax of 256 values in [0, 1): each lies between 1 / (256 e) and e / 256
        double low = 1 / (256 * Math.E), high = Math.E / 256;
        for (List<String> r : t.rows()) {
            assertEquals(22, r.size(), r::toString);
            for (String v : r.subList(1, r.size())) {
                if (!v.equals("…")) assertTrue(Double.parseDouble(v) >= low && Double.parseDouble(v) <= high, () -> v + " is no softmax of 256 values in [0, 1)");
            }
        }
    }

    /** "0".."9", "…", "246".."255": the indices a summarised axis of 256 shows. */
    private static List<String> edges() {
        return Stream.concat(Stream.concat(IntStream.range(0, 10).mapToObj(Integer::toString), Stream.of("…")),
                IntStream.range(246, 256).mapToObj(Integer::toString)).toList();
    }

    /** %kernels lists the kernels Counters counted in the cell before, with each one's Java source. */
    private static void checkKernels(List<Cell> cells) {
        Cell counted = cell(cells, "Counters.reset();");
        int n = Integer.parseInt(counted.text().strip());
        assertTrue(n >= 2, counted::toString);
        Cell kernels = cells.get(cells.indexOf(counted) + 1);
        assertEquals("%kernels", kernels.source());
        Output out = kernels.of("html").getFirst();
        assertTrue(out.text().startsWith(n + " kernels"), kernels::toString);
        Table list = single(out.tables(), kernels);
        assertEquals(List.of("#", "kernel", "device", "global", "local", "time", "GFLOPS", "GB/s", "fused ops"), list.head());
        assertEquals(n, list.rows().size(), kernels::toString);
        for (int i = 0; i < n; i++) {
            List<String> r = list.rows().get(i);
            assertEquals(Integer.toString(i + 1), r.get(0));
            assertTrue(r.get(1).matches("[Er]_\\d+(_\\d+)*") && r.get(2).equals("JAVA"), r::toString);
            assertTrue(out.text().contains("#" + (i + 1) + " " + r.get(1) + " [" + r.get(8) + "]"), () -> "no heading for " + r + " in\n" + out.text());
        }
        assertEquals(n, count(out.text(), "implements dev.jtiny.runtime.device.JavaKernel"), () -> "one Java source per kernel\n" + out.text());
        assertEquals(n, count(out.text(), "public void run(Object[] args, int start, int end) {"), out::text);
        // The matmul's 256-long reduction shows either as the generated loop or as the register tile's call into the shared
        // micro-kernel (k is its third argument), whichever the CPU's vector width chose.
        assertTrue(out.text().contains("for (int ridx0 = 0; ridx0 < 256; ridx0++)")
                || Pattern.compile("Gemm\\.tile\\(\\d+, \\d+, 256, ").matcher(out.text()).find(),
                () -> "the matmul's reduce loop\n" + out.text());
    }

    /** %graph predicts the kernels of an expression without running it; %%bench then times exactly those, with a chart. */
    private static void checkGraphAndBench(List<Cell> cells) {
        Cell graph = cell(cells, "%graph x.matmul(w).add(1).relu().sum(1)");
        Output picture = graph.of("html").getFirst();
        Svg svg = single(picture.svgs(), graph);
        assertTrue(svg.width() > 200 && svg.height() > 200 && svg.texts() >= 15 && svg.paths() >= 10, svg::toString);
        Matcher summary = Pattern.compile("(\\d+) nodes -> 1 kernel \\(dry run\\)").matcher(picture.text());
        assertTrue(summary.find(), picture::text);
        Matcher predicted = Pattern.compile("k1 (\\S+) JAVA \\[matmul, add, relu, sum]").matcher(picture.text());
        assertTrue(predicted.find(), picture::text);

        Cell bench = cell(cells, "%%bench -n 5 --warmup 2\nx.matmul(w).add(1).relu().sum(1)");
        Output report = single(bench.outputs(), bench);
        Table t = single(report.tables(), bench);
        assertTrue(t.caption().startsWith("JAVA: 5 runs after 2 warm-up runs; wall ") && t.caption().endsWith("(1 launch)"), t::caption);
        assertEquals(List.of("kernel", "calls", "median ms", "min ms", "max ms", "GFLOPS", "GB/s", "share %", "peak %", "bound", "ops"), t.head());
        assertEquals(List.of(predicted.group(1), "total"), t.rows().stream().map(List::getFirst).toList(), "one row per kernel %graph predicted, and the total");
        List<String> kernel = t.rows().getFirst();
        assertEquals("1", kernel.get(1));
        double median = Double.parseDouble(kernel.get(2)), min = Double.parseDouble(kernel.get(3)), max = Double.parseDouble(kernel.get(4));
        assertTrue(0 < min && min <= median && median <= max, kernel::toString);
        assertEquals("100.0", kernel.get(7));
        assertEquals("matmul add relu sum", kernel.get(10));
        checkChart(single(report.images(), bench), bench);

        Cell sideBySide = cell(cells, "%%bench -n 3 --warmup 1 --devices JAVA,OPENCL");
        Output both = single(sideBySide.outputs(), sideBySide);
        assertEquals(3, both.tables().size(), sideBySide::toString);
        assertTrue(both.tables().get(1).caption().startsWith("OPENCL:0: 3 runs") && both.tables().get(2).head().contains("OPENCL:0 / JAVA"),
                sideBySide::toString);
        checkChart(single(both.images(), sideBySide), sideBySide);
    }

    /** The chart is a PNG in the page that the browser decoded and laid out. */
    private static void checkChart(Image chart, Cell cell) {
        assertTrue(chart.src().startsWith("data:image/png;base64,"), chart::toString);
        assertTrue(chart.naturalWidth() >= 480 && chart.naturalHeight() >= 300, () -> "the chart did not load: " + chart + "\n" + cell);
        assertTrue(chart.width() > 0 && chart.height() > 0, () -> "the chart is not shown: " + chart);
    }

    private static Cell cell(List<Cell> cells, String sourceStart) {
        return cells.stream().filter(c -> c.source().startsWith(sourceStart)).findFirst()
                .orElseThrow(() -> new AssertionError("no code cell starts with " + sourceStart));
    }

    private static <T> T single(List<T> items, Cell cell) {
        assertEquals(1, items.size(), () -> "expected one, found " + items + " in " + cell);
        return items.getFirst();
    }

    private static int count(String text, String part) {
        return (text.length() - text.replace(part, "").length()) / part.length();
    }

    private static List<String> codeCellSources(Path notebook) throws IOException {
        return codeCells(notebook).map(BrowserTest::source).toList();
    }

    private static List<String> taggedSources(Path notebook, String tag) throws IOException {
        return codeCells(notebook).filter(c -> c.getAsJsonObject("metadata").has("tags")
                && c.getAsJsonObject("metadata").getAsJsonArray("tags").asList().stream().anyMatch(t -> t.getAsString().equals(tag)))
                .map(BrowserTest::source).toList();
    }

    private static Stream<com.google.gson.JsonObject> codeCells(Path notebook) throws IOException {
        return JsonParser.parseString(Files.readString(notebook)).getAsJsonObject().getAsJsonArray("cells").asList().stream()
                .map(JsonElement::getAsJsonObject).filter(c -> c.get("cell_type").getAsString().equals("code"));
    }

    private static String source(com.google.gson.JsonObject cell) {
        JsonElement s = cell.get("source");
        if (!s.isJsonArray()) return s.getAsString();
        return String.join("", s.getAsJsonArray().asList().stream().map(JsonElement::getAsString).toList());
    }

    /** Waits until the server answers with the token (it starts in a second or two), or fails with its log. */
    private static void awaitServer(Process jupyter, String url, String token, Path log) throws Exception {
        var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        var request = HttpRequest.newBuilder(URI.create(url + "/api/status?token=" + token)).timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!jupyter.isAlive()) fail("the notebook server exited with " + jupyter.exitValue() + "\n" + read(log));
            try {
                if (http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) return;
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        fail("the notebook server did not answer on " + url + " within 60 s\n" + read(log));
    }

    /** SIGTERM, on which the server shuts its kernels down; then whatever of its process tree is left is killed. */
    private static void stop(Process jupyter) throws InterruptedException {
        List<ProcessHandle> tree = jupyter.descendants().toList();
        jupyter.destroy();
        if (!jupyter.waitFor(20, TimeUnit.SECONDS)) jupyter.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        for (ProcessHandle p : tree) {
            if (p.isAlive()) p.destroyForcibly();
        }
    }

    /** Like Processes.run, with this test's own time limit (the browser run takes longer than a script). */
    private static Processes.Result run(Path dir, List<String> command, Map<String, String> env, Duration limit)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "stdout", ".txt"), err = Files.createTempFile(dir, "stderr", ".txt");
        var builder = new ProcessBuilder(command).directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().putAll(env);
        Process p = builder.start();
        if (!p.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor();
            fail("timed out after " + limit.toSeconds() + " s: " + command + "\n" + Files.readString(out) + Files.readString(err));
        }
        return new Processes.Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static Optional<Path> onPath(String program) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)).filter(s -> !s.isEmpty())
                .map(d -> Path.of(d, program)).filter(Files::isExecutable).findFirst();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(could not read " + file + ": " + e + ")";
        }
    }
}
