// Colours generated kernel source (OpenCL C or Java) as HTML with inline styles, for notebooks.
package dev.jtiny.magics;

import java.util.Set;

/**
 * A small tokenizer, not a parser: comments, strings, numbers, keywords, types and a few builtins are wrapped in
 * {@code <span style=...>}; everything else is escaped and kept as is. Inline styles because a notebook output
 * may not load stylesheets or scripts. Stripping the tags and unescaping gives the source back exactly.
 */
public final class SourceHighlighter {
    static final String KEYWORD = "color:#a626a4;font-weight:bold";
    static final String TYPE = "color:#0184bc";
    static final String NUMBER = "color:#986801";
    static final String COMMENT = "color:#8a8f98;font-style:italic";
    static final String STRING = "color:#50a14f";
    static final String BUILTIN = "color:#4078f2";
    static final String DIRECTIVE = "color:#c18401";

    private static final Set<String> C_KEYWORDS = Set.of("if", "else", "for", "while", "do", "return", "break",
            "continue", "switch", "case", "default", "goto", "sizeof", "const", "restrict", "static", "inline",
            "volatile", "extern", "struct", "union", "typedef", "enum", "__kernel", "kernel", "__global", "global",
            "__local", "local", "__constant", "constant", "__private", "private", "__attribute__");
    private static final Set<String> C_TYPES = Set.of("void", "bool", "char", "uchar", "short", "ushort", "int",
            "uint", "long", "ulong", "float", "double", "half", "size_t", "float2", "float4", "float8", "float16",
            "int2", "int4", "int8", "int16", "double2", "double4", "half2", "half4", "half8", "unsigned", "signed");
    private static final Set<String> C_BUILTINS = Set.of("get_global_id", "get_local_id", "get_group_id",
            "get_local_size", "get_global_size", "barrier", "fmax", "fmin", "max", "min", "exp2", "log2", "sin", "cos",
            "sqrt", "native_exp2", "native_log2", "native_sin", "native_sqrt", "vload4", "vstore4", "vload8",
            "vstore8", "convert_float", "as_float", "as_int", "select", "INFINITY", "NAN", "mad", "fma", "trunc");
    private static final Set<String> JAVA_KEYWORDS = Set.of("abstract", "assert", "break", "case", "catch", "class",
            "continue", "default", "do", "else", "enum", "extends", "final", "finally", "for", "if", "implements",
            "import", "instanceof", "interface", "native", "new", "package", "private", "protected", "public",
            "return", "static", "strictfp", "super", "switch", "synchronized", "this", "throw", "throws", "transient",
            "try", "volatile", "while", "var", "record", "sealed", "permits", "yield", "true", "false", "null");
    private static final Set<String> JAVA_TYPES = Set.of("void", "boolean", "byte", "char", "short", "int", "long",
            "float", "double", "Object", "String", "Float", "Double", "Integer", "Long", "Math", "FloatVector",
            "DoubleVector", "IntVector", "LongVector", "VectorSpecies", "VectorOperators", "VectorMask");

    private SourceHighlighter() {}

    /** The language of a kernel logged for {@code device}: "java" for JAVA, C-like ("opencl") for the rest. */
    public static String languageOf(String device) {
        return device != null && device.toUpperCase().startsWith("JAVA") ? "java" : "opencl";
    }

    /** {@code source} as HTML (no enclosing element): escaped, with coloured spans. */
    public static String html(String source, String language) {
        boolean java = "java".equalsIgnoreCase(language);
        Set<String> keywords = java ? JAVA_KEYWORDS : C_KEYWORDS;
        Set<String> types = java ? JAVA_TYPES : C_TYPES;
        Set<String> builtins = java ? Set.of() : C_BUILTINS;
        StringBuilder out = new StringBuilder(source.length() * 2);
        int i = 0, n = source.length();
        boolean lineStart = true;
        while (i < n) {
            char c = source.charAt(i);
            int end;
            if (c == '/' && i + 1 < n && source.charAt(i + 1) == '/') {
                end = source.indexOf('\n', i);
                span(out, COMMENT, source, i, end < 0 ? n : end);
                i = end < 0 ? n : end;
            } else if (c == '/' && i + 1 < n && source.charAt(i + 1) == '*') {
                end = source.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                span(out, COMMENT, source, i, end);
                i = end;
            } else if (c == '"' || c == '\'') {
                end = i + 1;
                while (end < n && source.charAt(end) != c && source.charAt(end) != '\n') end += source.charAt(end) == '\\' ? 2 : 1;
                end = Math.min(n, end + 1);
                span(out, STRING, source, i, end);
                i = end;
            } else if (c == '#' && lineStart && !java) {
                end = source.indexOf('\n', i);
                end = end < 0 ? n : end;
                span(out, DIRECTIVE, source, i, end);
                i = end;
            } else if (Character.isDigit(c) || (c == '.' && i + 1 < n && Character.isDigit(source.charAt(i + 1)))) {
                end = number(source, i);
                span(out, NUMBER, source, i, end);
                i = end;
            } else if (Character.isJavaIdentifierStart(c)) {
                end = i + 1;
                while (end < n && Character.isJavaIdentifierPart(source.charAt(end))) end++;
                String word = source.substring(i, end);
                String style = keywords.contains(word) ? KEYWORD : types.contains(word) ? TYPE
                        : builtins.contains(word) ? BUILTIN : null;
                if (style != null) span(out, style, source, i, end);
                else escape(out, source, i, end);
                i = end;
            } else {
                escape(out, source, i, i + 1);
                i++;
            }
            if (i > 0) {
                char last = source.charAt(i - 1);
                if (last == '\n') lineStart = true;
                else if (!Character.isWhitespace(last)) lineStart = false;
            }
        }
        return out.toString();
    }

    /** End of a number literal: digits, a fraction, an exponent, hex digits and suffixes such as f, L, u. */
    private static int number(String s, int i) {
        int n = s.length();
        int j = i;
        if (s.startsWith("0x", i) || s.startsWith("0X", i)) {
            j += 2;
            while (j < n && (Character.digit(s.charAt(j), 16) >= 0 || s.charAt(j) == '_')) j++;
        } else {
            while (j < n && (Character.isDigit(s.charAt(j)) || s.charAt(j) == '.' || s.charAt(j) == '_')) j++;
            if (j < n && (s.charAt(j) == 'e' || s.charAt(j) == 'E')) {
                int k = j + 1;
                if (k < n && (s.charAt(k) == '+' || s.charAt(k) == '-')) k++;
                if (k < n && Character.isDigit(s.charAt(k))) {
                    j = k;
                    while (j < n && Character.isDigit(s.charAt(j))) j++;
                }
            }
        }
        while (j < n && "fFdDlLuU".indexOf(s.charAt(j)) >= 0) j++;
        return j;
    }

    private static void span(StringBuilder out, String style, String s, int from, int to) {
        out.append("<span style=\"").append(style).append("\">");
        escape(out, s, from, to);
        out.append("</span>");
    }

    static void escape(StringBuilder out, String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                default -> out.append(c);
            }
        }
    }

    /** {@code s} escaped for HTML text and attribute values (also valid in XML, hence in SVG). */
    public static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        escape(b, s, 0, s.length());
        return b.toString();
    }
}
