// Group normalisation: channels split into groups, each normalised over its channels and all positions, per sample.
package dev.jtiny.nn;

import dev.jtiny.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** As PyTorch's GroupNorm for input (N, C, …): biased variance, then a learned per-channel scale and shift. */
public final class GroupNorm implements Layer {
    public final int groups, channels;
    public final double eps;
    public final Tensor weight, bias;

    public GroupNorm(int groups, int channels) { this(groups, channels, 1e-5); }

    public GroupNorm(int groups, int channels, double eps) {
        if (groups <= 0 || channels <= 0 || channels % groups != 0) {
            throw new IllegalArgumentException("GroupNorm(" + groups + ", " + channels + "): groups must be positive and divide the channels");
        }
        this.groups = groups;
        this.channels = channels;
        this.eps = eps;
        this.weight = Init.ones(channels);
        this.bias = Init.zeros(channels);
    }

    @Override public Tensor forward(Tensor x) {
        int[] s = x.shape();
        if (s.length < 2 || s[1] != channels) {
            throw new IllegalArgumentException(this + ": input of shape " + Arrays.toString(s)
                    + (s.length < 2 ? " is not (N, C, …)" : " has " + s[1] + " channels, expected " + channels));
        }
        Tensor g = x.reshape(s[0], groups, -1);
        Tensor d = g.sub(g.mean(-1, true));
        Tensor var = d.mul(d).mean(-1, true);
        int[] perChannel = new int[s.length];
        Arrays.fill(perChannel, 1);
        perChannel[1] = channels;
        return d.mul(var.add(eps).rsqrt()).reshape(s).mul(weight.reshape(perChannel)).add(bias.reshape(perChannel));
    }

    @Override public Map<String, Tensor> namedParameters() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("weight", weight);
        m.put("bias", bias);
        return m;
    }

    @Override public String toString() { return "GroupNorm(" + groups + ", " + channels + ")"; }
}
