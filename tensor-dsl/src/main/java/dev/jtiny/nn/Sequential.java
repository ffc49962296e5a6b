// Layers applied in order; parameters are named by position ("0.weight", "2.bias").
package dev.jtiny.nn;

import dev.jtiny.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class Sequential implements Layer {
    private final List<Layer> layers;

    public Sequential(Layer... layers) { this.layers = List.of(layers); }

    public List<Layer> layers() { return layers; }

    @Override public Tensor forward(Tensor x) {
        for (Layer m : layers) x = m.forward(x);
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
