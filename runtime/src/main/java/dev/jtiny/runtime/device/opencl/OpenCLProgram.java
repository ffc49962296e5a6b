// A built OpenCL kernel and its launches: work sizes checked against the device, buffers bound, timing by
// profiling events.
package dev.jtiny.runtime.device.opencl;

import dev.jtiny.runtime.device.DeviceException;
import dev.jtiny.runtime.device.Program;
import dev.jtiny.runtime.device.RawBuffer;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_event;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;

import java.util.Arrays;

import static dev.jtiny.runtime.device.opencl.OpenCLContext.quietly;
import static dev.jtiny.runtime.device.opencl.OpenCLContext.secondsOf;
import static org.jocl.CL.*;

/** Not thread-safe: OpenCLDevice launches it under its lock, since arguments are set on a shared cl_kernel. */
final class OpenCLProgram implements Program {
    final OpenCLContext cl;
    final String name;
    final String source;
    final cl_program program;
    final cl_kernel kernel;
    final int numArgs;
    final boolean fromCache;

    OpenCLProgram(OpenCLContext cl, String name, String source, cl_program program, cl_kernel kernel, int numArgs,
                  boolean fromCache) {
        this.cl = cl;
        this.name = name;
        this.source = source;
        this.program = program;
        this.kernel = kernel;
        this.numArgs = numArgs;
        this.fromCache = fromCache;
        this.bound = new cl_mem[numArgs];
    }

    @Override public String name() { return name; }

    @Override public boolean fromCache() { return fromCache; }

    @Override public String toString() { return "kernel " + name + " on " + cl.name; }

    /** What the shared kernel's arguments are set to now: an unchanged argument is not set again. */
    private final cl_mem[] bound;
    /** The work sizes of the last launch, checked: eager code launches a kernel with the same sizes every time. */
    private int[] lastGlobal, lastLocal;
    private long[] lastG, lastL;
    private boolean lastEmpty;

    double launch(OpenCLAllocator memory, RawBuffer[] args, int[] global, int[] local, boolean timed) {
        if (args.length != numArgs) {
            throw new DeviceException(cl.name + ": launch " + name + ": the kernel takes " + numArgs + " buffers, got " + args.length);
        }
        if (!Arrays.equals(global, lastGlobal) || !Arrays.equals(local, lastLocal)) {
            String what = "launch " + name;
            long[] g = workSizes(global, what, "global");
            long[] l = local == null ? null : workSizes(local, what, "local");
            if (l != null) checkLocal(g, l, what);
            lastG = g;
            lastL = l;
            lastEmpty = Arrays.stream(g).anyMatch(n -> n == 0);
            lastGlobal = global.clone();
            lastLocal = local == null ? null : local.clone();
        }
        long[] g = lastG, l = lastL;
        cl_mem[] mems = new cl_mem[args.length];
        for (int i = 0; i < args.length; i++) {
            cl_mem m = memory.liveMemOrNull(args[i]);
            mems[i] = m != null ? m : memory.usableMem(args[i], "launch " + name + ", argument " + i); // throws, naming why
        }
        if (lastEmpty) return timed ? 0.0 : Double.NaN; // nothing to run

        cl_event event = timed ? new cl_event() : null;
        boolean enqueued = false;
        try {
            for (int i = 0; i < mems.length; i++) {
                if (mems[i] != bound[i]) {
                    bound[i] = null; // unknown until the call returns
                    clSetKernelArg(kernel, i, Sizeof.cl_mem, Pointer.to(mems[i]));
                    bound[i] = mems[i];
                }
            }
            clEnqueueNDRangeKernel(cl.queue, kernel, g.length, null, g, l, 0, null, event);
            enqueued = true;
            if (!timed) return Double.NaN;
            return secondsOf(event);
        } catch (CLException e) {
            throw cl.fail("launch " + name + " over global " + Arrays.toString(global)
                    + (local == null ? "" : " local " + Arrays.toString(local)), e);
        } finally {
            if (enqueued && event != null) quietly(event, CL::clReleaseEvent);
        }
    }

