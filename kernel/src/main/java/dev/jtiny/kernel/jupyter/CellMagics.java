// The kernel's side of the magics: finds %line and %%cell magics in a cell, checks their arguments, and runs
// them as calls into the engine (the Java API of dev.jtiny.magics) or, for the class path, in the kernel itself.
package dev.jtiny.kernel.jupyter;

import dev.jtiny.kernel.engine.CellHooks;
import dev.jtiny.kernel.jupyter.Engine.CellError;
import dev.jtiny.magics.BenchOptions;
import dev.jtiny.magics.MagicSpec;
import dev.jtiny.magics.Magics;
import dev.jtiny.magics.TimeitOptions;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import jdk.jshell.Snippet;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.SourceCodeAnalysis.Completeness;

/**
 * A line that starts with {@code %} is never Java, so a cell is split into Java and magic lines and run in order;
 * a cell whose first line starts with {@code %%} hands the rest of the cell to that magic. Java parts keep their
 * line numbers (other lines are blanked), so errors still point at the cell's own lines.
 */
final class CellMagics {
    private static final Pattern LINE = Pattern.compile("^\\s*(%%?)([A-Za-z_][\\w]*)(\\?)?(?:[ \\t]+(.*))?$");
    private static final Pattern HELP = Pattern.compile("^\\s*%?([A-Za-z_]\\w*)\\?\\s*$");
    private static final String M = "dev.jtiny.magics.Magics.", H = CellHooks.class.getName() + ".";

    private final Engine engine;
    /** %debug N for every later cell; 0: off. */
    private int sessionDebug;

    CellMagics(Engine engine) { this.engine = engine; }

    /** Whether the cell has anything for this class to do (else it goes to the engine unchanged). */
    static boolean hasMagic(String code) {
        for (String line : code.split("\n", -1)) if (isMagicLine(line)) return true;
        return false;
    }

    private static boolean isMagicLine(String line) {
        String s = line.strip();
        return s.startsWith("%") || (HELP.matcher(s).matches() && s.startsWith("%"));
    }

    /** Runs a cell: like {@link Engine#run}, with magics and the session's DEBUG capture. */
    String run(int cell, String code) {
        boolean tracing = sessionDebug > 0;
        if (!hasMagic(code) && !tracing) return engine.run(cell, code);
        String[] lines = code.split("\n", -1);
        int first = 0;
        while (first < lines.length && lines[first].isBlank()) first++;
        if (first < lines.length && lines[first].strip().startsWith("%%")) {
            return cellMagic(cell, lines[first], blankAllBut(lines, first + 1, lines.length));
        }
        String value = null;
        boolean captured = false;
        try {
            int i = 0;
            while (i < lines.length) {
                if (isMagicLine(lines[i])) {
                    value = lineMagic(cell, lines[i].strip());
                    i++;
                    continue;
                }
                int j = i;
                while (j < lines.length && !isMagicLine(lines[j])) j++;
                String part = blankAllBut(lines, i, j);
                if (!part.isBlank()) {
                    if (sessionDebug > 0 && !captured) {
                        call(cell, H + "traceBegin(" + sessionDebug + ");");
                        captured = true;
                    }
                    value = engine.run(cell, part);
                }
                i = j;
            }
        } finally {
            if (captured) call(cell, H + "traceEnd();");
        }
        return value;
    }

    // ---- line magics

