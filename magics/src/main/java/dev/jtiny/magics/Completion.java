// Makes a body's lazy result real and waits for the device: what %bench and %timeit time is the work, not the
// building of a graph that nothing ever ran.
package dev.jtiny.magics;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.engine.Devices;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

final class Completion {
    private Completion() {}

    /**
     * Realizes every tensor in {@code value} (a Tensor, an array, a Collection or a Map's values, nested) in one
     * schedule, then waits until their devices have finished. Anything else is left alone.
     */
    static void await(Object value) {
        List<Tensor> tensors = new ArrayList<>();
        collect(value, tensors, 0);
        if (tensors.isEmpty()) return;
        Tensor.realize(tensors.toArray(Tensor[]::new));
        Set<String> devices = new LinkedHashSet<>();
        for (Tensor t : tensors) devices.add(t.device());
        for (String d : devices) Devices.get(d).synchronize();
    }

    private static void collect(Object v, List<Tensor> out, int depth) {
        if (v == null || depth > 8) return; // deep nesting is not a tensor container anyone returns from a cell
        switch (v) {
            case Tensor t -> out.add(t);
            case Object[] a -> { for (Object o : a) collect(o, out, depth + 1); }
            case Collection<?> c -> { for (Object o : c) collect(o, out, depth + 1); }
            case Map<?, ?> m -> { for (Object o : m.values()) collect(o, out, depth + 1); }
            default -> { }
        }
    }
}
