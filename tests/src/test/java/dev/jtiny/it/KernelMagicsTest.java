// Every magic through the real kernel and a real Jupyter client (Debian's jupyter_client over ZeroMQ): the MIME
// types and contents each one produces, and one-line errors for wrong use after which the session goes on.
package dev.jtiny.it;

import static dev.jtiny.it.Processes.PYTHON;
import static dev.jtiny.it.Processes.jupyterEnv;
import static dev.jtiny.it.Processes.root;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtiny.it.Processes.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelMagicsTest {
    @TempDir static Path dir;

    @BeforeAll
    static void installKernel() throws Exception {
        Processes.installKernel(dir, "jtiny-magics-test", "jupyter_client",
                "jupyter_client is missing under " + PYTHON + " (.ci/run installs python3-jupyter-client)");
    }

    @Test
    void eachMagicAnswersAJupyterClientWithItsOwnOutput() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src/demo"));
        Files.writeString(src.resolve("Hello.java"), "package demo; public class Hello { public String greet() { return \"hello\"; } }");
        Path classes = Files.createDirectories(dir.resolve("classes"));
        assertEquals(0, ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(),
                src.resolve("Hello.java").toString()));
        Path load = Files.writeString(dir.resolve("setup.jsh"), "int loaded = 21;\n");
        Path script = root().resolve("tests/src/test/python/kernel_magics.py");
        var env = new HashMap<>(jupyterEnv(dir));
        env.put("JTINY_MAVEN_OFFLINE", "1"); // %maven resolves from ~/.m2 only: no test downloads
        Result r = Processes.run(dir, List.of(PYTHON, script.toString(), "jtiny-magics-test", classes.toString(), load.toString()), env);
        assertEquals(0, r.exit(), r::toString);
        var lines = r.keyed();

        assertEquals("[\"ok\", true, true, true]", lines.get("lsmagic"), r::toString);
        assertEquals("[\"ok\", true]", lines.get("help"), r::toString);
        assertEquals("[\"ok\", true]", lines.get("help_question"), r::toString);
        assertEquals("[\"ok\", true, true, true, true]", lines.get("cell_debug"), () -> "%%debug 4: trace with the kernel's source\n" + r);
        assertEquals("[\"ok\", \"0\"]", lines.get("cell_debug_restored"), r::toString);
        assertTrue(lines.get("debug_on").startsWith("[\"ok\", \"DEBUG 2"), r::toString);
        assertEquals("[\"ok\", \"84.0\", true]", lines.get("debug_session"), () -> "%debug 2 traces later cells\n" + r);
        assertEquals("[\"ok\", \"112.0\", 0]", lines.get("debug_off"), r::toString);
        String kernels = lines.get("kernels");
        assertTrue(kernels.matches("\\[\"ok\", \"(\\d+)\", \"\\1\", true, true]"), () -> "%kernels lists what Counters counted\n" + r);
        assertTrue(lines.get("cell_kernels").matches("\\[\"ok\", \"(\\d+)\", \"\\1\"]"), () -> "%%kernels\n" + r);
        assertEquals("[\"ok\", true, true, true, true, [\"image/png\", \"text/html\", \"text/plain\"]]", lines.get("bench"),
                () -> "%%bench: table and chart\n" + r);
        assertEquals("[\"ok\", true, true]", lines.get("bench_devices"), () -> "%%bench --devices JAVA,OPENCL\n" + r);
        assertEquals("[\"ok\", true, true]", lines.get("graph"), r::toString);
        assertEquals("[\"ok\", true, true]", lines.get("devices"), r::toString);
        assertEquals("[\"error\", \"MagicError\", 0, true]", lines.get("device_bad"), r::toString);
        assertEquals("[\"ok\", \"\\\"JAVA\\\"\"]", lines.get("device"), r::toString);
        assertEquals("[\"ok\", \"499500.0\", true]", lines.get("time"), r::toString);
        assertEquals("[\"ok\", \"99.0\", true]", lines.get("cell_time"), r::toString);
        assertTrue(lines.get("timeit").startsWith("[\"ok\", true"), r::toString);
        assertEquals("[\"ok\", \"2\"]", lines.get("beam"), r::toString);
        assertEquals("[\"ok\", \"0\"]", lines.get("jit"), r::toString);
        assertEquals("[\"ok\", true]", lines.get("cache"), r::toString);
        assertEquals("[\"ok\", \"\\\"hello\\\"\"]", lines.get("classpath"), r::toString);
        assertEquals("[\"error\", \"MagicError\", true]", lines.get("classpath_bad"), r::toString);
        assertEquals("[\"ok\", true, true]", lines.get("maven"), r::toString);
        assertEquals("[\"error\", \"MagicError\", true]", lines.get("maven_bad"), r::toString);
        assertEquals("[\"ok\", \"42\"]", lines.get("load"), r::toString);
        assertEquals("[\"error\", \"MagicError\", 0, true]", lines.get("unknown"), r::toString);
        assertEquals("[\"error\", 0, true, true]", lines.get("bad_option"), r::toString);
        assertEquals("[\"error\", true]", lines.get("bench_method"), r::toString);
        assertEquals("[\"error\", true]", lines.get("line_numbers"), r::toString);
        assertEquals("[\"ok\", \"2\"]", lines.get("after"), r::toString);
        assertEquals("{\"%be\": [[\"%beam\"], 0], \"%%be\": [[\"%%bench\"], 0], \"%%bench --w\": [[\"--warmup\"], 8], "
                + "\"x = 1;\\n%kern\": [[\"%kernels\"], 7], \"%jit o\": [[\"on\", \"off\"], 5]}", lines.get("complete"), r::toString);
        assertEquals("[true, []]", lines.get("schema"), r::toString);
    }
}
