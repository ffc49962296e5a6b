// Memory on a device: a handle the device understands, with its element type and count.
package dev.jtiny.runtime.device;

import dev.jtiny.runtime.DType;

public interface RawBuffer {
    DType dtype();
    int count();
    default long bytes() { return (long) count() * dtype().itemSize; }
}
