// idiv and fmod (C's / and %) on integers and floats, and constants made directly on a device.
package dev.jtiny;

import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.DType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class IntegerDivisionTest {
    @AfterEach void reset() { Config.set("DEVICE", null); }

    @ParameterizedTest @ValueSource(strings = {"JAVA", "OPENCL:0"})
    void idivTruncatesTowardZeroAndFmodTakesTheDividendsSign(String device) {
        Reference.use(device);
        Tensor a = Tensor.ofInts(7, -7, 7, -7, 0), b = Tensor.ofInts(2, 2, -2, -2, 3);
        assertArrayEquals(new int[]{3, -3, -3, 3, 0}, a.idiv(b).toIntArray());
        assertArrayEquals(new int[]{1, -1, 1, -1, 0}, a.fmod(b).toIntArray());
        Tensor la = Tensor.ofLongs(10_000_000_000L, -9), lb = Tensor.ofLongs(3, 4);
        assertArrayEquals(new long[]{3_333_333_333L, -2}, la.idiv(lb).toLongArray());
        assertArrayEquals(new long[]{1, -1}, la.fmod(lb).toLongArray());
        float[] f = Tensor.of(5.5f, -5.5f).fmod(Tensor.of(2f, 2f)).toFloatArray();
        assertArrayEquals(new float[]{1.5f, -1.5f}, f, 1e-6f);
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(1f).idiv(Tensor.of(2f)));
    }

    @ParameterizedTest @ValueSource(strings = {"JAVA", "OPENCL:0"})
    void fullOnADevice(String device) {
        Tensor t = Tensor.full(new int[]{2, 3}, 4, DType.INT64, device);
        assertEquals(dev.jtiny.runtime.engine.Devices.canonical(device), t.device());
        assertEquals(DType.INT64, t.dtype());
        assertArrayEquals(new long[]{4, 4, 4, 4, 4, 4}, t.toLongArray());
    }
}