    private String lineMagic(int cell, String line) {
        Matcher help = HELP.matcher(line);
        if (help.matches()) return Magics.help(known(help.group(1), true).name()).text();
        Matcher m = LINE.matcher(line);
        if (!m.matches()) throw error("'" + line + "' is not a magic; magics look like %name args (see %lsmagic)");
        if (m.group(1).equals("%%")) {
            throw error("%%" + m.group(2) + " must be the cell's first line; it applies to the rest of the cell");
        }
        String name = m.group(2), args = m.group(4) == null ? "" : m.group(4).strip();
        if (m.group(3) != null) return Magics.help(known(name, true).name()).text();
        MagicSpec spec = known(name, true);
        return switch (spec.name()) {
            case "debug" -> {
                sessionDebug = level(args);
                yield sessionDebug == 0 ? "DEBUG off" : "DEBUG " + sessionDebug + ": every cell's trace is shown after its output";
            }
            case "kernels" -> {
                checkKernelOptions(args);
                List<String> ids = engine.snippetsOf(cell - 1);
                yield magicCall(cell, "kernels", H + "kernelsOf(" + str(args)
                        + ids.stream().map(id -> ", " + str(id)).collect(Collectors.joining()) + ")");
            }
            case "graph" -> {
                if (args.isEmpty()) throw error("%graph needs a tensor expression, e.g. %graph x.matmul(w).relu()");
                yield magicCall(cell, "graph", M + "graph(" + stripSemicolon(args) + ")");
            }
            case "devices" -> magicCall(cell, "devices", M + "devices()");
            case "device" -> {
                if (args.isEmpty()) yield magicCall(cell, "device", M + "devices()");
                yield magicCall(cell, "device", M + "device(" + str(args) + ")");
            }
            case "time" -> {
                if (args.isEmpty()) throw error("%time needs code to time, e.g. %time x.sum().item()");
                String[] l = lambdas(args, "time");
                yield magicCall(cell, "time", H + "time(" + l[0] + ")", l[1] == null ? null : H + "time(" + l[1] + ")");
            }
            case "timeit" -> {
                TimeitOptions.Line parsed = parse(() -> TimeitOptions.parseLine(args), "timeit");
                if (parsed.code().isBlank()) throw error("%timeit needs code to time, e.g. %timeit x.sum().item()");
                String options = args.substring(0, args.length() - parsed.code().length()).strip();
                String[] l = lambdas(parsed.code(), "timeit");
                String call = H + (parsed.options().returnResult() ? "timeit(" : "timeitPrint(") + str(options) + ", ";
                yield magicCall(cell, "timeit", call + l[0] + ")", l[1] == null ? null : call + l[1] + ")");
            }
            case "beam" -> magicCall(cell, "beam", M + "beam(" + integer(args, "beam", "a width such as 0, 2 or 4") + ")");
            case "jit" -> switch (args) {
                case "on", "off" -> magicCall(cell, "jit", M + "jit(" + args.equals("on") + ")");
                default -> throw error("%jit " + (args.isEmpty() ? "needs" : "'" + args + "': expected") + " on or off");
            };
            case "cache" -> switch (args) {
                case "", "info", "clear" -> magicCall(cell, "cache", M + "cache(" + str(args) + ")");
                default -> throw error("%cache '" + args + "': expected info or clear");
            };
            case "classpath" -> classpath(args);
            case "maven" -> maven(args);
            case "load" -> load(cell, args);
            case "lsmagic" -> Magics.lsmagic().text();
            case "help" -> parse(() -> Magics.help(args), "help").text();
            default -> throw error("%" + name + " is a cell magic: put %%" + name + " on the cell's first line");
        };
    }

    // ---- cell magics

    private String cellMagic(int cell, String header, String body) {
        Matcher m = LINE.matcher(header.strip());
        if (!m.matches()) throw error("'" + header.strip() + "' is not a magic; cell magics look like %%name args");
        String name = m.group(2), args = m.group(4) == null ? "" : m.group(4).strip();
        MagicSpec spec = known(name, false);
        if (!spec.cell()) {
            throw error("%" + name + " is a line magic: write %" + name + " on a line; cell magics are "
                    + MagicSpec.names(false, true));
        }
        return switch (spec.name()) {
            case "debug" -> {
                int level = level(args);
                call(cell, H + "traceBegin(" + level + ");");
                try {
                    yield engine.run(cell, body);
                } finally {
                    call(cell, H + "traceEnd();");
                }
            }
            case "kernels" -> {
                checkKernelOptions(args);
                call(cell, H + "kernelsBegin();");
                try {
                    yield engine.run(cell, body);
                } finally {
                    call(cell, H + "kernelsEnd(" + str(args) + ");");
                }
            }
            case "bench" -> {
                parse(() -> BenchOptions.parse(args), "bench");
                String[] l = lambdas(body, "bench");
                yield magicCall(cell, "bench", M + "bench(" + str(args) + ", " + l[0] + ")",
                        l[1] == null ? null : M + "bench(" + str(args) + ", " + l[1] + ")");
            }
            case "time" -> {
                if (!args.isEmpty()) throw error("%%time takes no options, got '" + args + "'");
                String[] l = lambdas(body, "time");
                yield magicCall(cell, "time", H + "time(" + l[0] + ")", l[1] == null ? null : H + "time(" + l[1] + ")");
            }
            case "timeit" -> {
                TimeitOptions options = parse(() -> TimeitOptions.parse(args), "timeit");
                String[] l = lambdas(body, "timeit");
                String call = H + (options.returnResult() ? "timeit(" : "timeitPrint(") + str(args) + ", ";
                yield magicCall(cell, "timeit", call + l[0] + ")", l[1] == null ? null : call + l[1] + ")");
            }
            default -> throw new IllegalStateException("cell magic %%" + name + " has no handler");
        };
    }

