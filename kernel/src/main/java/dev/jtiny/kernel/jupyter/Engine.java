// The kernel's side of the execution engine: a JShell whose snippets run in a child JVM that may die.
package dev.jtiny.kernel.jupyter;

import dev.jtiny.kernel.Startup;
import dev.jtiny.kernel.engine.EngineAgent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.ExpressionSnippet;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.SourceCodeAnalysis.Completeness;
import jdk.jshell.UnresolvedReferenceException;
import jdk.jshell.VarSnippet;
import jdk.jshell.execution.JdiExecutionControlProvider;

/**
 * Cells run in a child JVM ({@link EngineAgent}) so that {@code System.exit}, an {@code OutOfMemoryError} or a
 * native crash end only that JVM: the kernel notices, starts a fresh one and says that the state was lost.
 * {@link #stop()} interrupts a running cell through JDI, even a {@code while (true) {}}.
 */
final class Engine implements AutoCloseable {
    /** Where a crashing engine JVM writes its fatal-error report (%p: its process id), instead of the notebook's folder. */
    static final Path CRASH_DIR = Path.of(System.getProperty("java.io.tmpdir"));
    private static final String CRASH_PREFIX = "jtiny-engine-crash-";
    private static final Pattern WRAPPER = Pattern.compile("REPL\\.\\$JShell\\$\\d+[A-Z]?\\.");

    /** A cell that did not run to its end; the message is what the user sees. */
    static final class CellError extends RuntimeException {
        final String name;
        CellError(String name, String message) {
            super(message);
            this.name = name;
        }
    }

    /** Makes the engine once the kernel's output streams exist. */
    interface Factory {
        Engine start(PrintStream out, PrintStream err, InputStream in);
    }

    private final String classPath;
    private final List<String> vmOptions;
    private final List<Startup.Script> startup;
    private final int timeoutSeconds;
    private long startedAt;
    /** What %classpath and %maven added: a fresh engine gets it too. */
    private final List<String> addedClassPath = new java.util.concurrent.CopyOnWriteArrayList<>();
    private boolean runningStartup;
    private final PrintStream out, err;
    private final InputStream in;
    private final Map<String, int[]> snippetLine = new HashMap<>(); // snippet id -> {cell, first line}
    private volatile JShell shell;
    private volatile boolean engineDied;
    private volatile boolean stopped;

    /** {@code in}: what the cells' System.in reads (the kernel's asks the frontend, when it allows stdin). */
    Engine(String classPath, List<String> vmOptions, List<Startup.Script> startup, int timeoutSeconds, PrintStream out,
           PrintStream err, InputStream in) {
        this.classPath = classPath;
        this.startup = startup;
        this.timeoutSeconds = timeoutSeconds;
        this.in = in;
        this.vmOptions = vmOptions;
        this.out = out;
        this.err = err;
        this.shell = start();
    }

    private JShell start() {
        var options = new ArrayList<>(List.of("--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector",
                "-Djava.awt.headless=true", "-Dslf4j.internal.verbosity=ERROR", // Tablesaw brings slf4j-api, no provider
                "-XX:ErrorFile=" + CRASH_DIR.resolve(CRASH_PREFIX + "%p.log")));
        options.addAll(vmOptions);
        options.addAll(List.of("-cp", classPath));
        JShell s = launch(options);
        startedAt = System.currentTimeMillis();
        s.onShutdown(dead -> { if (dead == shell) engineDied = true; });
        s.addToClasspath(classPath);
        for (String added : addedClassPath) s.addToClasspath(added);
        var imports = new ArrayList<>(Startup.IMPORTS);
        imports.add(Startup.KERNEL_IMPORT);
        for (String setup : imports) {
            for (SnippetEvent e : s.eval(setup)) {
                if (e.status() == Snippet.Status.REJECTED) throw new IllegalStateException(
                        "jtiny kernel: startup snippet failed: " + setup + " (is the class path complete? " + classPath + ")");
            }
        }
        engineDied = false;
        shell = s;
        runningStartup = true;
        try {
            for (Startup.Script script : startup) {
                try {
                    run(0, script.source());
                } catch (CellError e) { // the session goes on without the rest of that script
                    err.println("jtiny: startup script " + script.path() + " failed: " + e.getMessage());
                    err.flush();
                }
            }
        } finally {
            runningStartup = false;
        }
        return s;
    }

    /** Launch attempts for the engine JVM: on a loaded machine its first connection back can fail once. */
    static final int LAUNCH_ATTEMPTS = 3;

