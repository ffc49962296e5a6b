// A compiled kernel, ready to launch on the device that compiled it.
package dev.jtiny.runtime.device;

public interface Program {
    String name();
    /** True when the binary came from the on-disk cache instead of a fresh compile. */
    boolean fromCache();
}
