// The jtiny command line behind ./jtiny: run a script, run the demo, or open an interactive JShell.
package dev.jtiny.kernel.cli;

import dev.jtiny.kernel.Startup;
import dev.jtiny.kernel.jupyter.JtinyKernel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import jdk.jshell.tool.JavaShellToolBuilder;

public final class Cli {
    static final String USAGE = """
            usage: jtiny <command> [args]
              demo                  run the built-in demo script
              run FILE.jsh [args]   run a JShell script; its arguments are in String[] ARGS
              jshell                interactive JShell with jtiny on the class path
              kernel CONNECTION_FILE  the Jupyter kernel (started by Jupyter through kernel.json)
            """;

    private Cli() {}

    public static void main(String[] args) throws Exception {
        String command = args.length == 0 ? "help" : args[0];
        List<String> rest = Arrays.asList(args).subList(Math.min(1, args.length), args.length);
        int code;
        try {
            code = switch (command) {
                case "run" -> run(rest);
                case "demo" -> demo(rest);
                case "jshell" -> jshell(rest);
                case "kernel" -> kernel(rest);
                case "help", "-h", "--help" -> { System.out.print(USAGE); yield 0; }
                default -> { System.err.print("jtiny: unknown command '" + command + "'\n" + USAGE); yield 2; }
            };
        } catch (java.io.UncheckedIOException | IllegalArgumentException badSetting) { // JTINY_STARTUP, JTINY_TIMEOUT
            System.err.println("jtiny: " + badSetting.getMessage());
            code = 2;
        }
        System.out.flush();
        System.exit(code); // also ends threads a script left running
    }

    private static int run(List<String> args) throws IOException {
        if (args.isEmpty()) {
            System.err.print("jtiny run: which script?\n" + USAGE);
            return 2;
        }
        String file = args.getFirst();
        String source;
        try {
            source = Files.readString(Path.of(file));
        } catch (NoSuchFileException e) {
            System.err.println("jtiny run: no such file: " + file);
            return 2;
        }
        return new ScriptRunner(file, source, System.err).run(args.subList(1, args.size()));
    }

    private static int demo(List<String> args) throws IOException {
        try (InputStream in = Cli.class.getResourceAsStream("demo.jsh")) {
            String source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new ScriptRunner("demo.jsh", source, System.err).run(args);
        }
    }

    /**
     * The Jupyter kernel on the connection file's sockets. Cells run in a child JVM with this class path plus
     * JTINY_CLASSPATH, and with the options in JTINY_ENGINE_OPTS (for example "-Xmx8g").
     */
    private static int kernel(List<String> args) throws Exception {
        if (args.size() != 1) {
            System.err.print("jtiny kernel: which connection file?\n" + USAGE);
            return 2;
        }
        String classPath = System.getProperty("java.class.path");
        String extra = System.getenv().getOrDefault("JTINY_CLASSPATH", "");
        if (!extra.isBlank()) classPath = classPath + java.io.File.pathSeparator + extra;
        List<String> engineOptions = Arrays.stream(System.getenv().getOrDefault("JTINY_ENGINE_OPTS", "").split("\\s+"))
                .filter(s -> !s.isEmpty()).toList();
        List<Startup.Script> startup = Startup.scripts();
        int timeout = Startup.engineTimeoutSeconds(System.getenv());
        JtinyKernel.serve(Files.readString(Path.of(args.getFirst())), classPath, engineOptions, startup, timeout);
        return 0;
    }

    /** The stock jshell tool, its snippets run in a separate JVM with jtiny's class path and options. */
    private static int jshell(List<String> args) throws Exception {
        Path startup = Files.createTempFile("jtiny-startup", ".jsh");
        startup.toFile().deleteOnExit();
        Files.writeString(startup, String.join("\n", Startup.IMPORTS) + "\n");
        var options = new java.util.ArrayList<>(List.of(
                "--class-path", System.getProperty("java.class.path"),
                "--add-modules", "jdk.incubator.vector",
                "-C-Xlint:-incubating",
                "-R--enable-native-access=ALL-UNNAMED",
                "--startup", "DEFAULT", "--startup", startup.toString()));
        for (Startup.Script s : Startup.scripts()) options.addAll(List.of("--startup", s.path()));
        options.addAll(args);
        return JavaShellToolBuilder.builder().start(options.toArray(String[]::new));
    }
}