    /** A JShell whose execution engine is a fresh JVM with {@code options}; tried again if that JVM does not connect. */
    private JShell launch(List<String> options) {
        for (int attempt = 1; ; attempt++) {
            try {
                return JShell.builder()
                        .executionEngine(new JdiExecutionControlProvider(),
                                Map.of(JdiExecutionControlProvider.PARAM_REMOTE_AGENT, EngineAgent.class.getName(),
                                        JdiExecutionControlProvider.PARAM_TIMEOUT, String.valueOf(timeoutSeconds * 1000L)))
                        .remoteVMOptions(options.toArray(String[]::new))
                        .compilerOptions("--add-modules", "jdk.incubator.vector", "-Xlint:-incubating")
                        .in(in).out(out).err(err)
                        .build();
            } catch (IllegalStateException e) { // "Launching JShell execution engine threw: ..."
                if (attempt == LAUNCH_ATTEMPTS) throw e;
                System.err.println("jtiny kernel: the engine JVM did not start (" + e.getMessage() + "); starting another, attempt "
                        + (attempt + 1) + " of " + LAUNCH_ATTEMPTS);
            }
        }
    }

    /**
     * Runs the cell's snippets in order and returns the text of its last expression, or null when it does not
     * end in one (a declaration shows nothing, so {@code var y = x.matmul(w);} computes nothing).
     */
    String run(int cell, String code) {
        stopped = false;
        String value = null;
        int pos = 0;
        SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
        while ((pos = skipBlank(code, pos)) < code.length()) {
            var info = analysis.analyzeCompletion(code.substring(pos));
            if (info.completeness() == Completeness.EMPTY) break;
            int start = pos;
            pos = code.length() - info.remaining().length();
            if (info.completeness() == Completeness.DEFINITELY_INCOMPLETE
                    || info.completeness() == Completeness.CONSIDERED_INCOMPLETE) {
                int[] lc = lineColumn(code, start);
                throw new CellError("CompilationError", "line " + lc[0] + ":" + lc[1] + ": this snippet is incomplete: "
                        + code.substring(start).strip());
            }
            value = null;
            List<SnippetEvent> events;
            try {
                events = shell.eval(info.source());
            } catch (IllegalStateException closed) { // the engine died before or while this snippet ran
                events = List.of();
                engineDied = true;
            }
            if (engineDied) throw restarted();
            if (stopped) throw interrupted(); // a stopped snippet reports no exception of its own
            for (SnippetEvent e : events) {
                if (e.causeSnippet() != null) continue; // a dependent snippet updated in passing
                synchronized (snippetLine) {
                    snippetLine.put(e.snippet().id(), new int[] {cell, lineColumn(code, start)[0]});
                }
                if (e.status() == Snippet.Status.REJECTED) throw compileError(e.snippet(), code, start);
                if (e.exception() != null) throw runtimeError(e.exception());
                value = display(e);
            }
        }
        return value;
    }

    /** The text/plain of a snippet the way a REPL shows it: expressions only, tensors in full. */
    private String display(SnippetEvent e) {
        Snippet s = e.snippet();
        if (s instanceof VarSnippet v && v.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND) {
            return shell.varValue(v); // the child turns it into a string here; a tensor is computed now
        }
        if (s instanceof ExpressionSnippet x && x.subKind() == Snippet.SubKind.VAR_VALUE_SUBKIND) {
            return shell.variables().filter(v -> v.name().equals(x.name()) && shell.status(v).isActive())
                    .findFirst().map(shell::varValue).orElse(e.value());
        }
        return s instanceof ExpressionSnippet ? e.value() : null;
    }

    private CellError restarted() {
        if (runningStartup) return new CellError("EngineRestarted", "the engine exited while running this startup script");
        Path report = crashReport();
        shell = start();
        return new CellError("EngineRestarted", report != null
                ? "the execution engine crashed (a fatal error in native code); its report is " + report + "; state was "
                        + "lost; a fresh engine is ready"
                : "the execution engine exited (System.exit, a crash or running out of memory); state was lost; a fresh "
                        + "engine is ready");
    }

