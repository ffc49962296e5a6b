// Finding OpenCL devices: every platform's devices, described as Info, in the order OPENCL:index counts them.
package dev.jtiny.runtime.device.opencl;

import dev.jtiny.runtime.device.opencl.OpenCLDevice.Info;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.jocl.CL.*;

final class OpenCLPlatforms {
    private OpenCLPlatforms() {}

    /** A device as found: its description and the driver handles that open it. */
    record Found(Info info, cl_platform_id platform, cl_device_id device) {}

    /** Platforms then devices in driver order; throws CLException or LinkageError when OpenCL cannot be loaded. */
    static List<Found> enumerate() {
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

    /** A string the driver wrote: NUL-terminated (sometimes padded) bytes. The compiler reads its logs this way too. */
    static String cString(byte[] bytes) {
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] == 0) end--;
        return new String(bytes, 0, end, StandardCharsets.UTF_8).trim();
    }
}
