// SourceHighlighter: tokens get the right colours and the source comes back exactly when the markup is removed.
package dev.jtiny.magics;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class SourceHighlighterTest {
    static String plain(String html) {
        return html.replaceAll("<[^>]+>", "").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&");
    }

    static String span(String style, String text) { return "<span style=\"" + style + "\">" + text + "</span>"; }

    @Test
    void javaTokens() {
        String src = "final float[] a = (float[]) args[0]; /* <tmp> */ String s = \"x<y\"; double e = 1.5e-3d; int data0 = a & 0x1F;\n";
        String html = SourceHighlighter.html(src, "java");
        assertEquals(src, plain(html));
        assertTrue(html.contains(span(SourceHighlighter.KEYWORD, "final")));
        assertTrue(html.contains(span(SourceHighlighter.TYPE, "float") + "[]"));
        assertTrue(html.contains(span(SourceHighlighter.COMMENT, "/* &lt;tmp&gt; */")));
        assertTrue(html.contains(span(SourceHighlighter.STRING, "&quot;x&lt;y&quot;")));
        assertTrue(html.contains(span(SourceHighlighter.NUMBER, "1.5e-3d")));
        assertTrue(html.contains(span(SourceHighlighter.NUMBER, "0x1F")));
        assertTrue(html.contains(" data0 "), "identifiers with digits are not numbers");
    }

    @Test
    void openClTokens() {
        String src = "#pragma OPENCL EXTENSION cl_khr_fp16 : enable\n__kernel void f(__global half* restrict d) { d[0] = fmax(d[1], -INFINITY); }\n";
        String html = SourceHighlighter.html(src, SourceHighlighter.languageOf("OPENCL:0"));
        assertEquals(src, plain(html));
        assertTrue(html.contains(span(SourceHighlighter.DIRECTIVE, "#pragma OPENCL EXTENSION cl_khr_fp16 : enable")));
        assertTrue(html.contains(span(SourceHighlighter.KEYWORD, "restrict")));
        assertTrue(html.contains(span(SourceHighlighter.TYPE, "half")));
        assertTrue(html.contains(span(SourceHighlighter.BUILTIN, "fmax")));
        assertEquals("java", SourceHighlighter.languageOf("JAVA"));
    }
}
