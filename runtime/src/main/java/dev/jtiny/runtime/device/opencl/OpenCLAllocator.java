// OpenCL memory: buffers from a size-keyed pool of freed ones, copies between host and device and within the device,
// and out-of-memory errors that name the bytes and the device.
package dev.jtiny.runtime.device.opencl;

import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.device.BufferPool;
import dev.jtiny.runtime.device.DeviceException;
import dev.jtiny.runtime.device.RawBuffer;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_event;
import org.jocl.cl_mem;

import java.lang.reflect.Array;
import java.util.LinkedHashSet;
import java.util.Set;

import static dev.jtiny.runtime.device.opencl.OpenCLContext.quietly;
import static dev.jtiny.runtime.device.opencl.OpenCLContext.secondsOf;
import static org.jocl.CL.*;

/** Not thread-safe: OpenCLDevice calls it under its lock (the pool locks itself, so pooledBytes needs no lock). */
final class OpenCLAllocator {
    private final OpenCLContext cl;
    private final String name;
    private final BufferPool<cl_mem> pool;
    private final Set<Buffer> live = new LinkedHashSet<>();

    OpenCLAllocator(OpenCLContext cl) {
        this.cl = cl;
        this.name = cl.name;
        this.pool = new BufferPool<>(cl.info.globalMemBytes() / 4, mem -> quietly(mem, CL::clReleaseMemObject));
    }

    long pooledBytes() { return pool.pooledBytes(); }

    long liveBytes() { return live.stream().mapToLong(b -> b.allocBytes).sum(); }

    RawBuffer allocate(DType dtype, int count) {
        if (count < 0) throw new IllegalArgumentException(name + ": allocate: count " + count + " is negative");
        // OpenCL forbids empty buffers; an empty tensor still gets one element.
        long bytes = (long) Math.max(count, 1) * dtype.itemSize;
        if (bytes > cl.info.maxAllocBytes()) {
            throw oom(count, dtype, bytes, "; the largest single allocation is " + cl.info.maxAllocBytes() + " bytes", null);
        }
        cl_mem mem = pool.take(bytes);
        if (mem == null) {
            try {
                mem = createBuffer(bytes);
            } catch (CLException e) {
                if (!isOutOfMemory(e)) throw cl.fail("allocating " + bytes + " bytes", e);
                pool.releaseAll();
                try {
                    mem = createBuffer(bytes);
                } catch (CLException again) {
                    if (isOutOfMemory(again)) throw new OutOfMemory(oom(count, dtype, bytes, "", again));
                    throw cl.fail("allocating " + bytes + " bytes", again);
                }
            }
        }
        Buffer b = new Buffer(cl, mem, dtype, count, bytes);
        live.add(b);
        return b;
    }

    /** Buffers from this size up are touched when made (see {@link #createBuffer}). */
    static final long TOUCH_BYTES = 16L << 20;

    private cl_mem createBuffer(long bytes) {
        cl_mem mem = clCreateBuffer(cl.context, CL_MEM_READ_WRITE, bytes, null, null);
        if (bytes < TOUCH_BYTES) return mem; // a command more per small buffer costs eager code more than it tells
        try {
            // Drivers allocate at first use; touching a byte now makes running out of memory show up here,
            // at the allocation, rather than at some later kernel.
            clEnqueueFillBuffer(cl.queue, mem, Pointer.to(new byte[] {0}), 1, 0, 1, 0, null, null);
        } catch (CLException e) {
            quietly(mem, CL::clReleaseMemObject);
            throw e;
        }
        return mem;
    }

    void free(RawBuffer buffer) {
        Buffer b = own(buffer, "free");
        if (b.freed) throw new DeviceException(name + ": free: " + b + " was already freed");
        b.freed = true;
        live.remove(b);
        pool.give(b.allocBytes, b.mem);
    }

    void copyIn(RawBuffer dst, Object hostArray) {
        Buffer b = usable(dst, "copyIn");
        Pointer host = hostPointer(b, hostArray, "copyIn");
        if (b.count == 0) return;
        try {
            clEnqueueWriteBuffer(cl.queue, b.mem, CL_TRUE, 0, b.bytes(), host, 0, null, null);
        } catch (CLException e) {
            if (isOutOfMemory(e)) throw oom(b.count, b.dtype, b.allocBytes, "", e);
            throw cl.fail("copyIn of " + b.bytes() + " bytes", e);
        }
    }