    // ---- the class path, files

    private String classpath(String args) {
        if (args.isEmpty()) throw error("%classpath needs jars or folders, e.g. %classpath lib/foo.jar:classes");
        var added = new ArrayList<String>();
        for (String p : args.split("[" + File.pathSeparator + "\\s]+")) {
            if (p.isEmpty()) continue;
            Path path = Path.of(p.replaceFirst("^~(?=/|$)", System.getProperty("user.home"))).toAbsolutePath().normalize();
            if (!Files.exists(path)) throw error("%classpath: no such file or folder: " + path);
            engine.addToClasspath(path.toString());
            added.add(path.toString());
        }
        return "added to the class path: " + String.join(File.pathSeparator, added);
    }

    private String maven(String args) {
        if (args.isEmpty()) throw error("%maven needs coordinates, e.g. %maven org.apache.commons:commons-math3:3.6.1");
        List<Path> jars = parse(() -> MavenArtifacts.resolve(List.of(args.split("\\s+")), MavenArtifacts.offlineFromEnv()), "maven");
        // A jar the session already has (jtiny's own dependencies) is not added twice.
        var present = new java.util.HashSet<String>();
        for (String entry : engine.classPath().split(File.pathSeparator)) present.add(Path.of(entry).getFileName().toString());
        var added = jars.stream().filter(j -> present.add(j.getFileName().toString())).toList();
        for (Path jar : added) engine.addToClasspath(jar.toString());
        return "resolved " + String.join(" ", args.split("\\s+")) + ": " + jars.size() + " jar" + (jars.size() == 1 ? "" : "s")
                + (added.size() < jars.size() ? " (" + (jars.size() - added.size()) + " already on the class path)" : "")
                + (added.isEmpty() ? "" : "; added " + added.stream().map(j -> j.getFileName().toString())
                        .collect(Collectors.joining(", ")));
    }

    private String load(int cell, String args) {
        if (args.isEmpty()) throw error("%load needs a file, e.g. %load setup.jsh");
        Path file = Path.of(args.replaceFirst("^~(?=/|$)", System.getProperty("user.home")));
        String name = file.getFileName().toString();
        if (!name.endsWith(".jsh") && !name.endsWith(".java")) {
            throw error("%load " + args + ": expected a .jsh script or a .java source file");
        }
        String source;
        try {
            source = Files.readString(file);
        } catch (IOException e) {
            throw error("%load: cannot read " + file.toAbsolutePath() + " (" + e.getClass().getSimpleName() + ")");
        }
        return engine.run(cell, source.replace("\r\n", "\n"));
    }

    // ---- building the engine calls

    /** Runs a magic's generated call; an IllegalArgumentException from the magic becomes a one-line MagicError. */
    private String magicCall(int cell, String magic, String javaExpression) {
        return magicCall(cell, magic, javaExpression, null);
    }

    /** With {@code fallback}, a call run instead when the first does not compile. */
    private String magicCall(int cell, String magic, String javaExpression, String fallback) {
        if (fallback != null) {
            try {
                return magicCall(cell, magic, javaExpression, null);
            } catch (CellError e) {
                if (!e.name.equals("CompilationError")) throw e;
                return magicCall(cell, magic, fallback, null);
            }
        }
        try {
            return engine.run(cell, javaExpression);
        } catch (CellError e) {
            if (e.name.equals("java.lang.IllegalArgumentException")) {
                String first = e.getMessage().lines().findFirst().orElse("");
                throw error("%" + magic + ": " + first.replaceFirst("^java\\.lang\\.IllegalArgumentException: ", "")
                        .replaceFirst("^" + magic + ": ", ""));
            }
            throw e;
        }
    }

    private void call(int cell, String statement) { engine.run(cell, statement); }

