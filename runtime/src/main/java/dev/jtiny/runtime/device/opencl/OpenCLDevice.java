// The OPENCL backend: any OpenCL 1.2+ device through JOCL (NVIDIA GPUs, PoCL on CPUs).
// One context and one in-order, profiling queue per device; freed memory goes to a size-keyed pool.
package dev.jtiny.runtime.device.opencl;

import dev.jtiny.runtime.device.BufferPool;
import dev.jtiny.runtime.device.Capabilities;
import dev.jtiny.runtime.device.CompileCache;
import dev.jtiny.runtime.device.Device;
import dev.jtiny.runtime.device.DeviceException;
import dev.jtiny.runtime.device.Program;
import dev.jtiny.runtime.device.RawBuffer;
import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.Counters;
import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.Trace;
import dev.jtiny.runtime.codegen.OpenCLRenderer;
import dev.jtiny.runtime.codegen.Renderer;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_event;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_platform_id;
import org.jocl.cl_program;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.jocl.CL.*;

public final class OpenCLDevice implements Device {
    /** Build options, part of the compile-cache key. No fast-math flags: kernels keep IEEE semantics. */
    public static final String BUILD_OPTIONS = "-cl-std=CL1.2";
    /** The compile-cache kind under which program binaries are stored. */
    public static final String CACHE_KIND = "opencl";
    private static final Renderer RENDERER = new OpenCLRenderer();

    /** One OpenCL device as found on this machine; {@code index} is what OPENCL:index opens. */
    public record Info(int index, String platform, String name, String vendor, String driverVersion, boolean isGpu,
                       int computeUnits, long globalMemBytes, long maxWorkGroupSize, long maxAllocBytes, boolean fp64) {
        public String deviceName() { return "OPENCL:" + index; }

        public String description() { return name + " (" + platform + ", driver " + driverVersion + ")"; }
    }

    private record Found(Info info, cl_platform_id platform, cl_device_id device) {}

    private final Info info;
    private final Capabilities capabilities;
    private final String name;
    private final cl_device_id device;
    private final cl_context context;
    private final cl_command_queue queue;
    private final BufferPool<cl_mem> pool;
    private final Set<Buffer> live = new LinkedHashSet<>();
    private final Map<String, ClProgram> programs = new HashMap<>();
    private boolean closed;

    /** Every OpenCL device of every platform, platforms then devices in driver order; empty when OpenCL is absent. */
    public static List<Info> list() {
        try {
            return enumerate().stream().map(Found::info).toList();
        } catch (CLException | LinkageError e) {
            return List.of();
        }
    }