    void copyOut(RawBuffer src, Object hostArray) {
        Buffer b = usable(src, "copyOut");
        Pointer host = hostPointer(b, hostArray, "copyOut");
        if (b.count == 0) return;
        try {
            // A blocking read on an in-order queue also waits for every kernel enqueued before it.
            clEnqueueReadBuffer(cl.queue, b.mem, CL_TRUE, 0, b.bytes(), host, 0, null, null);
        } catch (CLException e) {
            throw cl.fail("copyOut of " + b.bytes() + " bytes", e);
        }
    }

    double copy(RawBuffer dst, RawBuffer src, boolean timed) {
        Buffer d = usable(dst, "copy (destination)"), sr = usable(src, "copy (source)");
        if (d.bytes() != sr.bytes()) {
            throw new DeviceException(name + ": copy of " + sr.bytes() + " bytes into a buffer of " + d.bytes() + " bytes");
        }
        cl_event event = timed ? new cl_event() : null;
        boolean enqueued = false;
        try {
            clEnqueueCopyBuffer(cl.queue, sr.mem, d.mem, 0, 0, sr.bytes(), 0, null, event);
            enqueued = true;
            if (!timed) return Double.NaN;
            return secondsOf(event);
        } catch (CLException e) {
            throw cl.fail("copy of " + sr.bytes() + " bytes", e);
        } finally {
            if (enqueued && event != null) quietly(event, CL::clReleaseEvent);
        }
    }

    /** Releases every buffer, live or pooled; live handles are marked freed so later use fails clearly. */
    void releaseAll() {
        for (Buffer b : live) {
            b.freed = true;
            quietly(b.mem, CL::clReleaseMemObject);
        }
        live.clear();
        pool.releaseAll();
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
                    : host.getClass().getComponentType().getSimpleName() + "[" + Array.getLength(host) + "]";
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

    private Buffer own(RawBuffer r, String what) {
        if (!(r instanceof Buffer b)) {
            throw new DeviceException(name + ": " + what + ": " + r + " belongs to another device; copy it to " + name + " first");
        }
        if (b.cl != cl) {
            String owner = b.cl.name.equals(name) ? "another (" + (b.cl.closed() ? "closed" : "open") + ") instance of " + name : b.cl.name;
            throw new DeviceException(name + ": " + what + ": " + b + " belongs to " + owner + "; copy it to " + name + " first");
        }
        return b;
    }

    /** The buffer's memory, after checking it is this device's and not freed; the error names {@code what}. */
    cl_mem usableMem(RawBuffer r, String what) { return usable(r, what).mem; }

    private Buffer usable(RawBuffer r, String what) {
        Buffer b = own(r, what);
        if (b.freed) throw new DeviceException(name + ": " + what + ": " + b + " was freed");
        return b;
    }

    /** The buffer's memory when it is one of this device's live buffers, else null; no message is built. */
    cl_mem liveMemOrNull(RawBuffer r) {
        return r instanceof Buffer b && b.cl == cl && !b.freed ? b.mem : null;
    }

    /** The device is full even with the pool emptied: the caller may collect unreachable tensors and try again. */
    static final class OutOfMemory extends DeviceException {
        OutOfMemory(DeviceException e) { super(e.getMessage(), e.getCause()); }
    }

    private static boolean isOutOfMemory(CLException e) {
        int s = e.getStatus();
        return s == CL_MEM_OBJECT_ALLOCATION_FAILURE || s == CL_OUT_OF_RESOURCES || s == CL_OUT_OF_HOST_MEMORY;
    }

    private DeviceException oom(int count, DType dtype, long bytes, String extra, Throwable cause) {
        return new DeviceException(name + " (" + cl.info.name() + "): out of memory allocating " + bytes + " bytes ("
                + count + " x " + dtype + ")" + extra + "; device has " + cl.info.globalMemBytes() + " bytes", cause);
    }

    private static final class Buffer implements RawBuffer {
        final OpenCLContext cl;
        final cl_mem mem;
        final DType dtype;
        final int count;
        final long allocBytes; // what the driver holds: at least one element even for count 0
        boolean freed; // guarded by the device's lock

        Buffer(OpenCLContext cl, cl_mem mem, DType dtype, int count, long allocBytes) {
            this.cl = cl;
            this.mem = mem;
            this.dtype = dtype;
            this.count = count;
            this.allocBytes = allocBytes;
        }

        @Override public DType dtype() { return dtype; }

        @Override public int count() { return count; }

        @Override public String toString() { return cl.name + " " + dtype + "[" + count + "]"; }
    }
}
