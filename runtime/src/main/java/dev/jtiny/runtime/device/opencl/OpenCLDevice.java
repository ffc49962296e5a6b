// The OPENCL backend: any OpenCL 1.2+ device through JOCL (NVIDIA GPUs, PoCL on CPUs), composed of its parts:
// OpenCLPlatforms finds it, OpenCLContext holds its context and one in-order queue, OpenCLAllocator its memory,
// OpenCLCompiler and OpenCLProgram its kernels.
package dev.jtiny.runtime.device.opencl;

import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.codegen.OpenCLRenderer;
import dev.jtiny.runtime.codegen.Renderer;
import dev.jtiny.runtime.device.Capabilities;
import dev.jtiny.runtime.device.Device;
import dev.jtiny.runtime.device.DeviceException;
import dev.jtiny.runtime.device.Program;
import dev.jtiny.runtime.device.RawBuffer;
import dev.jtiny.runtime.device.opencl.OpenCLPlatforms.Found;
import org.jocl.CLException;

import java.util.List;
import java.util.stream.Collectors;

import static org.jocl.CL.clFinish;

/**
 * Every method that touches the queue or the parts is synchronized on this device: the parts are not thread-safe,
 * and one in-order queue and a kernel's bound arguments must not be shared by two threads at once.
 */
public final class OpenCLDevice implements Device {
    /** Build options, part of the compile-cache key. No fast-math flags: kernels keep IEEE semantics. */
    public static final String BUILD_OPTIONS = OpenCLCompiler.BUILD_OPTIONS;
    /** The compile-cache kind under which program binaries are stored. */
    public static final String CACHE_KIND = OpenCLCompiler.CACHE_KIND;
    private static final Renderer RENDERER = new OpenCLRenderer();

    /** One OpenCL device as found on this machine; {@code index} is what OPENCL:index opens. */
    public record Info(int index, String platform, String name, String vendor, String driverVersion, boolean isGpu,
                       int computeUnits, long globalMemBytes, long maxWorkGroupSize, long maxAllocBytes, boolean fp64) {
        public String deviceName() { return "OPENCL:" + index; }

        public String description() { return name + " (" + platform + ", driver " + driverVersion + ")"; }
    }

    private final Info info;
    private final Capabilities capabilities;
    private final OpenCLContext cl;
    private final OpenCLAllocator memory;
    private final OpenCLCompiler compiler;

    /** Every OpenCL device of every platform, platforms then devices in driver order; empty when OpenCL is absent. */
    public static List<Info> list() {
        try {
            return OpenCLPlatforms.enumerate().stream().map(Found::info).toList();
        } catch (CLException | LinkageError e) {
            return List.of();
        }
    }

    /** Opens OPENCL:index (see {@link #list()}). */
    public static OpenCLDevice open(int index) {
        List<Found> all;
        try {
            all = OpenCLPlatforms.enumerate();
        } catch (CLException | LinkageError e) {
            throw new DeviceException("OPENCL:" + index + ": no OpenCL platform could be loaded (" + e.getMessage()
                    + "); install an OpenCL driver (e.g. pocl-opencl-icd for CPUs)", e);
        }
        if (index < 0 || index >= all.size()) {
            String exists = all.isEmpty()
                    ? "this machine has no OpenCL device (install pocl-opencl-icd for a CPU device)"
                    : "devices are: " + all.stream().map(f -> f.info().deviceName() + " " + f.info().name())
                            .collect(Collectors.joining(", "));
            throw new DeviceException("OPENCL:" + index + " does not exist; " + exists);
        }
        return new OpenCLDevice(OpenCLContext.open(all.get(index)));
    }

    private OpenCLDevice(OpenCLContext cl) {
        this.info = cl.info;
        // Half values are stored as 16 bits and widened to float (vload_half): no cl_khr_fp16 arithmetic is used.
        this.capabilities = new Capabilities(info.isGpu(), info.computeUnits(), true, 1, info.fp64(), false, false);
        this.cl = cl;
        this.memory = new OpenCLAllocator(cl);
        this.compiler = new OpenCLCompiler(cl);
    }

