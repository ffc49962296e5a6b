// What every notebook, `jtiny jshell` session and `jtiny run` script starts with: the DSL's imports, then the
// user's own startup scripts (JTINY_STARTUP).
package dev.jtiny.kernel;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

public final class Startup {
    /** The DSL, layers, optimizers, the runtime's configuration, counters and devices, the magics' Java API and ONNX models. */
    public static final List<String> IMPORTS = List.of("import dev.jtiny.*;", "import static dev.jtiny.T.*;",
            "import dev.jtiny.nn.*;", "import dev.jtiny.optim.*;", "import dev.jtiny.runtime.*;", "import dev.jtiny.runtime.engine.Devices;",
            "import dev.jtiny.magics.*;", "import dev.jtiny.onnx.*;");
    /** The kernel adds display(...), updateDisplay(...) and image(...), which only a notebook can show. */
    public static final String KERNEL_IMPORT = "import static dev.jtiny.kernel.engine.Display.*;";

    private Startup() {}

    /** One startup script: its path (for messages) and text. */
    public record Script(String path, String source) {}

    /**
     * The scripts named by JTINY_STARTUP ({@code :}-separated .jsh files), read now; a missing one is an error that
     * names it, not a silently different session.
     */
    public static List<Script> scripts() { return scripts(System.getenv()); }

    static List<Script> scripts(Map<String, String> env) {
        String list = env.getOrDefault("JTINY_STARTUP", "");
        return Arrays.stream(list.split(File.pathSeparator)).filter(s -> !s.isBlank()).map(p -> {
            try {
                return new Script(p, Files.readString(Path.of(p)));
            } catch (IOException e) {
                throw new UncheckedIOException("JTINY_STARTUP: cannot read startup script " + p + " (" + e + "); "
                        + "expected readable .jsh files separated by '" + File.pathSeparator + "'", e);
            }
        }).toList();
    }

    /** Seconds the kernel waits for a fresh engine JVM to start and connect (JTINY_TIMEOUT, default 30). */
    public static int engineTimeoutSeconds(Map<String, String> env) {
        String v = env.getOrDefault("JTINY_TIMEOUT", "30").strip();
        try {
            int s = Integer.parseInt(v);
            if (s > 0) return s;
        } catch (NumberFormatException ignored) {
            // the message below
        }
        throw new IllegalArgumentException("JTINY_TIMEOUT=" + v + ": expected a positive whole number of seconds");
    }
}
