// Layers applied in order; parameters are named by position ("0.weight", "2.bias").
package dev.jtiny.nn;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.graph.UserOp;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class Sequential implements Layer {
    private final List<Layer> layers;

    public Sequential(Layer... layers) { this.layers = List.of(layers); }

    public List<Layer> layers() { return layers; }

    /**
     * The layers in turn. What passes between them is the container's own (not exposed, see {@code LazyBuffer}): a
     * training loop reuses its memory call after call. The output is the caller's.
     */
    @Override public Tensor forward(Tensor x) {
        try (UserOp ignored = UserOp.internal()) {
            for (Layer m : layers) x = m.forward(x);
        }
        x.lazyBuffer().exposeIfOutermost();
        return x;
    }

    @Override public Map<String, Tensor> namedParameters() {
        Map<String, Tensor> r = new LinkedHashMap<>();
        for (int i = 0; i < layers.size(); i++) r.putAll(Layer.prefixed(String.valueOf(i), layers.get(i).namedParameters()));
        return r;
    }

    @Override public Map<String, Tensor> stateDict() {
        Map<String, Tensor> r = new LinkedHashMap<>();
        for (int i = 0; i < layers.size(); i++) r.putAll(Layer.prefixed(String.valueOf(i), layers.get(i).stateDict()));
        return r;
    }

    @Override public Layer train(boolean on) {
        layers.forEach(m -> m.train(on));
        return this;
    }
}
