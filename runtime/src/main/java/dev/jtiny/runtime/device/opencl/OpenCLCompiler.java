// Turns OpenCL C into kernels: built from source or from a binary in the on-disk compile cache, memoised per device;
// a failed build shows its log and the numbered source.
package dev.jtiny.runtime.device.opencl;

import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.Counters;
import dev.jtiny.runtime.Trace;
import dev.jtiny.runtime.codegen.OpenCLRenderer;
import dev.jtiny.runtime.device.CompileCache;
import dev.jtiny.runtime.device.DeviceException;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_program;

import java.util.HashMap;
import java.util.Map;

import static dev.jtiny.runtime.device.opencl.OpenCLContext.quietly;
import static dev.jtiny.runtime.device.opencl.OpenCLPlatforms.cString;
import static org.jocl.CL.*;

/** Not thread-safe: OpenCLDevice compiles under its lock. */
final class OpenCLCompiler {
    /** Build options, part of the compile-cache key. No fast-math flags: kernels keep IEEE semantics. */
    static final String BUILD_OPTIONS = "-cl-std=CL1.2";
    /** The compile-cache kind under which program binaries are stored. */
    static final String CACHE_KIND = "opencl";

    private final OpenCLContext cl;
    private final String name;
    private final Map<String, OpenCLProgram> programs = new HashMap<>();

    OpenCLCompiler(OpenCLContext cl) {
        this.cl = cl;
        this.name = cl.name;
    }

    OpenCLProgram compile(String kernelName, String source) {
        String memo = kernelName + '\0' + source;
        OpenCLProgram known = programs.get(memo);
        if (known != null) return known;
        if (!cl.info.fp64() && source.contains(OpenCLRenderer.FP64_PRAGMA)) {
            throw new DeviceException(name + " (" + cl.info.name() + "): kernel " + kernelName + " computes in float64 (double), "
                    + "but this device does not support double precision (no cl_khr_fp64); cast to float32 first, or run it on "
                    + "another device (e.g. DEVICE=JAVA)");
        }

        String key = CompileCache.key(source, BUILD_OPTIONS, cl.info.platform(), cl.info.name(), cl.info.driverVersion());
        OpenCLProgram program = null;
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

    void releaseAll() {
        for (OpenCLProgram p : programs.values()) p.release();
        programs.clear();
    }

    private cl_program buildFromSource(String kernelName, String source) {
        cl_program prog;
        try {
            prog = clCreateProgramWithSource(cl.context, 1, new String[] {source}, null, null);
        } catch (CLException e) {
            throw cl.fail("creating kernel " + kernelName + " from source", e);
        }
        try {
            clBuildProgram(prog, 1, new cl_device_id[] {cl.device}, BUILD_OPTIONS, null, null);
            return prog;
        } catch (CLException e) {
            String log = buildLog(prog);
            quietly(prog, CL::clReleaseProgram);
            throw new DeviceException(name + " (" + cl.info.name() + "): kernel " + kernelName + " failed to build ("
                    + CL.stringFor_errorCode(e.getStatus()) + ", options " + BUILD_OPTIONS + ")\n"
                    + "--- build log ---\n" + log.strip() + "\n--- source ---\n" + DeviceException.numbered(source), e);
        }
    }

    /** The program built from a cached binary, or null (the caller then builds from source). */
    private cl_program buildFromBinary(String kernelName, byte[] binary) {
        cl_program prog = null;
        try {
            prog = clCreateProgramWithBinary(cl.context, 1, new cl_device_id[] {cl.device}, new long[] {binary.length},
                    new byte[][] {binary}, new int[1], null);
            clBuildProgram(prog, 1, new cl_device_id[] {cl.device}, BUILD_OPTIONS, null, null);
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
            clGetProgramBuildInfo(prog, cl.device, CL_PROGRAM_BUILD_LOG, 0, null, size);
            byte[] log = new byte[(int) size[0]];
            clGetProgramBuildInfo(prog, cl.device, CL_PROGRAM_BUILD_LOG, log.length, Pointer.to(log), null);
            return cString(log);
        } catch (CLException e) {
            return "(no build log: " + CL.stringFor_errorCode(e.getStatus()) + ")";
        }
    }

    private OpenCLProgram withKernel(String kernelName, String source, cl_program prog, boolean fromCache) {
        try {
            cl_kernel kernel = clCreateKernel(prog, kernelName, null);
            int[] nargs = new int[1];
            clGetKernelInfo(kernel, CL_KERNEL_NUM_ARGS, Sizeof.cl_uint, Pointer.to(nargs), null);
            return new OpenCLProgram(cl, kernelName, source, prog, kernel, nargs[0], fromCache);
        } catch (CLException e) {
            String defined = kernelNames(prog);
            quietly(prog, CL::clReleaseProgram);
            throw new DeviceException(name + " (" + cl.info.name() + "): kernel " + kernelName + ": "
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
}
