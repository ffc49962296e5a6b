// toString of tensors: a header with shape, dtype and device, then the values; large tensors are summarised with "...".
package dev.jtiny;

import dev.jtiny.runtime.Config;
import org.junit.jupiter.api.AfterEach;

import static org.junit.jupiter.api.Assertions.*;

class TensorFormatTest {
    @AfterEach
    void resetDevice() { Config.set("DEVICE", null); }

    static String header(String s) { return s.lines().findFirst().orElseThrow(); }

    static void assertHeader(String text, String shape, String dtype, String device) {
        String h = header(text);
        assertTrue(h.contains(shape), "header should show shape " + shape + ": " + h);
        assertTrue(h.contains(dtype), "header should show dtype " + dtype + ": " + h);
        assertTrue(h.contains(device), "header should show device " + device + ": " + h);
    }

    /** The values appear in row-major order (each after the previous one). */
    static void assertInOrder(String text, String... values) {
        int at = 0;
        for (String v : values) {
            int i = text.indexOf(v, at);
            assertTrue(i >= 0, "\"" + v + "\" should appear after position " + at + " in:\n" + text);
            at = i + v.length();
        }
    }

    @OnEachDevice
    void smallTensorShowsEveryValue(String device) {
        Reference.use(device);
        String s = Tensor.of(new float[]{1, 2.5f, -3, 4, 0.125f, 6}, 2, 3).mul(1).toString();
        assertHeader(s, "2, 3", "float", device);
        String body = s.substring(header(s).length());
        assertInOrder(body, "1.0", "2.5", "-3.0", "4.0", "0.125", "6.0");
        assertFalse(s.contains("..."), s);
        assertEquals(3, s.lines().count(), "a header and one line per row:\n" + s);

        String ints = Tensor.of(new int[]{3, -4, 1_000_000}, 3).toString();
        assertHeader(ints, "3", "int", device);
        assertInOrder(ints.substring(header(ints).length()), "3", "-4", "1000000");
        assertFalse(ints.substring(header(ints).length()).contains("."), "ints print without a decimal point:\n" + ints);

        String bools = Tensor.of(new float[]{1, -1}, 2).gt(0).toString();
        assertHeader(bools, "2", "bool", device);
        assertInOrder(bools, "true", "false");

        String scalar = Tensor.scalar(2.5).toString();
        assertHeader(scalar, "[]", "float", device);
        assertTrue(scalar.contains("2.5"), scalar);

        String cube = Tensor.arange(8).reshape(2, 2, 2).toString();
        assertTrue(cube.contains("[[["), "nested brackets for 3 dimensions:\n" + cube);
        assertInOrder(cube, "0", "1", "2", "3", "4", "5", "6", "7");

        String special = Tensor.of(new float[]{Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}, 3).toString().toLowerCase();
        assertInOrder(special, "nan", "inf", "-inf");
    }

    @OnEachDevice
    void largeTensorIsSummarised(String device) {
        Reference.use(device);
        Tensor t = Tensor.arange(2000).cast(dev.jtiny.runtime.DType.FLOAT32);
        String s = t.toString();
        assertHeader(s, "2000", "float", device);
        assertTrue(s.contains("..."), s);
        assertInOrder(s.substring(header(s).length()), "0.0", "1.0", "2.0", "...", "1997.0", "1998.0", "1999.0");
        assertFalse(s.contains("1000.0"), "middle values are left out:\n" + s);
        assertTrue(s.length() < 300, "a summary is short, got " + s.length() + " characters");

        String m = Tensor.arange(2000).reshape(40, 50).toString();
        assertHeader(m, "40, 50", "int", device);
        assertTrue(m.contains("..."), m);
        assertInOrder(m.substring(header(m).length()), "0", "1", "2", "...", "47", "48", "49", "...", "1950", "...", "1999");
        assertFalse(m.contains("1000"), "middle rows are left out:\n" + m);
        assertTrue(m.lines().count() < 15, "rows are summarised too:\n" + m);
        // Printing realizes but changes nothing: the same text twice, and the tensor still computes.
        assertEquals(s, t.toString());
        assertEquals(1999f, t.max().item());
    }
}
