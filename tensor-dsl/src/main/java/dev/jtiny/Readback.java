// Values back to the host: the one path from a tensor on its device to a Java array, taken by every reader and by printing.
package dev.jtiny;

import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.engine.Realizer;
import dev.jtiny.runtime.graph.LazyBuffer;

import java.lang.reflect.Array;
import java.util.Arrays;
import java.util.List;

final class Readback {
    private Readback() {}

    /**
     * All of {@code t}'s values, row-major, as an array of {@code type} (float[], double[], int[], long[] or
     * boolean[]): a contiguous copy is realized and copied out in the dtype's host array, which is returned as it is
     * when it already has that type and converted otherwise. int64 values convert from their longs, because a
     * double would round them beyond 2^53; every other dtype converts from its double value, which is exact.
     */
    static <A> A read(Tensor t, Class<A> type) {
        LazyBuffer c = t.lb.contiguous();
        Realizer.realize(List.of(c));
        Object host = c.buffer().copyOut();
        if (type.isInstance(host)) return type.cast(host);
        DType dtype = t.lb.dtype;
        int n = Array.getLength(host);
        long[] int64 = host instanceof long[] l ? l : null;
        // A loop per target rather than a per-element callback: each stays a plain loop the JIT compiles for its own types.
        switch (Array.newInstance(type.componentType(), n)) {
            case float[] r -> { for (int i = 0; i < n; i++) r[i] = int64 != null ? int64[i] : (float) dtype.read(host, i); return type.cast(r); }
            case double[] r -> { for (int i = 0; i < n; i++) r[i] = dtype.read(host, i); return type.cast(r); }
            case int[] r -> { for (int i = 0; i < n; i++) r[i] = int64 != null ? (int) int64[i] : (int) dtype.read(host, i); return type.cast(r); }
            case long[] r -> { for (int i = 0; i < n; i++) r[i] = dtype.readLong(host, i); return type.cast(r); }
            case boolean[] r -> { for (int i = 0; i < n; i++) r[i] = int64 != null ? int64[i] != 0 : dtype.read(host, i) != 0; return type.cast(r); }
            default -> throw new IllegalArgumentException("read: no conversion from " + dtype + " to " + type.getSimpleName());
        }
    }

    static float item(Tensor t) {
        if (t.numel() != 1) throw new IllegalArgumentException("item: the tensor has " + t.numel() + " elements (shape " + Arrays.toString(t.shape()) + "), expected exactly 1");
        return read(t, float[].class)[0];
    }
}