    /** The fatal-error report the engine JVM wrote since it started, if it crashed. */
    private Path crashReport() {
        try (var files = Files.list(CRASH_DIR)) {
            return files.filter(f -> f.getFileName().toString().startsWith(CRASH_PREFIX)).filter(f -> {
                try {
                    return Files.getLastModifiedTime(f).toMillis() >= startedAt;
                } catch (IOException gone) {
                    return false;
                }
            }).max(Comparator.comparing(Path::toString)).orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    private static CellError interrupted() {
        return new CellError("Interrupted", "the cell was interrupted; the engine keeps its state");
    }

    private CellError compileError(Snippet snippet, String code, int start) {
        List<Diag> errors = shell.diagnostics(snippet).filter(Diag::isError)
                .sorted(Comparator.comparingLong(Diag::getPosition)).toList();
        if (errors.isEmpty()) {
            int[] lc = lineColumn(code, start);
            return new CellError("CompilationError", "line " + lc[0] + ":" + lc[1] + ": this snippet was rejected: "
                    + snippet.source().strip());
        }
        var message = new StringBuilder();
        for (Diag d : errors) {
            int offset = Math.min(code.length(), start + (int) Math.max(0, d.getPosition()));
            int[] lc = lineColumn(code, offset);
            String text = d.getMessage(Locale.ROOT).replaceAll("(?m)^\\s*location: class\\s*$\\n?", "").stripTrailing();
            int lineStart = code.lastIndexOf('\n', offset - 1) + 1;
            int lineEnd = code.indexOf('\n', offset);
            message.append("line ").append(lc[0]).append(':').append(lc[1]).append(": error: ").append(text).append('\n')
                    .append(code, lineStart, lineEnd < 0 ? code.length() : lineEnd).append('\n')
                    .append(" ".repeat(lc[1] - 1)).append("^\n");
        }
        return new CellError("CompilationError", message.toString().stripTrailing());
    }

    private CellError runtimeError(JShellException ex) {
        if (stopped) return interrupted();
        var message = new StringBuilder();
        String name = "Exception";
        Throwable t = ex;
        for (boolean first = true; t != null; t = t.getCause(), first = false) {
            String what = switch (t) {
                case UnresolvedReferenceException u -> "unresolved reference: " + u.getSnippet().source().strip()
                        + " needs " + shell.unresolvedDependencies(u.getSnippet()).collect(Collectors.joining(", "));
                case EvalException e -> e.getExceptionClassName()
                        + (e.getMessage() == null ? "" : ": " + WRAPPER.matcher(e.getMessage()).replaceAll(""));
                default -> t.toString();
            };
            if (first) name = t instanceof EvalException e ? e.getExceptionClassName() : t.getClass().getSimpleName();
            message.append(first ? "" : "Caused by: ").append(what).append('\n');
            // The user's frames: from the throw down to the last frame of cell code; the engine's are noise.
            StackTraceElement[] frames = t.getStackTrace();
            int last = -1;
            for (int i = 0; i < frames.length; i++) if (isCellFrame(frames[i])) last = i;
            for (int i = 0; i <= last; i++) message.append("\tat ").append(frame(frames[i])).append('\n');
        }
        if (name.equals("java.lang.OutOfMemoryError")) message.append("(the engine survived; state is kept)\n");
        return new CellError(name, message.toString().stripTrailing());
    }

    private static boolean isCellFrame(StackTraceElement f) {
        return f.getFileName() != null && f.getFileName().startsWith("#");
    }

    private String frame(StackTraceElement f) {
        if (!isCellFrame(f)) return f.toString();
        int[] where = snippetLine.get(f.getFileName().substring(1));
        String method = f.getMethodName().isEmpty() || f.getMethodName().equals("do_it$") ? "" : f.getMethodName() + " in ";
        if (where == null) return method + "snippet " + f.getFileName().substring(1) + ", line " + f.getLineNumber();
        return method + "cell " + where[0] + ", line " + (where[1] + f.getLineNumber() - 1);
    }

    /** Interrupts the running cell, if any. */
    void stop() {
        stopped = true;
        try {
            shell.stop();
        } catch (IllegalStateException closed) {
            // the engine is gone; run() replaces it
        }
    }

    JShell shell() { return shell; }

    /** The engine's class path: jtiny's own, then what %classpath and %maven added. */
    String classPath() {
        return addedClassPath.isEmpty() ? classPath : classPath + java.io.File.pathSeparator
                + String.join(java.io.File.pathSeparator, addedClassPath);
    }

    /** Adds a jar or folder to the running engine (compiler and JVM), and to every engine after it. */
    void addToClasspath(String path) {
        shell.addToClasspath(path);
        addedClassPath.add(path);
    }

    /** The ids of the snippets cell {@code cell} ran, in order. */
    List<String> snippetsOf(int cell) {
        synchronized (snippetLine) {
            return snippetLine.entrySet().stream().filter(e -> e.getValue()[0] == cell).map(Map.Entry::getKey).toList();
        }
    }

    /** The snippet of {@code code} around {@code cursor}: {start offset, end offset}. */
    int[] snippetAt(String code, int cursor) {
        int pos = 0;
        SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
        while (true) {
            int start = skipBlank(code, pos);
            if (start >= code.length() || start >= cursor) return new int[] {Math.min(start, cursor), code.length()};
            var info = analysis.analyzeCompletion(code.substring(start));
            int end = code.length() - info.remaining().length();
            if (end >= cursor || end <= start || !info.completeness().isComplete()) return new int[] {start, code.length()};
            pos = end;
        }
    }

    static int skipBlank(String code, int pos) {
        while (pos < code.length() && Character.isWhitespace(code.charAt(pos))) pos++;
        return pos;
    }

    /** 1-based {line, column} of an offset. */
    static int[] lineColumn(String code, int offset) {
        int line = 1, lineStart = 0;
        for (int i = 0; i < offset && i < code.length(); i++) {
            if (code.charAt(i) == '\n') { line++; lineStart = i + 1; }
        }
        return new int[] {line, offset - lineStart + 1};
    }

    @Override public void close() {
        try {
            shell.close();
        } catch (RuntimeException ignored) {
            // closing a dead engine
        }
    }
}
