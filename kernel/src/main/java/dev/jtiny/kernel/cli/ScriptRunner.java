// Runs a .jsh script non-interactively in this JVM through the jdk.jshell API, reporting the first
// failure against the script's own lines, the way javac and java would.
package dev.jtiny.kernel.cli;

import dev.jtiny.kernel.Startup;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import jdk.jshell.DeclarationSnippet;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.MethodSnippet;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis.Completeness;
import jdk.jshell.UnresolvedReferenceException;
import jdk.jshell.VarSnippet;

public final class ScriptRunner {

    private static final Pattern EXIT = Pattern.compile("/exit(?:\\s+(-?\\d+))?\\s*(?://.*)?");
    // Snippet variables live in wrapper classes; their names leak into messages such as NPE's.
    private static final Pattern WRAPPER = Pattern.compile("REPL\\.\\$JShell\\$\\d+[A-Z]?\\.");

    private final String file;
    private final String text;
    private final PrintStream err;
    private final Map<String, Integer> snippetStart = new HashMap<>(); // snippet id -> offset in text

    /** {@code file} is the name errors are reported against; {@code source} is the script's text. */
    public ScriptRunner(String file, String source, PrintStream err) {
        this.file = file;
        this.text = source.replace("\r\n", "\n");
        this.err = err;
    }

    /** Runs the script with {@code args} bound to {@code String[] ARGS}; returns the exit code. */
    public int run(List<String> args) {
        try (JShell shell = JShell.builder()
                .executionEngine(new LazyValues(), java.util.Map.of()) // in-process: the script's System.out is ours
                .out(System.out).err(System.err)
                .compilerOptions("--add-modules", "jdk.incubator.vector", "-Xlint:-incubating")
                .build()) {
            shell.addToClasspath(System.getProperty("java.class.path"));
            for (String setup : setupSnippets(args)) {
                for (SnippetEvent e : shell.eval(setup)) {
                    if (e.status() == Snippet.Status.REJECTED || e.exception() != null) {
                        throw new IllegalStateException("jtiny: setup snippet failed: " + setup + " (" + e.exception() + ")"
                                + "\n(is the class path complete? " + System.getProperty("java.class.path") + ")");
                    }
                }
            }
            for (Startup.Script startup : Startup.scripts()) {
                int code = new ScriptRunner(startup.path(), startup.source(), err).runScript(shell);
                if (code != 0) return code;
            }
            return runScript(shell);
        }
    }

    private int runScript(JShell shell) {
        int pos = 0;
        while ((pos = skipBlank(pos)) < text.length()) {
            if (text.charAt(pos) == '/') { // a jshell command such as /exit
                int end = text.indexOf('\n', pos);
                String command = text.substring(pos, end < 0 ? text.length() : end).strip();
                var exit = EXIT.matcher(command);
                if (exit.matches()) return exit.group(1) == null ? 0 : Integer.parseInt(exit.group(1));
                String name = command.split("\\s")[0];
                error(pos, name.equals("/exit") ? "/exit takes an integer exit code, as in /exit 3"
                        : "'" + name + "' is a jshell command; scripts support only /exit [code]");
                return 1;
            }
            var info = shell.sourceCodeAnalysis().analyzeCompletion(text.substring(pos));
            Completeness c = info.completeness();
            if (c == Completeness.EMPTY) break;
            if (!c.isComplete() && c != Completeness.UNKNOWN) {
                error(pos, "reached end of file while parsing: this snippet is never completed");
                return 1;
            }
            int start = pos;
            pos = text.length() - info.remaining().length();
            for (SnippetEvent e : shell.eval(info.source())) {
                if (e.causeSnippet() != null) continue; // a dependent snippet updated in passing
                snippetStart.put(e.snippet().id(), start);
                if (e.status() == Snippet.Status.REJECTED) {
                    reportRejected(shell, e.snippet(), start);
                    return 1;
                }
                if (e.exception() != null) {
                    reportException(shell, e.exception(), start);
                    return 1;
                }
            }
        }
        return 0;
    }

    private List<String> setupSnippets(List<String> args) {
        String array = args.stream().map(ScriptRunner::javaString).collect(Collectors.joining(", "));
        var all = new ArrayList<>(Startup.IMPORTS);
        all.add("String[] ARGS = new String[] {" + array + "};");
        return all;
    }

