// A 2-D transposed convolution layer ("deconvolution") over NCHW input, with PyTorch's default initialisation.
package dev.jtiny.nn;

import dev.jtiny.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * y = convTranspose2d(x, weight) + bias with weight (in, out/groups, KH, KW): upsamples by the stride. As in
 * PyTorch, fan_in for the initial ±1/sqrt(fan_in) is taken from the weight's second dimension: out/groups * KH * KW.
 */
public final class ConvTranspose2d implements Layer {
    public final int in, out, groups;
    public final int[] kernel, stride, padding, outputPadding, dilation;
    public final Tensor weight;
    public final Tensor bias;
    private final boolean hasBias;

    public ConvTranspose2d(int in, int out, int kernel) { this(in, out, kernel, 1, 0, 0, 1, 1, true); }

    public ConvTranspose2d(int in, int out, int kernel, int stride, int padding) { this(in, out, kernel, stride, padding, 0, 1, 1, true); }

    public ConvTranspose2d(int in, int out, int kernel, int stride, int padding, int outputPadding, int dilation, int groups, boolean bias) {
        this(in, out, Conv.pair(kernel), Conv.pair(stride), Conv.pair(padding), Conv.pair(outputPadding), Conv.pair(dilation), groups, bias);
    }

    public ConvTranspose2d(int in, int out, int[] kernel, int[] stride, int[] padding, int[] outputPadding, int[] dilation, int groups, boolean bias) {
        this.in = in;
        this.out = out;
        this.groups = groups;
        this.hasBias = bias;
        this.kernel = kernel.clone();
        this.stride = stride.clone();
        this.padding = padding.clone();
        this.outputPadding = outputPadding.clone();
        this.dilation = dilation.clone();
        Conv.checkLayer(this, in, out, kernel, groups);
        double bound = 1 / Math.sqrt((double) out / groups * kernel[0] * kernel[1]);
        this.weight = Init.uniform(bound, in, out / groups, kernel[0], kernel[1]);
        this.bias = bias ? Init.uniform(bound, out) : null;
    }

    @Override public Tensor forward(Tensor x) {
        Conv.checkInput(this, x, in);
        return Conv.convTranspose2d(x, weight, bias, stride, padding, outputPadding, dilation, groups);
    }

    @Override public Map<String, Tensor> namedParameters() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("weight", weight);
        if (bias != null) m.put("bias", bias);
        return m;
    }

    @Override public String toString() {
        return "ConvTranspose2d(" + in + ", " + out + ", " + Conv2d.size(kernel)
                + (stride[0] == 1 && stride[1] == 1 ? "" : ", stride=" + Conv2d.size(stride))
                + (padding[0] == 0 && padding[1] == 0 ? "" : ", padding=" + Conv2d.size(padding))
                + (outputPadding[0] == 0 && outputPadding[1] == 0 ? "" : ", output_padding=" + Conv2d.size(outputPadding))
                + (dilation[0] == 1 && dilation[1] == 1 ? "" : ", dilation=" + Conv2d.size(dilation))
                + (groups == 1 ? "" : ", groups=" + groups) + (hasBias ? "" : ", bias=false") + ")";
    }
}
