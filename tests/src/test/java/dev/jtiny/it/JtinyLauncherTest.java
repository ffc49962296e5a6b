// The ./jtiny launcher script itself: JDK discovery, class path, JVM options and subcommand handling.
package dev.jtiny.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtiny.it.Processes.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JtinyLauncherTest {
    @TempDir Path dir;

    private Result jtiny(Map<String, String> env, String... args) throws Exception {
        var command = new java.util.ArrayList<>(List.of(Processes.root().resolve("jtiny").toString()));
        command.addAll(List.of(args));
        var fullEnv = new java.util.HashMap<>(Map.of(
                "JAVA_HOME", System.getProperty("java.home"),
                "JTINY_NO_BUILD", "1")); // the reactor already packaged kernel; never run Maven inside Maven
        fullEnv.putAll(env);
        return Processes.run(dir, command, fullEnv);
    }

    @Test
    void runsAScriptWithArgsAndJvmOptions() throws Exception {
        // verify runs after package, so the launcher's jar and lib/ are there.
        assertTrue(Files.isRegularFile(Processes.root().resolve("kernel/target/jtiny-kernel.jar")), "kernel/target/jtiny-kernel.jar");
        Files.writeString(dir.resolve("hello.jsh"), """
                System.out.println("args " + String.join(",", ARGS));
                System.out.println("debug " + Config.debug());
                System.out.println("sum " + java.util.stream.IntStream.range(0, 10).sum());
                /exit 5
                """);
        Result r = jtiny(Map.of("JTINY_JVM_OPTS", "-Djtiny.debug=4 -Xss4m"), "run", "hello.jsh", "p", "q");
        assertEquals(5, r.exit(), r::toString);
        assertEquals(List.of("args p,q", "debug 4", "sum 45"), r.out().lines().toList(), r::toString);
    }

    @Test
    void startupScriptsRunBeforeTheScriptWithTheSameImports() throws Exception {
        Files.writeString(dir.resolve("first.jsh"), "String greeting = \"hello from startup\";\n");
        Files.writeString(dir.resolve("second.jsh"), "Layer twice(Layer l) { return new Sequential(l, l); }\n");
        Files.writeString(dir.resolve("main.jsh"), """
                System.out.println(greeting);
                var net = twice(new Linear(3, 3));
                System.out.println(net.parameters().size());
                """);
        Result r = jtiny(Map.of("JTINY_STARTUP", dir.resolve("first.jsh") + ":" + dir.resolve("second.jsh")), "run", "main.jsh");
        assertEquals(0, r.exit(), r::toString);
        assertEquals(List.of("hello from startup", "4"), r.out().lines().toList(), r::toString);

        Result missing = jtiny(Map.of("JTINY_STARTUP", dir.resolve("nope.jsh").toString()), "run", "main.jsh");
        assertEquals(2, missing.exit(), missing::toString);
        assertTrue(missing.err().contains("jtiny: JTINY_STARTUP: cannot read startup script " + dir.resolve("nope.jsh")),
                missing::toString);
    }

    @Test
    void unknownCommandPrintsUsageOnStderrAndExitsTwo() throws Exception {
        Result r = jtiny(Map.of(), "frobnicate");
        assertEquals(2, r.exit(), r::toString);
        assertEquals("", r.out(), r::toString);
        assertTrue(r.err().contains("jtiny: unknown command 'frobnicate'") && r.err().contains("usage: jtiny"), r::toString);
    }

    @Test
    void helpPrintsUsage() throws Exception {
        Result r = jtiny(Map.of(), "help");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().startsWith("usage: jtiny <command>"), r::toString);
    }
}
