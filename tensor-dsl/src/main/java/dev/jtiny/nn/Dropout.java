// Zeroes a fraction p of the values while training and scales the rest by 1/(1-p); the identity in eval mode.
package dev.jtiny.nn;

import dev.jtiny.Tensor;

import java.util.Map;

public final class Dropout implements Layer {
    public final double p;
    private boolean training = true;

    public Dropout(double p) {
        if (p < 0 || p >= 1) throw new IllegalArgumentException("Dropout: p must be in [0, 1), got " + p);
        this.p = p;
    }

    @Override public Tensor forward(Tensor x) {
        if (!training || p == 0) return x;
        Tensor keep = Tensor.rand(x.shape()).to(x.device()).ge(p);
        return keep.where(x.mul(1 / (1 - p)), 0);
    }

    @Override public Map<String, Tensor> namedParameters() { return Map.of(); }

    @Override public Layer train(boolean on) {
        training = on;
        return this;
    }
}
