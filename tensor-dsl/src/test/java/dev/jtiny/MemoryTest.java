// Device memory: freeing with close(), reuse of freed buffers, and device-side copies.
package dev.jtiny;

import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.engine.Devices;
import dev.jtiny.runtime.device.DeviceException;
import dev.jtiny.runtime.device.opencl.OpenCLDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

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

    @Test
    void outOfMemoryNamesTheBytesAndTheDevice() {
        String device = "OPENCL:0";
        Config.set("DEVICE", device);
        // One element more than the device's largest single allocation, in the narrowest dtype whose count still fits
        // a tensor's int size; the allocation fails before any kernel is queued, so nothing outlives the test and no
        // memory is filled. Where even 8-byte elements cannot reach past it (a GPU whose largest allocation is 16 GiB
        // or more), there is no single tensor that is too big, and the test says so.
        long maxAlloc = ((OpenCLDevice) Devices.get(device)).maxAllocBytes();
        DType dtype = null;
        for (DType d : List.of(DType.FLOAT32, DType.INT64)) {
            if (maxAlloc / d.itemSize + 1 <= Integer.MAX_VALUE) {
                dtype = d;
                break;
            }
        }
        Assumptions.assumeTrue(dtype != null, () -> device + "'s largest allocation is " + maxAlloc
                + " bytes: no tensor of 2^31-1 elements of 8 bytes is larger");
        int count = (int) (maxAlloc / dtype.itemSize + 1);
        DType d = dtype;
        DeviceException e = assertThrows(DeviceException.class,
                () -> Tensor.full(new int[] {count}, 0, d).contiguous().realize());
        assertTrue(e.getMessage().contains((long) count * d.itemSize + " bytes"), e.getMessage());
        assertTrue(e.getMessage().contains(device), e.getMessage());
        assertTrue(e.getMessage().contains("largest single allocation is " + maxAlloc), e.getMessage());
        assertArrayEquals(new float[]{1, 1}, Tensor.ones(2).toFloatArray());
    }
}
