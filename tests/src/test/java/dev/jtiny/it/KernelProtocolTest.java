// The Jupyter kernel through a real Jupyter client: ./jtiny install writes the kernelspec, Debian's
// jupyter_client (under /usr/bin/python3) starts the kernel and talks to it over ZeroMQ.
package dev.jtiny.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtiny.it.Processes.Result;
import static dev.jtiny.it.Processes.PYTHON;
import static dev.jtiny.it.Processes.jupyterEnv;
import static dev.jtiny.it.Processes.root;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelProtocolTest {
    @TempDir static Path dir;

    @BeforeAll
    static void installKernel() throws Exception {
        Processes.installKernel(dir, "jtiny-test", "jupyter_client", "jupyter_client is missing under " + PYTHON + " (.ci/run installs python3-jupyter-client)");
    }

    @Test
    void installWritesAKernelspecThatJupyterLists() throws Exception {
        Path spec = dir.resolve("share/jupyter/kernels/jtiny-test/kernel.json");
        String json = Files.readString(spec);
        assertTrue(json.contains("\"display_name\": \"Java (jtiny)\"") && json.contains("\"language\": \"java\"")
                && json.contains("\"interrupt_mode\": \"message\"")
                && json.contains("\"dev.jtiny.kernel.cli.Cli\", \"kernel\", \"{connection_file}\"")
                && json.contains(Path.of(System.getProperty("java.home"), "bin", "java").toString()), json);
        Result r = Processes.run(dir, List.of(PYTHON, "-c",
                "from jupyter_client.kernelspecapp import KernelSpecApp; KernelSpecApp.launch_instance()", "list"), jupyterEnv(dir));
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("jtiny-test") && r.out().contains(spec.getParent().toString()), r::toString);
    }

    @Test
    void aJupyterClientExecutesCompletesInterruptsSurvivesSystemExitAndRestarts() throws Exception {
        Path script = root().resolve("tests/src/test/python/kernel_session.py");
        Result r = Processes.run(dir, List.of(PYTHON, script.toString(), "jtiny-test"), jupyterEnv(dir));
        assertEquals(0, r.exit(), r::toString);
        var lines = r.keyed();
        assertEquals("[\"ok\", \"java\", \"jtiny\"]", lines.get("kernel_info"), r::toString);
        assertEquals("[\"ok\", \"2\"]", lines.get("one_plus_one"), r::toString);
        assertEquals("[\"ok\", \"hi\\n\"]", lines.get("stdout"), r::toString);
        assertEquals("[\"ok\", \"e\\n\"]", lines.get("stderr"), r::toString);
        assertEquals("[\"ok\", true, 0, true]", lines.get("stdout_utf8"),
                () -> "3000 prints of multi-byte characters: all there, none split, in few stream messages\n" + r);
        assertTrue(lines.get("compile_error").startsWith("[\"error\"")
                && lines.get("compile_error").contains("line 2:12: error: incompatible types: int cannot be converted to java.lang.String"), r::toString);
        assertTrue(lines.get("exception").startsWith("[\"error\"")
                && lines.get("exception").contains("java.lang.NullPointerException")
                && lines.get("exception").contains("at cell 5, line 3"), r::toString);
        assertEquals("[\"ok\", [1, 4, \"int a = 1;\\nString s = 5;\"], [1, 5, \"int b = 2;\\nObject o = null;\\no.hashCode();\"]]",
                lines.get("history_tail"), r::toString);
        assertEquals("[\"ok\", [1, 1, \"1+1\"], [1, 2, \"System.out.println(\\\"hi\\\")\"]]", lines.get("history_range"), r::toString);
        assertEquals("[\"ok\", [1, 2, \"System.out.println(\\\"hi\\\")\"], [1, 3, \"System.err.println(\\\"e\\\")\"]]",
                lines.get("history_search"), r::toString);
        assertEquals("[\"ok\", true, true, true, true, true]", lines.get("html_small"), () -> "2x3 tensor's text/html\n" + r);
        assertEquals("[\"ok\", true, true, true, true]", lines.get("html_large"), () -> "100x100 tensor's summarised text/html\n" + r);
        assertEquals("[\"ok\", true, true, true, true, \"\"]", lines.get("table_small"), () -> "a Tablesaw table's text/html\n" + r);
        assertEquals("[\"ok\", true, true, true, true, true, true]", lines.get("table_large"),
                () -> "a 1000-row table's summarised text/html\n" + r);
        assertEquals("[\"ok\", true, true, true]", lines.get("image"), () -> "a BufferedImage's image/png (120 KB)\n" + r);
        assertEquals("[\"ok\", [\"stream\", \"display_data\", \"stream\", \"display_data\", \"execute_result\"], "
                + "\"beforeafter\\n\", true, true, true]", lines.get("display"), () -> "display(...) mid-cell\n" + r);
        assertEquals("[\"ok\", 1, true, true]", lines.get("update_display"), () -> "updateDisplay(id, ...)\n" + r);
        assertEquals("[\"ok\", 2, true, true]", lines.get("display_rich"), () -> "display(image), display(table)\n" + r);
        assertEquals("[\"ok\", \"0\"]", lines.get("lazy"), () -> "var t = ... launched kernels\n" + r);
        assertEquals("[\"ok\", \"12.0\"]", lines.get("sum"), r::toString);
        assertEquals("[\"ok\", true, 0, 4]", lines.get("complete"), r::toString);
        assertEquals("[\"ok\", true, true]", lines.get("inspect"), r::toString);
        assertEquals("\"complete\"", lines.get("is_complete_complete"), r::toString);
        assertEquals("\"incomplete\"", lines.get("is_complete_incomplete"), r::toString);
        assertEquals("\"invalid\"", lines.get("is_complete_invalid"), r::toString);
        assertEquals("[\"error\", true]", lines.get("interrupt"), () -> "a while (true) {} cell was not stopped within 2 s\n" + r);
        assertEquals("[\"ok\", \"3\"]", lines.get("after_interrupt"), r::toString);
        assertEquals("[\"ok\", \"42\"]", lines.get("state_kept"), r::toString);
        assertTrue(lines.get("exit").startsWith("[\"error\"") && lines.get("exit").contains("state was lost; a fresh engine is ready"), r::toString);
        assertEquals("[\"ok\", \"4\"]", lines.get("after_exit"), r::toString);
        assertEquals("[\"input_request\", \"ok\", \"\\\"hello from stdin\\\"\"]", lines.get("stdin"), r::toString);
        assertEquals("[\"error\", true, true]", lines.get("restart_gone"), () -> "after restart_kernel\n" + r);
        assertEquals("[\"ok\", \"2\"]", lines.get("restart_fresh"), r::toString);
        assertEquals("[\"ok\", true, [400, 300], true]", lines.get("chart"), () -> "an XChart chart as image/png\n" + r);
        assertEquals("[\"ok\", true, [140, 140]]", lines.get("tensor_image"), () -> "image(28x28 tensor), enlarged 5x\n" + r);
        assertEquals("[\"ok\", [40, 40]]", lines.get("tensor_image_rgb"), () -> "image([3,4,4] tensor, 10)\n" + r);
        assertEquals("[\"error\", true]", lines.get("tensor_image_bad"), r::toString);
        assertEquals("[\"ok\", {}]", lines.get("comm_info"), r::toString);
        assertTrue(lines.get("schema").startsWith("[true, [], [") && lines.get("schema").contains("\"comm_info_reply\"")
                && lines.get("schema").contains("\"input_request\"") && lines.get("schema").contains("\"update_display_data\""),
                () -> "every message checked against protocol 5.3: " + lines.get("schema") + "\n" + r);
        assertEquals("true", lines.get("shutdown"), r::toString);
    }

    @Test
    void aBadlySignedMessageIsDroppedTheKernelListensOnLoopbackOnlySurvivesOomAndCrashesAndNamesErrors() throws Exception {
        Path script = root().resolve("tests/src/test/python/kernel_hardening.py");
        Path marker = dir.resolve("forged-cell-ran"), log = dir.resolve("kernel-stderr.txt");
        var env = new HashMap<>(jupyterEnv(dir));
        env.put("JTINY_ENGINE_OPTS", "-Xmx256m");
        Path startup = Files.writeString(dir.resolve("startup.jsh"), "int fromStartup = 7;\n");
        env.put("JTINY_STARTUP", startup.toString());
        env.put("PYTHONPATH", script.getParent().toString());
        Result r = Processes.run(dir, List.of(PYTHON, script.toString(), "jtiny-test", marker.toString(), log.toString()), env);
        assertEquals(0, r.exit(), r::toString);
        var lines = r.keyed();
        assertEquals("[[], false]", lines.get("bad_signature"), () -> "a forged execute_request got an answer or ran\n" + r);
        assertEquals("[\"ok\", \"2\", false]", lines.get("after_bad_signature"), r::toString);
        assertEquals("[true, false]", lines.get("log"), () -> "the kernel's stderr does not report the rejected signature\n" + r);
        assertEquals("[\"127.0.0.1\", [\"127.0.0.1\"], true]", lines.get("bound"), r::toString);
        assertEquals("[\"error\", \"java.lang.OutOfMemoryError\", true]", lines.get("oom"), r::toString);
        assertEquals("[\"ok\", \"2\"]", lines.get("after_oom"), r::toString);
        assertEquals("[\"error\", \"EngineRestarted\", true, true]", lines.get("native_crash"),
                () -> "a SIGSEGV in cell code: the kernel must answer, name the crash report and restart the engine\n" + r);
        assertEquals("[\"error\", true]", lines.get("after_crash_state"), r::toString);
        assertEquals("[\"ok\", \"3.0\"]", lines.get("after_crash"), r::toString);
        assertEquals("[\"error\", \"java.lang.IllegalStateException\", [\"java.lang.IllegalStateException\"], true]",
                lines.get("ename_exception"), r::toString);
        assertEquals("[\"error\", \"CompilationError\", [\"CompilationError\"]]", lines.get("ename_compile"), r::toString);
        assertEquals("[\"error\", \"EngineRestarted\", true]", lines.get("ename_exit"), r::toString);
        assertEquals("[\"ok\", \"2\"]", lines.get("after_exit"), r::toString);
        assertEquals("[\"ok\", \"7\"]", lines.get("startup"), () -> "JTINY_STARTUP's script did not run\n" + r);
        assertEquals("[\"ok\", \"7\"]", lines.get("startup_after_restart"), () -> "a fresh engine runs JTINY_STARTUP again\n" + r);
    }

    @Test
    void installUserIntoAFreshHomeIsListedByJupyter() throws Exception {
        Path home = Files.createDirectories(dir.resolve("fresh-home"));
        // HOME only: no JUPYTER_DATA_DIR, JUPYTER_PATH or XDG_DATA_HOME from this test or its caller.
        List<String> clean = List.of("env", "-u", "JUPYTER_DATA_DIR", "-u", "JUPYTER_PATH", "-u", "XDG_DATA_HOME",
                "-u", "JUPYTER_CONFIG_DIR", "-u", "JUPYTER_RUNTIME_DIR", "HOME=" + home);
        Map<String, String> env = Map.of("JAVA_HOME", System.getProperty("java.home"), "JTINY_NO_BUILD", "1");
        var install = new java.util.ArrayList<>(clean);
        install.addAll(List.of(root().resolve("jtiny").toString(), "install", "--user"));
        Result r = Processes.run(dir, install, env);
        assertEquals(0, r.exit(), r::toString);
        Path spec = home.resolve(".local/share/jupyter/kernels/jtiny/kernel.json");
        assertTrue(Files.isRegularFile(spec), () -> spec + " is missing\n" + r);
        var list = new java.util.ArrayList<>(clean);
        list.addAll(List.of(PYTHON, "-c", "from jupyter_client.kernelspec import KernelSpecManager; "
                + "print(KernelSpecManager().find_kernel_specs().get('jtiny'))"));
        Result l = Processes.run(dir, list, env);
        assertEquals(0, l.exit(), l::toString);
        assertEquals(spec.getParent().toString(), l.out().strip(), l::toString);
    }
}
