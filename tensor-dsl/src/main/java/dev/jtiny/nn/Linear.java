// y = x W^T + b, with PyTorch's default initialisation (uniform in ±1/sqrt(in)).
package dev.jtiny.nn;

import dev.jtiny.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

public final class Linear implements Layer {
    public final int in, out;
    public final Tensor weight;
    public final Tensor bias;

    public Linear(int in, int out) { this(in, out, true); }

    public Linear(int in, int out, boolean bias) {
        if (in <= 0 || out <= 0) throw new IllegalArgumentException("Linear: sizes must be positive, got in=" + in + " out=" + out);
        this.in = in;
        this.out = out;
        double bound = 1 / Math.sqrt(in);
        this.weight = Init.uniform(bound, out, in);
        this.bias = bias ? Init.uniform(bound, out) : null;
    }

    @Override public Tensor forward(Tensor x) {
        int[] s = x.shape();
        if (s.length == 0 || s[s.length - 1] != in) {
            throw new IllegalArgumentException("Linear(" + in + ", " + out + "): input of shape " + Arrays.toString(s)
                    + " does not end in " + in + " features");
        }
        Tensor y = x.matmul(weight.transpose());
        return bias == null ? y : y.add(bias);
    }

    @Override public Map<String, Tensor> namedParameters() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("weight", weight);
        if (bias != null) m.put("bias", bias);
        return m;
    }

    @Override public String toString() { return "Linear(" + in + ", " + out + (bias == null ? ", bias=false" : "") + ")"; }
}
