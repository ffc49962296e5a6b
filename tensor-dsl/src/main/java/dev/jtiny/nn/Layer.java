// A layer or model: a function of a tensor with named parameters (and buffers) that can be saved and loaded.
package dev.jtiny.nn;

import dev.jtiny.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public interface Layer {
    Tensor forward(Tensor x);

    /** Trainable tensors by name ("0.weight", "fc.bias", …), in a stable order. */
    Map<String, Tensor> namedParameters();

    /** Everything that makes up the model's state: parameters plus buffers such as running statistics. */
    default Map<String, Tensor> stateDict() { return namedParameters(); }

    /** Switches training behaviour (dropout, batch statistics) on or off; returns this. */
    default Layer train(boolean on) { return this; }

    default List<Tensor> parameters() { return new ArrayList<>(namedParameters().values()); }

    /** The trainable tensors of any model: {@code parameters(model)}, for static-import style. */
    static List<Tensor> parameters(Layer model) { return model.parameters(); }

    /** Copies values into this module's tensors by name; names and shapes must match exactly. */
    default void loadStateDict(Map<String, Tensor> state) {
        Map<String, Tensor> mine = stateDict();
        for (String k : state.keySet()) {
            if (!mine.containsKey(k)) throw new IllegalArgumentException("loadStateDict: unexpected tensor '" + k + "'; this model has " + mine.keySet());
        }
        for (var e : mine.entrySet()) {
            Tensor v = state.get(e.getKey());
            if (v == null) throw new IllegalArgumentException("loadStateDict: missing tensor '" + e.getKey() + "'");
            if (!Arrays.equals(v.shape(), e.getValue().shape())) {
                throw new IllegalArgumentException("loadStateDict: '" + e.getKey() + "' has shape " + Arrays.toString(v.shape())
                        + " in the state but " + Arrays.toString(e.getValue().shape()) + " in the model");
            }
            e.getValue().assign(v.to(e.getValue().device())).realize();
        }
    }

    /** Prefixes every name of a sub-module's map, for composites. */
    static Map<String, Tensor> prefixed(String prefix, Map<String, Tensor> m) {
        Map<String, Tensor> r = new LinkedHashMap<>();
        m.forEach((k, v) -> r.put(prefix + "." + k, v));
        return r;
    }

    /** A parameter-free layer from a function, e.g. {@code Layer.of(Tensor::relu)}. */
    static Layer of(java.util.function.UnaryOperator<Tensor> f) {
        return new Layer() {
            @Override public Tensor forward(Tensor x) { return f.apply(x); }
            @Override public Map<String, Tensor> namedParameters() { return Map.of(); }
        };
    }
}
