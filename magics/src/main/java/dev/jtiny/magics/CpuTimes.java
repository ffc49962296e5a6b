// User and system CPU time of the whole process, as IPython's %time reads them (getrusage): kernels run on the JAVA
// device's worker threads and in native OpenCL driver threads, so the calling thread's time alone would miss them.
package dev.jtiny.magics;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

final class CpuTimes {
    /** Nanoseconds of CPU time spent in user and in kernel (system) mode since the process started. */
    record Sample(long userNanos, long sysNanos) {}

    private static final int RUSAGE_SELF = 0;
    private static final MethodHandle GETRUSAGE = lookup();

    private CpuTimes() {}

    static Sample now() {
        if (GETRUSAGE != null) {
            try (Arena arena = Arena.ofConfined()) {
                // struct rusage starts with ru_utime and ru_stime, two struct timevals of 16 bytes on 64-bit Linux and
                // macOS; tv_usec (< 10^6) is read as the low 32 bits, which is right for both (little-endian).
                MemorySegment usage = arena.allocate(256, 8);
                int rc = (int) GETRUSAGE.invokeExact(RUSAGE_SELF, usage);
                if (rc == 0) {
                    return new Sample(timeval(usage, 0), timeval(usage, 16));
                }
            } catch (Throwable e) {
                // fall through to the JVM's own accounting
            }
        }
        return fromThreads();
    }

    private static long timeval(MemorySegment s, long offset) {
        long sec = s.get(ValueLayout.JAVA_LONG, offset);
        long usec = Integer.toUnsignedLong(s.get(ValueLayout.JAVA_INT, offset + 8));
        return sec * 1_000_000_000L + usec * 1_000L;
    }

    /** Without getrusage: the sum over live Java threads (misses native driver threads and threads that ended). */
    private static Sample fromThreads() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long user = 0, cpu = 0;
        if (mx.isThreadCpuTimeSupported()) {
            for (long id : mx.getAllThreadIds()) {
                long u = mx.getThreadUserTime(id), c = mx.getThreadCpuTime(id);
                if (u >= 0 && c >= 0) {
                    user += u;
                    cpu += c;
                }
            }
        }
        return new Sample(user, Math.max(0, cpu - user));
    }

    private static MethodHandle lookup() {
        if (System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("windows")) return null;
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("getrusage")
                    .map(f -> linker.downcallHandle(f, FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS)))
                    .orElse(null);
        } catch (RuntimeException | LinkageError e) {
            return null; // native access not allowed, or no such symbol: use the JVM's accounting
        }
    }
}
