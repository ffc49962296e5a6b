// The header's JSON: every value kind, every escape, and the errors a corrupt header can hit.
package dev.jtiny.state;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class JsonTest {
    @Test
    void parsesEveryKindOfValue() {
        Object v = Json.parse(" {\"a\": [1, -2, 0, 3.5, -1e3, 2E+2, 9223372036854775807, 9223372036854775808],"
                + " \"b\": {\"c\": {\"d\": []}, \"e\": {}}, \"t\": true, \"f\": false, \"n\": null, \"s\": \"\"}\n\t\r ");
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(List.of("a", "b", "t", "f", "n", "s"), List.copyOf(m.keySet()), "keys keep their order");
        assertEquals(List.of(1L, -2L, 0L, 3.5, -1000.0, 200.0, Long.MAX_VALUE, new BigInteger("9223372036854775808")), m.get("a"));
        assertEquals(Map.of("c", Map.of("d", List.of()), "e", Map.of()), m.get("b"));
        assertEquals(true, m.get("t"));
        assertEquals(false, m.get("f"));
        assertTrue(m.containsKey("n"));
        assertNull(m.get("n"));
        assertEquals("", m.get("s"));
    }

    @Test
    void decodesEveryEscape() {
        assertEquals("\" \\ / \b \f \n \r \t é 😀 日本", Json.parse("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00E9 \\uD83D\\uDE00 日本\""));
    }

    @Test
    void quoteRoundTripsThroughParse() {
        for (String s : List.of("", "plain", "q\"uote", "back\\slash", "nl\ncr\rtab\t", "\u0000\u001f\u007f", "é😀日本", "</script>")) {
            String q = Json.quote(s);
            assertEquals(s, Json.parse(q), "round trip of " + q);
            assertTrue(q.chars().noneMatch(c -> c < 0x20), "no raw control characters in " + q);
        }
        assertEquals("\"a\\\"b\\\\c\\n\\u0001\"", Json.quote("a\"b\\c\n\u0001"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.quote("x\uDC00"));
        assertTrue(e.getMessage().contains("unpaired surrogate U+DC00 at index 1"), e.getMessage());
    }

    @Test
    void malformedTextSaysWhereAndWhat() {
        bad("{\"a\": 1,}", "character 8", "expected a key in double quotes");
        bad("[1, 2", "expected ',' or ']'");
        bad("{\"a\" 1}", "expected ':'");
        bad("\"open", "character 0", "string is not closed");
        bad("\"tab\there\"", "control character U+0009");
        bad("\"\\x\"", "unknown escape \\x");
        bad("\"\\u12G4\"", "four hex digits");
        bad("01", "leading zero");
        bad("-", "'-' must be followed by digits");
        bad("1.", "digit must follow the decimal point");
        bad("1e", "digit must follow the exponent");
        bad("tru", "expected a value");
        bad("{} {}", "after the value");
        bad("", "unexpected end of text");
        bad("{\"k\": 1, \"k\": 2}", "duplicate key \"k\"");
        bad("[".repeat(100) + "]".repeat(100), "nested deeper than 64 levels");
    }

    private static void bad(String text, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse(text), text);
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "message should contain \"" + f + "\": " + e.getMessage());
        assertTrue(e.getMessage().startsWith("invalid JSON at character "), e.getMessage());
        assertFalse(Arrays.asList(fragments).isEmpty());
    }
}
