// What a kernel rendered as Java implements: compute work items [start, end) over the given arrays.
package dev.jtiny.runtime.device;

public interface JavaKernel {
    void run(Object[] args, int start, int end);

    /** Inner-loop iterations per work item: the device runs small launches on the caller instead of forking. */
    default long cost() { return 1; }
}
