// A 2-D convolution layer over NCHW input, with PyTorch's default initialisation.
package dev.jtiny.nn;

import dev.jtiny.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * y = conv2d(x, weight) + bias with weight (out, in/groups, KH, KW). Weights and bias start uniform in
 * ±1/sqrt(fan_in), fan_in = in/groups * KH * KW: what PyTorch's kaiming_uniform(a=sqrt(5)) default comes to.
 */
public final class Conv2d implements Layer {
    public final int in, out, groups;
    public final int[] kernel, stride, padding, dilation;
    public final Tensor weight;
    public final Tensor bias;
    private final boolean hasBias;

    public Conv2d(int in, int out, int kernel) { this(in, out, kernel, 1, 0, 1, 1, true); }

    public Conv2d(int in, int out, int kernel, int stride, int padding) { this(in, out, kernel, stride, padding, 1, 1, true); }

    public Conv2d(int in, int out, int kernel, int stride, int padding, int dilation, int groups, boolean bias) {
        this(in, out, Conv.pair(kernel), Conv.pair(stride), Conv.pair(padding), Conv.pair(dilation), groups, bias);
    }

    public Conv2d(int in, int out, int[] kernel, int[] stride, int[] padding, int[] dilation, int groups, boolean bias) {
        this.in = in;
        this.out = out;
        this.groups = groups;
        this.hasBias = bias;
        this.kernel = kernel.clone();
        this.stride = stride.clone();
        this.padding = padding.clone();
        this.dilation = dilation.clone();
        Conv.checkLayer(this, in, out, kernel, groups);
        double bound = 1 / Math.sqrt((double) in / groups * kernel[0] * kernel[1]);
        this.weight = Init.uniform(bound, out, in / groups, kernel[0], kernel[1]);
        this.bias = bias ? Init.uniform(bound, out) : null;
    }

    @Override public Tensor forward(Tensor x) {
        Conv.checkInput(this, x, in);
        return Conv.conv2d(x, weight, bias, stride, padding, dilation, groups);
    }

    @Override public Map<String, Tensor> namedParameters() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("weight", weight);
        if (bias != null) m.put("bias", bias);
        return m;
    }

    /** As PyTorch prints it, e.g. Conv2d(3, 8, 3, stride=2, padding=1). */
    @Override public String toString() {
        return "Conv2d(" + in + ", " + out + ", " + size(kernel) + (stride[0] == 1 && stride[1] == 1 ? "" : ", stride=" + size(stride))
                + (padding[0] == 0 && padding[1] == 0 ? "" : ", padding=" + size(padding))
                + (dilation[0] == 1 && dilation[1] == 1 ? "" : ", dilation=" + size(dilation))
                + (groups == 1 ? "" : ", groups=" + groups) + (hasBias ? "" : ", bias=false") + ")";
    }

    /** One number for a square size, (rows, columns) otherwise. */
    static String size(int[] p) { return p[0] == p[1] ? String.valueOf(p[0]) : "(" + p[0] + ", " + p[1] + ")"; }
}