    private void reportRejected(JShell shell, Snippet snippet, int start) {
        List<Diag> errors = shell.diagnostics(snippet).filter(Diag::isError)
                .sorted(Comparator.comparingLong(Diag::getPosition)).toList();
        if (errors.isEmpty()) error(start, "this snippet was rejected: " + snippet.source().strip());
        for (Diag d : errors) {
            String message = d.getMessage(Locale.ROOT).replaceAll("(?m)^\\s*location: class\\s*$\\n?", "").stripTrailing();
            error(start + (int) Math.max(0, d.getPosition()), message);
        }
    }

    private void reportException(JShell shell, JShellException ex, int start) {
        String where = location(start);
        for (StackTraceElement f : ex.getStackTrace()) {
            if (isSnippetFrame(f)) { where = frameLocation(f); break; }
        }
        String what = switch (ex) {
            case UnresolvedReferenceException u -> u.getClass().getName() + ": " + describe(u.getSnippet()) + " cannot be used until "
                    + shell.unresolvedDependencies(u.getSnippet()).collect(Collectors.joining(", ")) + " is declared";
            case EvalException e -> describe(e);
            default -> ex.toString();
        };
        err.println("Exception in " + where + ": " + what);
        printFrames(ex);
        for (Throwable cause = ex.getCause(); cause != null; cause = cause.getCause()) {
            err.println("Caused by: " + (cause instanceof EvalException e ? describe(e) : cause.toString()));
            printFrames(cause);
        }
    }

    private static String describe(DeclarationSnippet s) {
        return switch (s) {
            case MethodSnippet m -> "method " + m.name() + "(" + m.parameterTypes() + ")";
            case VarSnippet v -> "variable " + v.name();
            default -> "class " + s.name();
        };
    }

    private static String describe(EvalException e) {
        String message = e.getMessage() == null ? "" : ": " + WRAPPER.matcher(e.getMessage()).replaceAll("");
        return e.getExceptionClassName() + message;
    }

    private void printFrames(Throwable t) {
        for (StackTraceElement f : t.getStackTrace()) {
            if (!isSnippetFrame(f)) { err.println("\tat " + f); continue; }
            String name = (f.getClassName().isEmpty() ? "" : f.getClassName() + ".") + f.getMethodName();
            err.println("\tat " + (name.isEmpty() ? frameLocation(f) : name + "(" + frameLocation(f) + ")"));
        }
    }

    /** JShell renames frames of snippet code to file "#id" with the line inside that snippet. */
    private static boolean isSnippetFrame(StackTraceElement f) {
        return f.getFileName() != null && f.getFileName().startsWith("#");
    }

    private String frameLocation(StackTraceElement f) {
        Integer start = snippetStart.get(f.getFileName().substring(1));
        if (start == null) return f.getFileName() + ":" + f.getLineNumber(); // a setup snippet
        return file + ":" + (line(start) + f.getLineNumber() - 1);
    }

    private String location(int offset) { return file + ":" + line(offset); }

    /** Prints {@code FILE:LINE:COL: error: message}, the source line and a caret, as javac does. */
    private void error(int offset, String message) {
        offset = Math.min(offset, text.length());
        int lineStart = text.lastIndexOf('\n', offset - 1) + 1;
        int lineEnd = text.indexOf('\n', offset);
        String sourceLine = text.substring(lineStart, lineEnd < 0 ? text.length() : lineEnd);
        String first = message.lines().findFirst().orElse("");
        err.println(file + ":" + line(offset) + ":" + (offset - lineStart + 1) + ": error: " + first);
        err.println(sourceLine);
        err.println(sourceLine.substring(0, offset - lineStart).replaceAll("[^\t]", " ") + "^");
        message.lines().skip(1).forEach(err::println);
    }

    private int line(int offset) {
        int line = 1;
        for (int i = 0; i < offset && i < text.length(); i++) if (text.charAt(i) == '\n') line++;
        return line;
    }

    /** Skips white space and comments: JShell maps line numbers wrongly for snippets that start with them. */
    private int skipBlank(int pos) {
        while (pos < text.length()) {
            if (Character.isWhitespace(text.charAt(pos))) pos++;
            else if (text.startsWith("//", pos)) pos = endOr(text.indexOf('\n', pos));
            else if (text.startsWith("/*", pos)) pos = endOr(text.indexOf("*/", pos + 2)) + 2;
            else break;
        }
        return Math.min(pos, text.length());
    }

    private int endOr(int index) { return index < 0 ? text.length() : index; }

    private static String javaString(String s) {
        var b = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> b.append(ch < ' ' ? String.format("\\%03o", (int) ch) : String.valueOf(ch));
            }
        }
        return b.append('"').toString();
    }
}
