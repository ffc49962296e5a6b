// Device memory: freeing with close(), reuse of freed buffers, and device-side copies.
package dev.jtiny;

import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.device.DeviceException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryTest {
    @AfterEach void reset() { Config.set("DEVICE", null); }

    @ParameterizedTest @ValueSource(strings = {"JAVA", "OPENCL:0"})
    void closeFreesAndLaterUseSaysSo(String device) {
        Config.set("DEVICE", device);
        Tensor a = Tensor.of(new float[]{1, 2, 3}, 3).mul(2).realize();
        assertArrayEquals(new float[]{2, 4, 6}, a.toFloatArray());
        a.close();
        a.close(); // twice is harmless
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.add(1).toFloatArray());
        assertTrue(e.getMessage().contains("freed by close()"), e.getMessage());
        // The session stays usable.
        assertArrayEquals(new float[]{3, 4}, Tensor.of(new float[]{1, 2}, 2).add(2).toFloatArray());
    }

    @ParameterizedTest @ValueSource(strings = {"JAVA", "OPENCL:0"})
    void reusedBuffersNeverLeakOldValues(String device) {
        Config.set("DEVICE", device);
        // Each step frees the previous result (close) so the next allocation of the same size reuses it.
        Tensor t = Tensor.arange(1000).cast(DType.FLOAT32).realize();
        for (int i = 0; i < 20; i++) {
            Tensor next = t.add(1).realize();
            t.close();
            t = next;
        }
        float[] r = t.toFloatArray();
        for (int i = 0; i < 1000; i++) assertEquals(i + 20, r[i]);
    }

    @ParameterizedTest @ValueSource(strings = {"JAVA", "OPENCL:0"})
    void deviceCopyCopiesEveryByte(String device) {
        Config.set("DEVICE", device);
        Tensor a = Tensor.arange(777).realize();
        var buf = a.lazyBuffer().buffer();
        var dst = buf.device.allocate(DType.INT32, 777);
        buf.device.copy(dst, buf.raw(), true);
        int[] out = new int[777];
        buf.device.copyOut(dst, out);
        for (int i = 0; i < 777; i++) assertEquals(i, out[i]);
        var small = buf.device.allocate(DType.INT32, 5);
        assertThrows(DeviceException.class, () -> buf.device.copy(small, buf.raw(), false));
    }

    @ParameterizedTest @ValueSource(strings = {"OPENCL:0"})
    void outOfMemoryNamesTheBytesAndTheDevice(String device) {
        Config.set("DEVICE", device);
        // 2^31-1 floats (8 GiB) at a time until the device says no: at once on PoCL (its largest single
        // allocation is smaller), after filling the memory on a large GPU.
        java.util.List<Tensor> held = new java.util.ArrayList<>();
        DeviceException e = null;
        try {
            for (int i = 0; i < 64 && e == null; i++) {
                try {
                    held.add(Tensor.zeros(Integer.MAX_VALUE).contiguous().realize());
                } catch (DeviceException ex) {
                    e = ex;
                }
            }
        } finally {
            held.forEach(Tensor::close);
        }
        assertTrue(e != null, "the device never ran out of memory");
        assertTrue(e.getMessage().contains(String.valueOf(4L * Integer.MAX_VALUE)), e.getMessage());
        assertTrue(e.getMessage().contains(device), e.getMessage());
        assertArrayEquals(new float[]{1, 1}, Tensor.ones(2).toFloatArray());
    }
}