    /** A launch to be repeated with these work sizes, checked and converted once here (see {@link PreparedLaunch}). */
    PreparedLaunch prepare(OpenCLAllocator memory, int[] global, int[] local) {
        String what = "launch " + name;
        long[] g = workSizes(global, what, "global");
        long[] l = local == null ? null : workSizes(local, what, "local");
        if (l != null) checkLocal(g, l, what);
        cl_kernel own;
        try {
            own = clCreateKernel(program, name, null); // lives as long as the program (a JIT keeps both)
        } catch (CLException e) {
            throw cl.fail("prepare " + name, e);
        }
        return new PreparedLaunch(memory, own, global, g, l);
    }

    /**
     * Its own {@code cl_kernel}, so its bound arguments stay bound between runs: a run sets only the arguments whose
     * buffer changed, then enqueues. No allocation per run unless timed (the event) or failing (the message).
     */
    final class PreparedLaunch {
        private final OpenCLAllocator memory;
        private final cl_kernel kernel;
        private final int[] global;
        private final long[] g;
        private final long[] l;
        private final cl_mem[] bound = new cl_mem[numArgs];
        private final boolean empty;

        private PreparedLaunch(OpenCLAllocator memory, cl_kernel kernel, int[] global, long[] g, long[] l) {
            this.memory = memory;
            this.kernel = kernel;
            this.global = global;
            this.g = g;
            this.l = l;
            this.empty = Arrays.stream(g).anyMatch(n -> n == 0);
        }

        /**
         * Binds the buffers that changed; false when an argument is missing, foreign or freed, so the caller can take
         * the plain launch, which names the problem.
         */
        boolean bind(RawBuffer[] args) {
            if (args.length != bound.length) return false;
            for (int i = 0; i < args.length; i++) {
                cl_mem mem = memory.liveMemOrNull(args[i]);
                if (mem == null) return false;
                if (mem != bound[i]) {
                    clSetKernelArg(kernel, i, Sizeof.cl_mem, Pointer.to(mem));
                    bound[i] = mem;
                }
            }
            return true;
        }

        double enqueue(boolean timed) {
            if (empty) return timed ? 0.0 : Double.NaN;
            cl_event event = timed ? new cl_event() : null;
            try {
                clEnqueueNDRangeKernel(cl.queue, kernel, g.length, null, g, l, 0, null, event);
                if (!timed) return Double.NaN;
                return secondsOf(event);
            } catch (CLException e) {
                throw cl.fail("launch " + name + " over global " + Arrays.toString(global), e);
            } finally {
                if (event != null) quietly(event, CL::clReleaseEvent);
            }
        }
    }

    void release() {
        quietly(kernel, CL::clReleaseKernel);
        quietly(program, CL::clReleaseProgram);
    }

    private long[] workSizes(int[] dims, String what, String kind) {
        if (dims.length < 1 || dims.length > 3) {
            throw new DeviceException(cl.name + ": " + what + ": " + kind + " size " + Arrays.toString(dims) + " must have 1 to 3 dimensions");
        }
        long[] out = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0 || (dims[i] == 0 && kind.equals("local"))) {
                throw new DeviceException(cl.name + ": " + what + ": " + kind + " size " + Arrays.toString(dims) + " has an invalid dimension");
            }
            out[i] = dims[i];
        }
        return out;
    }

    private void checkLocal(long[] g, long[] l, String what) {
        if (l.length != g.length) {
            throw new DeviceException(cl.name + ": " + what + ": local size " + Arrays.toString(l) + " and global size "
                    + Arrays.toString(g) + " have different dimensions");
        }
        long groupSize = 1;
        for (int i = 0; i < g.length; i++) {
            groupSize *= l[i];
            if (g[i] % l[i] != 0) {
                throw new DeviceException(cl.name + ": " + what + ": global size " + Arrays.toString(g)
                        + " is not a multiple of local size " + Arrays.toString(l) + " (OpenCL 1.2 requires it)");
            }
        }
        if (groupSize > cl.info.maxWorkGroupSize()) {
            throw new DeviceException(cl.name + ": " + what + ": local size " + Arrays.toString(l) + " is a work-group of "
                    + groupSize + " items; " + cl.info.name() + " allows at most " + cl.info.maxWorkGroupSize());
        }
    }
}
