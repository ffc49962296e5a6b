// An opened OpenCL device as every part sees it: its context, its one in-order profiling queue, whether it was
// closed, and the error messages that name the device.
package dev.jtiny.runtime.device.opencl;

import dev.jtiny.runtime.device.DeviceException;
import dev.jtiny.runtime.device.opencl.OpenCLDevice.Info;
import dev.jtiny.runtime.device.opencl.OpenCLPlatforms.Found;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_event;

import static org.jocl.CL.*;

/** Not thread-safe: the parts use it only under their OpenCLDevice's lock. */
final class OpenCLContext {
    final Info info;
    final String name;
    final cl_device_id device;
    final cl_context context;
    final cl_command_queue queue;
    private boolean closed;

    private OpenCLContext(Info info, cl_device_id device, cl_context context, cl_command_queue queue) {
        this.info = info;
        this.name = info.deviceName();
        this.device = device;
        this.context = context;
        this.queue = queue;
    }

    static OpenCLContext open(Found found) {
        cl_context ctx = null;
        try {
            cl_context_properties props = new cl_context_properties();
            props.addProperty(CL_CONTEXT_PLATFORM, found.platform());
            ctx = clCreateContext(props, 1, new cl_device_id[] {found.device()}, null, null, null);
            return new OpenCLContext(found.info(), found.device(), ctx, createQueue(ctx, found.device()));
        } catch (CLException e) {
            if (ctx != null) quietly(ctx, CL::clReleaseContext);
            throw fail(found.info(), "opening the device", e);
        }
    }

    // clCreateCommandQueue is deprecated from OpenCL 2.0 but is the one call every 1.2+ driver has.
    @SuppressWarnings("deprecation")
    private static cl_command_queue createQueue(cl_context ctx, cl_device_id device) {
        return clCreateCommandQueue(ctx, device, CL_QUEUE_PROFILING_ENABLE, null);
    }

    boolean closed() { return closed; }

    void ensureOpen(String op) {
        if (closed) throw new DeviceException(name + ": " + op + ": the device was closed");
    }

    /** Waits for queued work, lets the parts release their handles, then releases the queue and the context. */
    void close(Runnable releaseParts) {
        closed = true;
        quietly(queue, CL::clFinish);
        releaseParts.run();
        quietly(queue, CL::clReleaseCommandQueue);
        quietly(context, CL::clReleaseContext);
    }

    DeviceException fail(String op, CLException e) { return fail(info, op, e); }

    private static DeviceException fail(Info info, String op, CLException e) {
        String hint = switch (e.getStatus()) {
            case CL_OUT_OF_RESOURCES -> " (device out of memory or resources, or a kernel read or wrote out of bounds)";
            case CL_MEM_OBJECT_ALLOCATION_FAILURE -> " (device out of memory)";
            default -> "";
        };
        return new DeviceException(info.deviceName() + " (" + info.name() + "): " + op + " failed: "
                + CL.stringFor_errorCode(e.getStatus()) + hint, e);
    }

    /** Waits for a profiled command and returns how long it ran on the device. */
    static double secondsOf(cl_event event) {
        clWaitForEvents(1, new cl_event[] {event});
        long[] start = new long[1];
        long[] end = new long[1];
        clGetEventProfilingInfo(event, CL_PROFILING_COMMAND_START, Sizeof.cl_ulong, Pointer.to(start), null);
        clGetEventProfilingInfo(event, CL_PROFILING_COMMAND_END, Sizeof.cl_ulong, Pointer.to(end), null);
        return (end[0] - start[0]) * 1e-9;
    }

    interface ClCall<T> { void call(T handle); }

    static <T> void quietly(T handle, ClCall<T> release) {
        try {
            release.call(handle);
        } catch (CLException ignored) {
            // Releasing during cleanup: nothing useful to do about a driver complaint here.
        }
    }
}
