// Normalises the last dimension to zero mean and unit variance, then scales and shifts (learned).
package dev.jtiny.nn;

import dev.jtiny.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

public final class LayerNorm implements Layer {
    public final int size;
    public final double eps;
    public final Tensor weight, bias;

    public LayerNorm(int size) { this(size, 1e-5); }

    public LayerNorm(int size, double eps) {
        this.size = size;
        this.eps = eps;
        this.weight = Init.ones(size);
        this.bias = Init.zeros(size);
    }

    @Override public Tensor forward(Tensor x) {
        int[] s = x.shape();
        if (s.length == 0 || s[s.length - 1] != size) {
            throw new IllegalArgumentException("LayerNorm(" + size + "): input of shape " + Arrays.toString(s) + " does not end in " + size);
        }
        Tensor d = x.sub(x.mean(-1, true));
        Tensor var = d.mul(d).mean(-1, true);
        return d.mul(var.add(eps).rsqrt()).mul(weight).add(bias);
    }

    @Override public Map<String, Tensor> namedParameters() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("weight", weight);
        m.put("bias", bias);
        return m;
    }
}
