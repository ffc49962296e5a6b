// What a kernel rendered as Java implements: compute work items [start, end) over the given arrays.
package dev.jtiny.runtime.device;

public interface JavaKernel {
    void run(Object[] args, int start, int end);
}
