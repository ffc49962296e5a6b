// Process-wide counters of runtime work, read by tests and magics.
package dev.jtiny.runtime;

import java.util.concurrent.atomic.AtomicLong;

public final class Counters {
    private static final AtomicLong kernels = new AtomicLong();
    private static final AtomicLong compiles = new AtomicLong();
    private static final AtomicLong cacheHits = new AtomicLong();
    private static final AtomicLong scheduleHits = new AtomicLong();
    private static final AtomicLong hostReads = new AtomicLong();
    private static final AtomicLong newMemory = new AtomicLong();

    private Counters() {}

    /** Kernels launched since the last reset (copies excluded). */
    public static long kernelCount() { return kernels.get(); }
    /** Kernels compiled from source since the last reset (disk-cache hits excluded). */
    public static long compileCount() { return compiles.get(); }
    /** Kernels whose binary came from the on-disk cache since the last reset. */
    public static long cacheHitCount() { return cacheHits.get(); }
    /** Realizes whose graph structure was lowered before, so that nothing was scheduled or rendered (ScheduleCache). */
    public static long scheduleCacheHitCount() { return scheduleHits.get(); }
    /** Buffers copied from a device to the host (readbacks: each waits for the work queued before it). */
    public static long hostReadCount() { return hostReads.get(); }
    /** Device buffers that took new memory because the device's pool held no freed buffer of their size. */
    public static long newMemoryCount() { return newMemory.get(); }

    public static void reset() {
        kernels.set(0);
        compiles.set(0);
        cacheHits.set(0);
        scheduleHits.set(0);
        hostReads.set(0);
        newMemory.set(0);
    }

    public static void kernelLaunched() { kernels.incrementAndGet(); }
    public static void compiled() { compiles.incrementAndGet(); }
    public static void cacheHit() { cacheHits.incrementAndGet(); }
    public static void scheduleCacheHit() { scheduleHits.incrementAndGet(); }
    public static void hostRead() { hostReads.incrementAndGet(); }
    public static void newMemory() { newMemory.incrementAndGet(); }
}
