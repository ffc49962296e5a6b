// Device memory behind a realized graph node: allocated on first use, freed by close() or when unreachable.
package dev.jtiny.runtime.graph;

import dev.jtiny.runtime.Counters;
import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.device.Device;
import dev.jtiny.runtime.device.RawBuffer;

import java.lang.ref.Cleaner;

public final class Buffer implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    public final Device device;
    public final DType dtype;
    public final int count;
    private RawBuffer raw;
    private Cleaner.Cleanable cleanable;
    private boolean closed;

    public Buffer(Device device, DType dtype, int count) {
        this.device = device;
        this.dtype = dtype;
        this.count = count;
    }

    public synchronized boolean isAllocated() { return raw != null; }

    /** The device memory, allocated on first call. */
    public synchronized RawBuffer raw() {
        if (closed) throw new IllegalStateException("this tensor's buffer (" + count + " x " + dtype + " on " + device.name()
                + ") was freed by close(); compute it again instead of reusing a closed tensor");
        if (raw == null) {
            RawBuffer r = device.allocate(dtype, count);
            raw = r;
            Device d = device;
            // The cleaning action must not reach this Buffer, or it would never become unreachable.
            cleanable = CLEANER.register(this, () -> d.free(r));
        }
        return raw;
    }

    public void copyIn(Object hostArray) { device.copyIn(raw(), hostArray); }

    public Object copyOut() {
        Object host = dtype.newHostArray(count);
        device.copyOut(raw(), host);
        Counters.hostRead();
        return host;
    }

    public long bytes() { return (long) count * dtype.itemSize; }

    /** Frees the device memory now (idempotent). */
    @Override public synchronized void close() {
        closed = true;
        if (cleanable != null) cleanable.clean();
        cleanable = null;
        raw = null;
    }
}