    public Info info() { return info; }

    @Override public String name() { return cl.name; }

    @Override public String description() { return info.description(); }

    @Override public String language() { return "opencl"; }

    @Override public Renderer renderer() { return RENDERER; }

    @Override public Capabilities capabilities() { return capabilities; }

    @Override public long memoryBytes() { return info.globalMemBytes(); }

    /** The largest single allocation the device allows (CL_DEVICE_MAX_MEM_ALLOC_SIZE). */
    public long maxAllocBytes() { return info.maxAllocBytes(); }

    /** Bytes held in the pool of freed buffers. */
    public long pooledBytes() { return memory.pooledBytes(); }

    /** Bytes allocated and not yet freed. */
    public synchronized long liveBytes() { return memory.liveBytes(); }

    @Override
    public synchronized RawBuffer allocate(DType dtype, int count) {
        cl.ensureOpen("allocate");
        try {
            return memory.allocate(dtype, count);
        } catch (OpenCLAllocator.OutOfMemory full) {
            // Tensors nobody can reach still hold memory until the collector finds them. Collect, and give the
            // cleaner, which frees through this device, its lock for a moment (wait releases it); then once more.
            System.gc();
            try {
                for (int i = 0; i < 5; i++) wait(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return memory.allocate(dtype, count);
        }
    }

    @Override
    public synchronized void free(RawBuffer buffer) {
        if (cl.closed()) return; // close() already released everything
        memory.free(buffer);
    }

    @Override
    public synchronized void copyIn(RawBuffer dst, Object hostArray) {
        cl.ensureOpen("copyIn");
        memory.copyIn(dst, hostArray);
    }

    @Override
    public synchronized void copyOut(RawBuffer src, Object hostArray) {
        cl.ensureOpen("copyOut");
        memory.copyOut(src, hostArray);
    }

    @Override
    public synchronized double copy(RawBuffer dst, RawBuffer src, boolean timed) {
        cl.ensureOpen("copy");
        return memory.copy(dst, src, timed);
    }

    @Override
    public synchronized Program compile(String kernelName, String source) {
        cl.ensureOpen("compile");
        return compiler.compile(kernelName, source);
    }

    @Override
    public synchronized double launch(Program program, RawBuffer[] args, int[] global, int[] local, boolean timed) {
        cl.ensureOpen("launch");
        if (!(program instanceof OpenCLProgram p) || p.cl != cl) {
            throw new DeviceException(cl.name + ": launch " + program.name() + ": the kernel was compiled for "
                    + (program instanceof OpenCLProgram other ? "another instance of " + other.cl.name : "another device")
                    + "; compile it on " + cl.name);
        }
        return p.launch(memory, args, global, local, timed);
    }

    /** Checks and sets up once (OpenCLProgram.PreparedLaunch); each run takes this device's lock, as launch does. */
    @Override
    public synchronized Prepared prepare(Program program, int[] global, int[] local) {
        cl.ensureOpen("prepare");
        if (!(program instanceof OpenCLProgram p) || p.cl != cl) return Device.super.prepare(program, global, local);
        OpenCLProgram.PreparedLaunch prepared = p.prepare(memory, global, local);
        return (args, timed) -> {
            synchronized (this) {
                cl.ensureOpen("launch");
                if (!prepared.bind(args)) return launch(program, args, global, local, timed); // the plain path names the problem
                return prepared.enqueue(timed);
            }
        };
    }

    @Override
    public synchronized void synchronize() {
        cl.ensureOpen("synchronize");
        try {
            clFinish(cl.queue);
        } catch (CLException e) {
            throw cl.fail("synchronize", e);
        }
    }

    @Override
    public synchronized void close() {
        if (cl.closed()) return;
        cl.close(() -> {
            memory.releaseAll();
            compiler.releaseAll();
        });
    }

    @Override public String toString() { return cl.name; }
}
