// Runs a child process to completion and captures what it printed: the end-to-end tests' one tool.
package dev.jtiny.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jtiny.onnx.OnnxTestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

final class Processes {
    /** Options every jtiny JVM gets (the same as ./jtiny and surefire pass). */
    static final List<String> JVM_OPTIONS = List.of("--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector");

    record Result(int exit, String out, String err) {
        @Override public String toString() { return "exit " + exit + "\n--- stdout:\n" + out + "--- stderr:\n" + err; }

        /** The "key: value" lines of stdout (the Python clients' report format), by key; a later line wins. */
        Map<String, String> keyed() {
            var lines = new HashMap<String, String>();
            out.lines().filter(l -> l.contains(": ")).forEach(l -> lines.put(l.substring(0, l.indexOf(": ")), l.substring(l.indexOf(": ") + 2)));
            return lines;
        }
    }

    /** Debian's Python, which holds jupyter_client, nbclient and nbformat (not the python3 first on PATH). */
    static final String PYTHON = "/usr/bin/python3";

    private Processes() {}

    /** The repository root: the nearest directory above the working directory holding ./jtiny and pom.xml. */
    static Path root() {
        for (Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("jtiny")) && Files.isRegularFile(p.resolve("pom.xml"))) return p;
        }
        throw new AssertionError("no directory above " + System.getProperty("user.dir") + " holds the jtiny script");
    }

    /** Environment for Jupyter tools and ./jtiny that keeps every Jupyter path and HOME inside {@code dir}. */
    static Map<String, String> jupyterEnv(Path dir) {
        var env = new java.util.HashMap<>(Map.of("JAVA_HOME", System.getProperty("java.home"), "JTINY_NO_BUILD", "1",
                "JUPYTER_PATH", dir.resolve("share/jupyter").toString(),
                "JUPYTER_DATA_DIR", dir.resolve("data").toString(),
                "JUPYTER_RUNTIME_DIR", dir.resolve("runtime").toString(), "HOME", dir.toString(),
                "JTINY_MAVEN_OFFLINE", "1")); // %maven in tests resolves from ~/.m2 only: no test downloads
        // Kernels and scripts run in folders of their own: they get the light ONNX models' folder this JVM found.
        OnnxTestData.suite("light").ifPresent(light -> env.put(OnnxTestData.SETTING, light.getParent().toString()));
        return Map.copyOf(env);
    }

    /**
     * Installs the kernel as {@code name} under {@code dir} with ./jtiny install --prefix, after checking that
     * {@link #PYTHON} can import {@code modules} (the test is skipped, saying what to install, when it cannot).
     */
    static void installKernel(Path dir, String name, String modules, String missing) throws IOException, InterruptedException {
        assumeTrue(Files.isExecutable(Path.of(PYTHON)), PYTHON + " is missing (.ci/run installs it)");
        Result check = run(dir, List.of(PYTHON, "-c", "import " + modules), Map.of());
        assumeTrue(check.exit() == 0, missing);
        Result r = run(dir, List.of(root().resolve("jtiny").toString(), "install", "--prefix", dir.toString(), "--name", name), jupyterEnv(dir));
        assertEquals(0, r.exit(), r::toString);
    }

    /** {@code java ... dev.jtiny.kernel.cli.Cli args}, in this JVM's JDK with this JVM's class path. */
    static Result cli(Path dir, String... args) throws IOException, InterruptedException {
        return cli(dir, Map.of(), args);
    }

    /** The same with extra environment variables (DEBUG, DEVICE, CACHEDIR, …). */
    static Result cli(Path dir, Map<String, String> env, String... args) throws IOException, InterruptedException {
        var command = new ArrayList<String>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_OPTIONS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.jtiny.kernel.cli.Cli"));
        command.addAll(List.of(args));
        return run(dir, command, env);
    }

    /** Runs {@code command} in {@code dir} with {@code env} added to this JVM's environment; at most 120 s. */
    static Result run(Path dir, List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        return run(dir, command, env, Duration.ofSeconds(120));
    }

    /**
     * The same with a time limit: past it the process and its descendants are killed and the test fails with what
     * they printed. A {@code null} value in {@code env} unsets that variable.
     */
    static Result run(Path dir, List<String> command, Map<String, String> env, Duration limit) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "stdout", ".txt"), err = Files.createTempFile(dir, "stderr", ".txt");
        var builder = new ProcessBuilder(command).directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        env.forEach((k, v) -> {
            if (v == null) builder.environment().remove(k); else builder.environment().put(k, v);
        });
        Process p = builder.start();
        if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor();
            fail("timed out after " + limit.toSeconds() + " s: " + command + "\n" + Files.readString(out) + Files.readString(err));
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }
}
