// The small part of JSON a safetensors header needs: a strict parser to plain Java values and a writer for strings.
package dev.jtiny.state;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses JSON (RFC 8259) into {@code Map<String, Object>} (insertion order kept), {@code List<Object>}, {@code String},
 * {@code Long} (integers that fit), {@code BigInteger} (integers that do not), {@code Double}, {@code Boolean} and
 * {@code null}. Duplicate keys are an error: in a header they would make the file mean two things.
 */
final class Json {
    /** Deeper nesting than this is not a safetensors header; stopping here keeps the stack safe. */
    private static final int MAX_DEPTH = 64;

    private final String s;
    private int pos;

    private Json(String s) { this.s = s; }

    /** The value {@code text} holds; throws {@link IllegalArgumentException} naming the character where it went wrong. */
    static Object parse(String text) {
        Json p = new Json(text);
        p.skipSpace();
        Object v = p.value(0);
        p.skipSpace();
        if (p.pos != text.length()) throw p.error("unexpected " + p.describeHere() + " after the value");
        return v;
    }

    private Object value(int depth) {
        if (pos >= s.length()) throw error("unexpected end of text, expected a value");
        char c = s.charAt(pos);
        return switch (c) {
            case '{' -> object(depth + 1);
            case '[' -> array(depth + 1);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) yield number();
                throw error("unexpected " + describeHere() + ", expected a value");
            }
        };
    }

    private Map<String, Object> object(int depth) {
        if (depth > MAX_DEPTH) throw error("nested deeper than " + MAX_DEPTH + " levels");
        pos++; // {
        Map<String, Object> m = new LinkedHashMap<>();
        skipSpace();
        if (peek() == '}') { pos++; return m; }
        while (true) {
            skipSpace();
            if (peek() != '"') throw error("unexpected " + describeHere() + ", expected a key in double quotes");
            int keyAt = pos;
            String key = string();
            skipSpace();
            expect(':');
            skipSpace();
            Object v = value(depth);
            if (m.containsKey(key)) { pos = keyAt; throw error("duplicate key \"" + key + "\""); }
            m.put(key, v);
            skipSpace();
            char c = peek();
            pos++;
            if (c == '}') return m;
            if (c != ',') { pos--; throw error("unexpected " + describeHere() + ", expected ',' or '}'"); }
        }
    }

    private List<Object> array(int depth) {
        if (depth > MAX_DEPTH) throw error("nested deeper than " + MAX_DEPTH + " levels");
        pos++; // [
        List<Object> l = new ArrayList<>();
        skipSpace();
        if (peek() == ']') { pos++; return l; }
        while (true) {
            skipSpace();
            l.add(value(depth));
            skipSpace();
            char c = peek();
            pos++;
            if (c == ']') return l;
            if (c != ',') { pos--; throw error("unexpected " + describeHere() + ", expected ',' or ']'"); }
        }
    }

    private String string() {
        int start = pos;
        pos++; // opening quote
        StringBuilder b = new StringBuilder();
        while (true) {
            if (pos >= s.length()) { pos = start; throw error("string is not closed"); }
            char c = s.charAt(pos++);
            if (c == '"') return b.toString();
            if (c < 0x20) { pos--; throw error("control character U+" + String.format("%04X", (int) c) + " inside a string (it must be escaped)"); }
            if (c != '\\') { b.append(c); continue; }
            if (pos >= s.length()) { pos = start; throw error("string is not closed"); }
            char e = s.charAt(pos++);
            switch (e) {
                case '"' -> b.append('"');
                case '\\' -> b.append('\\');
                case '/' -> b.append('/');
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                // Surrogate pairs arrive as two \\u escapes; appending both code units rebuilds the character.
                case 'u' -> b.append(hex4());
                default -> { pos -= 2; throw error("unknown escape \\" + e + " in a string"); }
            }
        }
    }

    private char hex4() {
        if (pos + 4 > s.length()) throw error("\\u needs four hex digits");
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(s.charAt(pos + i), 16);
            if (d < 0) throw error("\\u needs four hex digits, got \"" + s.substring(pos, pos + 4) + "\"");
            v = v * 16 + d;
        }
        pos += 4;
        return (char) v;
    }

    private Object number() {
        int start = pos;
        if (peek() == '-') pos++;
        if (peek() == '0') {
            pos++;
            if (Character.isDigit(peek())) { pos = start; throw error("number with a leading zero"); }
        } else if (!digits()) {
            pos = start;
            throw error("'-' must be followed by digits");
        }
        boolean integer = true;
        if (peek() == '.') {
            pos++;
            integer = false;
            if (!digits()) throw error("a digit must follow the decimal point");
        }
        if (peek() == 'e' || peek() == 'E') {
            pos++;
            integer = false;
            if (peek() == '+' || peek() == '-') pos++;
            if (!digits()) throw error("a digit must follow the exponent");
        }
        String text = s.substring(start, pos);
        if (!integer) return Double.parseDouble(text);
        BigInteger big = new BigInteger(text);
        return big.bitLength() < 64 ? (Object) big.longValue() : big;
    }

    private boolean digits() {
        int start = pos;
        while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') pos++;
        return pos > start;
    }

    private Object literal(String word, Object v) {
        if (!s.startsWith(word, pos)) throw error("unexpected " + describeHere() + ", expected a value");
        pos += word.length();
        return v;
    }

    private void expect(char c) {
        if (peek() != c) throw error("unexpected " + describeHere() + ", expected '" + c + "'");
        pos++;
    }

    private char peek() { return pos < s.length() ? s.charAt(pos) : '\0'; }

    private void skipSpace() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
            pos++;
        }
    }

    private String describeHere() {
        if (pos >= s.length()) return "end of text";
        char c = s.charAt(pos);
        return c < 0x20 || c == 0x7f ? String.format("character U+%04X", (int) c) : "'" + c + "'";
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("invalid JSON at character " + pos + ": " + what);
    }

    // ================================================================ writing

    /**
     * {@code text} as a JSON string literal, quotes included; non-ASCII characters stay as they are (UTF-8 on disk).
     * An unpaired surrogate has no UTF-8 form and strict readers reject its escape, so it is an error here.
     */
    static String quote(String text) {
        StringBuilder b = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            if (Character.isSurrogate((char) cp) && Character.charCount(cp) == 1) {
                throw new IllegalArgumentException("text \"" + text + "\" has an unpaired surrogate U+"
                        + String.format("%04X", cp) + " at index " + i + ", which cannot be written as UTF-8");
            }
            switch (cp) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (cp < 0x20) b.append(String.format("\\u%04x", cp));
                    else b.appendCodePoint(cp);
                }
            }
            i += Character.charCount(cp);
        }
        return b.append('"').toString();
    }
}