    /** Opens OPENCL:index (see {@link #list()}). */
    public static OpenCLDevice open(int index) {
        List<Found> all;
        try {
            all = enumerate();
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
        return new OpenCLDevice(all.get(index));
    }

    private OpenCLDevice(Found found) {
        this.info = found.info();
        // Half values are stored as 16 bits and widened to float (vload_half): no cl_khr_fp16 arithmetic is used.
        this.capabilities = new Capabilities(info.isGpu(), info.computeUnits(), true, 1, info.fp64(), false, false);
        this.name = info.deviceName();
        this.device = found.device();
        cl_context ctx = null;
        try {
            cl_context_properties props = new cl_context_properties();
            props.addProperty(CL_CONTEXT_PLATFORM, found.platform());
            ctx = clCreateContext(props, 1, new cl_device_id[] {device}, null, null, null);
            this.queue = createQueue(ctx, device);
        } catch (CLException e) {
            if (ctx != null) quietly(ctx, CL::clReleaseContext);
            throw fail("opening the device", e);
        }
        this.context = ctx;
        this.pool = new BufferPool<>(info.globalMemBytes() / 4, mem -> quietly(mem, CL::clReleaseMemObject));
    }

    // clCreateCommandQueue is deprecated from OpenCL 2.0 but is the one call every 1.2+ driver has.
    @SuppressWarnings("deprecation")
    private static cl_command_queue createQueue(cl_context ctx, cl_device_id device) {
        return clCreateCommandQueue(ctx, device, CL_QUEUE_PROFILING_ENABLE, null);
    }

    public Info info() { return info; }

    @Override public String name() { return name; }

    @Override public String description() { return info.description(); }

    @Override public String language() { return "opencl"; }
    @Override public Renderer renderer() { return RENDERER; }

    @Override public Capabilities capabilities() { return capabilities; }

    @Override public long memoryBytes() { return info.globalMemBytes(); }

    /** The largest single allocation the device allows (CL_DEVICE_MAX_MEM_ALLOC_SIZE). */
    public long maxAllocBytes() { return info.maxAllocBytes(); }

    /** Bytes held in the pool of freed buffers. */
    public long pooledBytes() { return pool.pooledBytes(); }

    /** Bytes allocated and not yet freed. */
    public synchronized long liveBytes() { return live.stream().mapToLong(b -> b.allocBytes).sum(); }

    // ---- memory ----

    @Override
    public synchronized RawBuffer allocate(DType dtype, int count) {
        ensureOpen("allocate");
        if (count < 0) throw new IllegalArgumentException(name + ": allocate: count " + count + " is negative");
        // OpenCL forbids empty buffers; an empty tensor still gets one element.
        long bytes = (long) Math.max(count, 1) * dtype.itemSize;
        if (bytes > info.maxAllocBytes()) {
            throw oom(count, dtype, bytes, "; the largest single allocation is " + info.maxAllocBytes() + " bytes", null);
        }
        cl_mem mem = pool.take(bytes);
        if (mem == null) {
            try {
                mem = createBuffer(bytes);
            } catch (CLException e) {
                if (!isOutOfMemory(e)) throw fail("allocating " + bytes + " bytes", e);
                pool.releaseAll();
                try {
                    mem = createBuffer(bytes);
                } catch (CLException again) {
                    if (isOutOfMemory(again)) throw oom(count, dtype, bytes, "", again);
                    throw fail("allocating " + bytes + " bytes", again);
                }
            }
        }
        Buffer b = new Buffer(this, mem, dtype, count, bytes);
        live.add(b);
        return b;
    }

    private cl_mem createBuffer(long bytes) {
        cl_mem mem = clCreateBuffer(context, CL_MEM_READ_WRITE, bytes, null, null);
        try {
            // Drivers allocate at first use; touching a byte now makes running out of memory show up here,
            // at the allocation, rather than at some later kernel.
            clEnqueueFillBuffer(queue, mem, Pointer.to(new byte[] {0}), 1, 0, 1, 0, null, null);
        } catch (CLException e) {
            quietly(mem, CL::clReleaseMemObject);
            throw e;
        }
        return mem;
    }

    @Override
    public synchronized void free(RawBuffer buffer) {
        if (closed) return; // close() already released everything
        Buffer b = own(buffer, "free");
        if (b.freed) throw new DeviceException(name + ": free: " + b + " was already freed");
        b.freed = true;
        live.remove(b);
        pool.give(b.allocBytes, b.mem);
    }

    @Override
    public synchronized void copyIn(RawBuffer dst, Object hostArray) {
        ensureOpen("copyIn");
        Buffer b = usable(dst, "copyIn");
        Pointer host = hostPointer(b, hostArray, "copyIn");
        if (b.count == 0) return;
        try {
            clEnqueueWriteBuffer(queue, b.mem, CL_TRUE, 0, b.bytes(), host, 0, null, null);
        } catch (CLException e) {
            if (isOutOfMemory(e)) throw oom(b.count, b.dtype, b.allocBytes, "", e);
            throw fail("copyIn of " + b.bytes() + " bytes", e);
        }
    }

    @Override
    public synchronized void copyOut(RawBuffer src, Object hostArray) {
        ensureOpen("copyOut");
        Buffer b = usable(src, "copyOut");
        Pointer host = hostPointer(b, hostArray, "copyOut");
        if (b.count == 0) return;
        try {
            // A blocking read on an in-order queue also waits for every kernel enqueued before it.
            clEnqueueReadBuffer(queue, b.mem, CL_TRUE, 0, b.bytes(), host, 0, null, null);
        } catch (CLException e) {
            throw fail("copyOut of " + b.bytes() + " bytes", e);
        }
    }

    private Pointer hostPointer(Buffer b, Object host, String op) {
        int length = switch (host) {
            case float[] a when b.dtype == DType.FLOAT32 -> a.length;
            case double[] a when b.dtype == DType.FLOAT64 -> a.length;
            case short[] a when b.dtype == DType.FLOAT16 || b.dtype == DType.BFLOAT16 -> a.length;
            case int[] a when b.dtype == DType.INT32 -> a.length;
            case long[] a when b.dtype == DType.INT64 -> a.length;
            case byte[] a when b.dtype == DType.BOOL || b.dtype == DType.INT8 || b.dtype == DType.UINT8 -> a.length;
            case null, default -> -1;
        };
        if (length != b.count) {
            String got = host == null ? "null" : host.getClass().getComponentType() == null
                    ? host.getClass().getSimpleName()
                    : host.getClass().getComponentType().getSimpleName() + "[" + java.lang.reflect.Array.getLength(host) + "]";
            String want = ((Object) b.dtype.newHostArray(0)).getClass().getComponentType().getSimpleName();
            throw new IllegalArgumentException(name + ": " + op + ": buffer holds " + b.count + " " + b.dtype
                    + ", so the host array must be " + want + "[" + b.count + "], not " + got);
        }
        return switch (host) {
            case float[] a -> Pointer.to(a);
            case double[] a -> Pointer.to(a);
            case short[] a -> Pointer.to(a);
            case int[] a -> Pointer.to(a);
            case long[] a -> Pointer.to(a);
            case byte[] a -> Pointer.to(a);
            default -> throw new AssertionError(host);
        };
    }

    // ---- compiling ----

    @Override
    public synchronized Program compile(String kernelName, String source) {
        ensureOpen("compile");
        String memo = kernelName + '\0' + source;
        ClProgram known = programs.get(memo);
        if (known != null) return known;
        if (!info.fp64() && source.contains(OpenCLRenderer.FP64_PRAGMA)) {
            throw new DeviceException(name + " (" + info.name() + "): kernel " + kernelName + " computes in float64 (double), "
                    + "but this device does not support double precision (no cl_khr_fp64); cast to float32 first, or run it on "
                    + "another device (e.g. DEVICE=JAVA)");
        }

        String key = CompileCache.key(source, BUILD_OPTIONS, info.platform(), info.name(), info.driverVersion());
        ClProgram program = null;
        byte[] binary = CompileCache.get(CACHE_KIND, key);
        if (binary != null) {
            cl_program built = buildFromBinary(kernelName, binary);
            if (built != null) {
                program = withKernel(kernelName, source, built, true);
                Counters.cacheHit();
            }
        }
        if (program == null) {
            cl_program built = buildFromSource(kernelName, source);
            Counters.compiled();
            byte[] fresh = binaryOf(built);
            if (fresh != null) CompileCache.put(CACHE_KIND, key, fresh);
            program = withKernel(kernelName, source, built, false);
        }
        programs.put(memo, program);
        return program;
    }

    private cl_program buildFromSource(String kernelName, String source) {
        cl_program prog;
        try {
            prog = clCreateProgramWithSource(context, 1, new String[] {source}, null, null);
        } catch (CLException e) {
            throw fail("creating kernel " + kernelName + " from source", e);
        }
        try {
            clBuildProgram(prog, 1, new cl_device_id[] {device}, BUILD_OPTIONS, null, null);
            return prog;
        } catch (CLException e) {
            String log = buildLog(prog);
            quietly(prog, CL::clReleaseProgram);
            throw new DeviceException(name + " (" + info.name() + "): kernel " + kernelName + " failed to build ("
                    + CL.stringFor_errorCode(e.getStatus()) + ", options " + BUILD_OPTIONS + ")\n"
                    + "--- build log ---\n" + log.strip() + "\n--- source ---\n" + DeviceException.numbered(source), e);
        }
    }

    /** The program built from a cached binary, or null (the caller then builds from source). */
    private cl_program buildFromBinary(String kernelName, byte[] binary) {
        cl_program prog = null;
        try {
            prog = clCreateProgramWithBinary(context, 1, new cl_device_id[] {device}, new long[] {binary.length},
                    new byte[][] {binary}, new int[1], null);
            clBuildProgram(prog, 1, new cl_device_id[] {device}, BUILD_OPTIONS, null, null);
            return prog;
        } catch (CLException e) {
            if (prog != null) quietly(prog, CL::clReleaseProgram);
            if (Config.debug() >= 1) {
                Trace.out().println("jtiny: " + name + ": cached binary of " + kernelName + " did not load ("
                        + CL.stringFor_errorCode(e.getStatus()) + "); compiling from source");
            }
            return null;
        }
    }

    /** The program's binary for the compile cache, or null when the driver will not give one. */
    private static byte[] binaryOf(cl_program prog) {
        try {
            long[] size = new long[1];
            clGetProgramInfo(prog, CL_PROGRAM_BINARY_SIZES, Sizeof.size_t, Pointer.to(size), null);
            if (size[0] <= 0 || size[0] > Integer.MAX_VALUE - 8) return null;
            byte[] binary = new byte[(int) size[0]];
            clGetProgramInfo(prog, CL_PROGRAM_BINARIES, Sizeof.POINTER, Pointer.to(Pointer.to(binary)), null);
            return binary;
        } catch (CLException e) {
            return null;
        }
    }

    private String buildLog(cl_program prog) {
        try {
            long[] size = new long[1];
            clGetProgramBuildInfo(prog, device, CL_PROGRAM_BUILD_LOG, 0, null, size);
            byte[] log = new byte[(int) size[0]];
            clGetProgramBuildInfo(prog, device, CL_PROGRAM_BUILD_LOG, log.length, Pointer.to(log), null);
            return cString(log);
        } catch (CLException e) {
            return "(no build log: " + CL.stringFor_errorCode(e.getStatus()) + ")";
        }
    }

    private ClProgram withKernel(String kernelName, String source, cl_program prog, boolean fromCache) {
        try {
            cl_kernel kernel = clCreateKernel(prog, kernelName, null);
            int[] nargs = new int[1];
            clGetKernelInfo(kernel, CL_KERNEL_NUM_ARGS, Sizeof.cl_uint, Pointer.to(nargs), null);
            return new ClProgram(this, kernelName, source, prog, kernel, nargs[0], fromCache);
        } catch (CLException e) {
            String defined = kernelNames(prog);
            quietly(prog, CL::clReleaseProgram);
            throw new DeviceException(name + " (" + info.name() + "): kernel " + kernelName + ": "
                    + CL.stringFor_errorCode(e.getStatus()) + "; the source defines kernels [" + defined + "]", e);
        }
    }

    private static String kernelNames(cl_program prog) {
        try {
            long[] size = new long[1];
            clGetProgramInfo(prog, CL_PROGRAM_KERNEL_NAMES, 0, null, size);
            byte[] names = new byte[(int) size[0]];
            clGetProgramInfo(prog, CL_PROGRAM_KERNEL_NAMES, names.length, Pointer.to(names), null);
            return cString(names).replace(";", ", ");
        } catch (CLException e) {
            return "?";
        }
    }

    // ---- running ----

    @Override
    public synchronized double launch(Program program, RawBuffer[] args, int[] global, int[] local, boolean timed) {
        ensureOpen("launch");
        if (!(program instanceof ClProgram p) || p.device != this) {
            throw new DeviceException(name + ": launch " + program.name() + ": the kernel was compiled for "
                    + (program instanceof ClProgram other ? "another instance of " + other.device.name : "another device")
                    + "; compile it on " + name);
        }
        String what = "launch " + p.name;
        if (args.length != p.numArgs) {
            throw new DeviceException(name + ": " + what + ": the kernel takes " + p.numArgs + " buffers, got " + args.length);
        }
        long[] g = workSizes(global, what, "global");
        long[] l = local == null ? null : workSizes(local, what, "local");
        if (l != null) checkLocal(g, l, what);
        Buffer[] bufs = new Buffer[args.length];
        for (int i = 0; i < args.length; i++) bufs[i] = usable(args[i], what + ", argument " + i);
        if (Arrays.stream(g).anyMatch(n -> n == 0)) return timed ? 0.0 : Double.NaN; // nothing to run

        cl_event event = timed ? new cl_event() : null;
        boolean enqueued = false;
        try {
            for (int i = 0; i < bufs.length; i++) clSetKernelArg(p.kernel, i, Sizeof.cl_mem, Pointer.to(bufs[i].mem));
            clEnqueueNDRangeKernel(queue, p.kernel, g.length, null, g, l, 0, null, event);
            enqueued = true;
            if (!timed) return Double.NaN;
            return secondsOf(event);
        } catch (CLException e) {
            throw fail(what + " over global " + Arrays.toString(global)
                    + (local == null ? "" : " local " + Arrays.toString(local)), e);
        } finally {
            if (enqueued && event != null) quietly(event, CL::clReleaseEvent);
        }
    }

    /**
     * Its own {@code cl_kernel} (so its bound arguments stay bound between runs), the work sizes checked and
     * converted once: a run sets only the arguments whose buffer changed, then enqueues. No allocation per run
     * unless timed (the event) or failing (the message).
     */
    @Override public synchronized Prepared prepare(Program program, int[] global, int[] local) {
        ensureOpen("prepare");
        if (!(program instanceof ClProgram p) || p.device != this) return Device.super.prepare(program, global, local);
        String what = "launch " + p.name;
        long[] g = workSizes(global, what, "global");
        long[] l = local == null ? null : workSizes(local, what, "local");
        if (l != null) checkLocal(g, l, what);
        cl_kernel kernel;
        try {
            kernel = clCreateKernel(p.program, p.name, null); // lives as long as the program (a JIT keeps both)
        } catch (CLException e) {
            throw fail("prepare " + p.name, e);
        }
        cl_mem[] bound = new cl_mem[p.numArgs];
        boolean empty = Arrays.stream(g).anyMatch(n -> n == 0);
        return (args, timed) -> {
            synchronized (this) {
                ensureOpen("launch");
                if (args.length != bound.length) return launch(program, args, global, local, timed); // reports it
                for (int i = 0; i < args.length; i++) {
                    if (!(args[i] instanceof Buffer b) || b.device != this || b.freed) {
                        return launch(program, args, global, local, timed); // the plain path names the problem
                    }
                    if (b.mem != bound[i]) {
                        clSetKernelArg(kernel, i, Sizeof.cl_mem, Pointer.to(b.mem));
                        bound[i] = b.mem;
                    }
                }
                if (empty) return timed ? 0.0 : Double.NaN;
                cl_event event = timed ? new cl_event() : null;
                try {
                    clEnqueueNDRangeKernel(queue, kernel, g.length, null, g, l, 0, null, event);
                    if (!timed) return Double.NaN;
                    return secondsOf(event);
                } catch (CLException e) {
                    throw fail(what + " over global " + Arrays.toString(global), e);
                } finally {
                    if (event != null) quietly(event, CL::clReleaseEvent);
                }
            }
        };
    }

    @Override
    public synchronized double copy(RawBuffer dst, RawBuffer src, boolean timed) {
        ensureOpen("copy");
        Buffer d = usable(dst, "copy (destination)"), sr = usable(src, "copy (source)");
        if (d.bytes() != sr.bytes()) {
            throw new DeviceException(name + ": copy of " + sr.bytes() + " bytes into a buffer of " + d.bytes() + " bytes");
        }
        cl_event event = timed ? new cl_event() : null;
        boolean enqueued = false;
        try {
            clEnqueueCopyBuffer(queue, sr.mem, d.mem, 0, 0, sr.bytes(), 0, null, event);
            enqueued = true;
            if (!timed) return Double.NaN;
            return secondsOf(event);
        } catch (CLException e) {
            throw fail("copy of " + sr.bytes() + " bytes", e);
        } finally {
            if (enqueued && event != null) quietly(event, CL::clReleaseEvent);
        }
    }

    /** Waits for a profiled command and returns how long it ran on the device. */
    private static double secondsOf(cl_event event) {
        clWaitForEvents(1, new cl_event[] {event});
        long[] start = new long[1];
        long[] end = new long[1];
        clGetEventProfilingInfo(event, CL_PROFILING_COMMAND_START, Sizeof.cl_ulong, Pointer.to(start), null);
        clGetEventProfilingInfo(event, CL_PROFILING_COMMAND_END, Sizeof.cl_ulong, Pointer.to(end), null);
        return (end[0] - start[0]) * 1e-9;
    }

    private long[] workSizes(int[] dims, String what, String kind) {
        if (dims.length < 1 || dims.length > 3) {
            throw new DeviceException(name + ": " + what + ": " + kind + " size " + Arrays.toString(dims) + " must have 1 to 3 dimensions");
        }
        long[] out = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0 || (dims[i] == 0 && kind.equals("local"))) {
                throw new DeviceException(name + ": " + what + ": " + kind + " size " + Arrays.toString(dims) + " has an invalid dimension");
            }
            out[i] = dims[i];
        }
        return out;
    }

    private void checkLocal(long[] g, long[] l, String what) {
        if (l.length != g.length) {
            throw new DeviceException(name + ": " + what + ": local size " + Arrays.toString(l) + " and global size "
                    + Arrays.toString(g) + " have different dimensions");
        }
        long groupSize = 1;
        for (int i = 0; i < g.length; i++) {
            groupSize *= l[i];
            if (g[i] % l[i] != 0) {
                throw new DeviceException(name + ": " + what + ": global size " + Arrays.toString(g)
                        + " is not a multiple of local size " + Arrays.toString(l) + " (OpenCL 1.2 requires it)");
            }
        }
        if (groupSize > info.maxWorkGroupSize()) {
            throw new DeviceException(name + ": " + what + ": local size " + Arrays.toString(l) + " is a work-group of "
                    + groupSize + " items; " + info.name() + " allows at most " + info.maxWorkGroupSize());
        }
    }

    @Override
    public synchronized void synchronize() {
        ensureOpen("synchronize");
        try {
            clFinish(queue);
        } catch (CLException e) {
            throw fail("synchronize", e);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        quietly(queue, CL::clFinish);
        for (Buffer b : live) {
            b.freed = true;
            quietly(b.mem, CL::clReleaseMemObject);
        }
        live.clear();
        pool.releaseAll();
        for (ClProgram p : programs.values()) {
            quietly(p.kernel, CL::clReleaseKernel);
            quietly(p.program, CL::clReleaseProgram);
        }
        programs.clear();
        quietly(queue, CL::clReleaseCommandQueue);
        quietly(context, CL::clReleaseContext);
    }

    @Override public String toString() { return name; }

    // ---- checks and errors ----

    private void ensureOpen(String op) {
        if (closed) throw new DeviceException(name + ": " + op + ": the device was closed");
    }

    private Buffer own(RawBuffer r, String what) {
        if (!(r instanceof Buffer b)) {
            throw new DeviceException(name + ": " + what + ": " + r + " belongs to another device; copy it to " + name + " first");
        }
        if (b.device != this) {
            String owner = b.device.name.equals(name) ? "another (" + (b.device.closed ? "closed" : "open") + ") instance of " + name : b.device.name;
            throw new DeviceException(name + ": " + what + ": " + b + " belongs to " + owner + "; copy it to " + name + " first");
        }
        return b;
    }

    private Buffer usable(RawBuffer r, String what) {
        Buffer b = own(r, what);
        if (b.freed) throw new DeviceException(name + ": " + what + ": " + b + " was freed");
        return b;
    }

    private static boolean isOutOfMemory(CLException e) {
        int s = e.getStatus();
        return s == CL_MEM_OBJECT_ALLOCATION_FAILURE || s == CL_OUT_OF_RESOURCES || s == CL_OUT_OF_HOST_MEMORY;
    }

    private DeviceException oom(int count, DType dtype, long bytes, String extra, Throwable cause) {
        return new DeviceException(name + " (" + info.name() + "): out of memory allocating " + bytes + " bytes ("
                + count + " x " + dtype + ")" + extra + "; device has " + info.globalMemBytes() + " bytes", cause);
    }

    private DeviceException fail(String op, CLException e) {
        String hint = switch (e.getStatus()) {
            case CL_OUT_OF_RESOURCES -> " (device out of memory or resources, or a kernel read or wrote out of bounds)";
            case CL_MEM_OBJECT_ALLOCATION_FAILURE -> " (device out of memory)";
            default -> "";
        };
        return new DeviceException(name + " (" + info.name() + "): " + op + " failed: "
                + CL.stringFor_errorCode(e.getStatus()) + hint, e);
    }

    private interface ClCall<T> { void call(T handle); }

    private static <T> void quietly(T handle, ClCall<T> release) {
        try {
            release.call(handle);
        } catch (CLException ignored) {
            // Releasing during cleanup: nothing useful to do about a driver complaint here.
        }
    }

    // ---- discovery ----

    private static List<Found> enumerate() {
        CL.setExceptionsEnabled(true);
        int[] n = new int[1];
        clGetPlatformIDs(0, null, n);
        cl_platform_id[] platforms = new cl_platform_id[n[0]];
        clGetPlatformIDs(platforms.length, platforms, null);
        List<Found> found = new ArrayList<>();
        for (cl_platform_id platform : platforms) {
            cl_device_id[] devices;
            String platformName;
            try {
                platformName = platformString(platform, CL_PLATFORM_NAME);
                clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, null, n);
                devices = new cl_device_id[n[0]];
                clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, devices.length, devices, null);
            } catch (CLException e) {
                continue; // a platform without devices (CL_DEVICE_NOT_FOUND) or a broken ICD: skip it
            }
            for (cl_device_id d : devices) {
                Info info = new Info(found.size(), platformName, deviceString(d, CL_DEVICE_NAME),
                        deviceString(d, CL_DEVICE_VENDOR), deviceString(d, CL_DRIVER_VERSION),
                        (deviceLong(d, CL_DEVICE_TYPE) & CL_DEVICE_TYPE_GPU) != 0,
                        deviceInt(d, CL_DEVICE_MAX_COMPUTE_UNITS), deviceLong(d, CL_DEVICE_GLOBAL_MEM_SIZE),
                        deviceSizeT(d, CL_DEVICE_MAX_WORK_GROUP_SIZE), deviceLong(d, CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                        hasExtension(d, "cl_khr_fp64"));
                found.add(new Found(info, platform, d));
            }
        }
        return found;
    }

    private static boolean hasExtension(cl_device_id d, String extension) {
        try {
            return Arrays.asList(deviceString(d, CL_DEVICE_EXTENSIONS).split("\\s+")).contains(extension);
        } catch (CLException e) {
            return false;
        }
    }

    private static String platformString(cl_platform_id p, int param) {
        long[] size = new long[1];
        clGetPlatformInfo(p, param, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        clGetPlatformInfo(p, param, buf.length, Pointer.to(buf), null);
        return cString(buf);
    }

    private static String deviceString(cl_device_id d, int param) {
        long[] size = new long[1];
        clGetDeviceInfo(d, param, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        clGetDeviceInfo(d, param, buf.length, Pointer.to(buf), null);
        return cString(buf);
    }

    private static long deviceLong(cl_device_id d, int param) {
        long[] v = new long[1];
        clGetDeviceInfo(d, param, Sizeof.cl_ulong, Pointer.to(v), null);
        return v[0];
    }

    private static long deviceSizeT(cl_device_id d, int param) {
        long[] v = new long[1];
        clGetDeviceInfo(d, param, Sizeof.size_t, Pointer.to(v), null);
        return v[0];
    }

    private static int deviceInt(cl_device_id d, int param) {
        int[] v = new int[1];
        clGetDeviceInfo(d, param, Sizeof.cl_uint, Pointer.to(v), null);
        return v[0];
    }

    private static String cString(byte[] bytes) {
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] == 0) end--;
        return new String(bytes, 0, end, StandardCharsets.UTF_8).trim();
    }

    // ---- handles ----

    private static final class Buffer implements RawBuffer {
        final OpenCLDevice device;
        final cl_mem mem;
        final DType dtype;
        final int count;
        final long allocBytes; // what the driver holds: at least one element even for count 0
        boolean freed; // guarded by device's lock

        Buffer(OpenCLDevice device, cl_mem mem, DType dtype, int count, long allocBytes) {
            this.device = device;
            this.mem = mem;
            this.dtype = dtype;
            this.count = count;
            this.allocBytes = allocBytes;
        }

        @Override public DType dtype() { return dtype; }

        @Override public int count() { return count; }

        @Override public String toString() { return device.name + " " + dtype + "[" + count + "]"; }
    }

    private static final class ClProgram implements Program {
        final OpenCLDevice device;
        final String name;
        final String source;
        final cl_program program;
        final cl_kernel kernel;
        final int numArgs;
        final boolean fromCache;

        ClProgram(OpenCLDevice device, String name, String source, cl_program program, cl_kernel kernel, int numArgs,
                  boolean fromCache) {
            this.device = device;
            this.name = name;
            this.source = source;
            this.program = program;
            this.kernel = kernel;
            this.numArgs = numArgs;
            this.fromCache = fromCache;
        }

        @Override public String name() { return name; }

        @Override public boolean fromCache() { return fromCache; }

        @Override public String toString() { return "kernel " + name + " on " + device.name; }
    }
}
