// Scales the last dimension by the reciprocal of its root mean square (learned gain, no shift).
package dev.jtiny.nn;

import dev.jtiny.Tensor;

import java.util.Arrays;
import java.util.Map;

public final class RMSNorm implements Layer {
    public final int size;
    public final double eps;
    public final Tensor weight;

    public RMSNorm(int size) { this(size, 1e-6); }

    public RMSNorm(int size, double eps) {
        this.size = size;
        this.eps = eps;
        this.weight = Init.ones(size);
    }

    @Override public Tensor forward(Tensor x) {
        int[] s = x.shape();
        if (s.length == 0 || s[s.length - 1] != size) {
            throw new IllegalArgumentException("RMSNorm(" + size + "): input of shape " + Arrays.toString(s) + " does not end in " + size);
        }
        return x.mul(x.mul(x).mean(-1, true).add(eps).rsqrt()).mul(weight);
    }

    @Override public Map<String, Tensor> namedParameters() { return Map.of("weight", weight); }
}
