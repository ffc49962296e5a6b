// A device: an allocator, a compiler (with an on-disk cache) and a launcher. One per backend instance.
package dev.jtiny.runtime.device;

import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.codegen.Renderer;

import java.util.List;

public interface Device extends AutoCloseable {
    /** The name users pass in DEVICE=…: "JAVA", "OPENCL:0", … */
    String name();

    /** Human description: the hardware, platform and driver. */
    String description();

    /** The language this device's kernels are written in, for people: "opencl" or "java". */
    String language();

    /** Writes this device's kernels: the renderer for its language and what it supports. */
    Renderer renderer();

    /** What its kernels can use: work-groups, vector lanes, fp64/fp16, tensor cores; how many compute units. */
    Capabilities capabilities();

    /** True for a GPU (see {@link Capabilities#gpu}). */
    default boolean isGpu() { return capabilities().gpu(); }

    /** Parallel compute units (cores on a CPU, SMs on an NVIDIA GPU). */
    default int computeUnits() { return capabilities().computeUnits(); }

    /** Global memory in bytes. */
    long memoryBytes();

    /** Fresh (or pooled) memory for {@code count} elements; throws {@link DeviceException} naming the bytes when out of memory. */
    RawBuffer allocate(DType dtype, int count);

    /** Gives memory back; the device may keep it in a size-keyed pool. */
    void free(RawBuffer buffer);

    /** Copies a host array (of the type {@link DType#newHostArray} gives for the buffer's dtype) of buffer.count() elements in. */
    void copyIn(RawBuffer dst, Object hostArray);

    /** Copies the whole buffer out into a host array of the matching type; waits for pending work. */
    void copyOut(RawBuffer src, Object hostArray);

    /** Compiles a kernel (or loads it from the on-disk cache); a build failure names the kernel and shows source and log. */
    Program compile(String name, String source);

    /** A kernel's name and source, as {@link #compile} takes them. */
    record Source(String name, String source) {}

    /**
     * The kernels a schedule is about to {@link #compile} one by one, for a device that builds several at once
     * faster than each alone; returns the names it compiled now (none by default). A build failure here is not an
     * error: that kernel's own compile then reports it.
     */
    default List<String> prepare(List<Source> sources) { return List.of(); }

    /**
     * Launches a kernel over {@code global} work items (with {@code local} work-group sizes, or null to let the
     * device choose). With {@code timed}, waits and returns the kernel's run time in seconds; otherwise may return
     * before the kernel finishes and returns NaN.
     */
    double launch(Program program, RawBuffer[] args, int[] global, int[] local, boolean timed);

    /**
     * A launch that will be repeated many times with the same kernel and work sizes (a JIT replay): the device does
     * its checks and set-up once here, and {@link Prepared#run} then only binds the buffers that changed and
     * enqueues. The default runs {@link #launch} each time.
     */
    default Prepared prepare(Program program, int[] global, int[] local) {
        return (args, timed) -> launch(program, args, global, local, timed);
    }

    /** A prepared launch: {@link #run} with the kernel's buffers (argument 0 the output), as {@link #launch}. */
    interface Prepared {
        double run(RawBuffer[] args, boolean timed);
    }

    /**
     * Copies one buffer into another of the same size on this device (no host round trip). With {@code timed},
     * waits and returns the copy's time in seconds; otherwise may return before it finishes, with NaN.
     */
    double copy(RawBuffer dst, RawBuffer src, boolean timed);

    /** Waits for every launched kernel and copy. */
    void synchronize();

    @Override void close();
}