    /**
     * The cell body as a {@code Callable}: its statements and declarations in a lambda that returns the last
     * expression's value (or null). Methods, classes and imports cannot live in a lambda: they are refused.
     */
    /**
     * {value form, statement form}. A last unit that cannot be classified before it runs (it names variables the
     * body itself declares) is tried as a value first; {@link #magicCall} falls back to the statement form when that
     * does not compile (a void call).
     */
    private String[] lambdas(String body, String magic) {
        SourceCodeAnalysis analysis = engine.shell().sourceCodeAnalysis();
        var out = new StringBuilder("() -> {\n");
        String last = null;
        boolean lastUnsure = false;
        int pos = 0;
        while ((pos = Engine.skipBlank(body, pos)) < body.length()) {
            var info = analysis.analyzeCompletion(body.substring(pos));
            if (info.completeness() == Completeness.EMPTY) break;
            if (!info.completeness().isComplete()) {
                throw error("%" + magic + ": the code is incomplete: " + body.substring(pos).strip());
            }
            pos = body.length() - info.remaining().length();
            String src = info.source().strip();
            List<Snippet> snippets = analysis.sourceToSnippets(src);
            Snippet first = snippets.isEmpty() ? null : snippets.getFirst();
            Snippet.Kind kind = first == null ? Snippet.Kind.STATEMENT : first.kind();
            boolean value = kind == Snippet.Kind.EXPRESSION
                    || (kind == Snippet.Kind.VAR && first.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND);
            boolean unsure = kind == Snippet.Kind.ERRONEOUS && !src.endsWith("}") && !src.startsWith("var ");
            if (last != null) out.append(lastUnsure ? last + ";" : "{ Object unused = " + last + "; }").append('\n');
            last = null;
            lastUnsure = unsure;
            if (unsure) {
                last = stripSemicolon(src);
                continue;
            }
            switch (kind) {
                case METHOD, TYPE_DECL, IMPORT -> throw error("%" + magic + " runs the cell as one block, where "
                        + kind.name().toLowerCase().replace('_', ' ') + "s cannot be declared: declare it in a cell of its own");
                default -> {
                    if (value) last = stripSemicolon(src);
                    else out.append(src.endsWith(";") || src.endsWith("}") ? src : src + ";").append('\n');
                }
            }
        }
        String start = out.toString();
        if (last == null) return new String[] {start + "return null;\n}", null};
        return new String[] {start + "return (Object) (" + last + ");\n}", lastUnsure ? start + last + ";\nreturn null;\n}" : null};
    }

    // ---- checking arguments in the kernel, before anything runs

    private static MagicSpec known(String name, boolean line) {
        try {
            return MagicSpec.get(name);
        } catch (IllegalArgumentException e) {
            throw error("unknown magic " + (line ? "%" : "%%") + name + "; magics are " + MagicSpec.names(true, true));
        }
    }

    private static int level(String args) {
        int level = integer(args, "debug", "a level 0-5");
        if (level < 0 || level > 5) throw error("%debug " + level + ": expected a level 0-5");
        return level;
    }

    private static int integer(String args, String magic, String expected) {
        try {
            return Integer.parseInt(args.strip());
        } catch (NumberFormatException e) {
            throw error("%" + magic + " " + (args.isBlank() ? "needs" : "'" + args + "': expected") + " " + expected);
        }
    }

    private static void checkKernelOptions(String args) {
        for (String o : args.isBlank() ? new String[0] : args.strip().split("\\s+")) {
            if (!List.of("--source", "--graph", "--opts", "--none").contains(o)) {
                throw error("%kernels: unknown option '" + o + "'; valid options: --source, --graph, --opts, --none");
            }
        }
    }

    private static <T> T parse(java.util.function.Supplier<T> parser, String magic) {
        try {
            return parser.get();
        } catch (IllegalArgumentException e) {
            throw error("%" + magic + ": " + e.getMessage().replaceFirst("^" + magic + ": ", "").lines().findFirst().orElse(""));
        }
    }

    private static CellError error(String message) { return new CellError("MagicError", message); }

    private static String stripSemicolon(String s) {
        String t = s.strip();
        while (t.endsWith(";")) t = t.substring(0, t.length() - 1).strip();
        return t;
    }

    /** {@code s} as a Java string literal. */
    static String str(String s) {
        var b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> b.append(c);
            }
        }
        return b.append('"').toString();
    }

    private static String blankAllBut(String[] lines, int from, int to) {
        var b = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            if (i > 0) b.append('\n');
            if (i >= from && i < to) b.append(lines[i]);
        }
        return b.toString();
    }
}
