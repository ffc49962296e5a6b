// Batch normalisation over NCHW input: per-channel statistics of the batch while training, running averages in eval.
package dev.jtiny.nn;

import dev.jtiny.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * As PyTorch's BatchNorm2d. Training normalises each channel by the batch's mean and biased variance over
 * (N, H, W) and moves the running statistics toward them: running = (1 - momentum) * running + momentum * batch,
 * with the unbiased variance for running_var. The running statistics are buffers (in {@link #stateDict()}, not
 * parameters); each training forward updates and realizes them, together with the batch statistics the output
 * then reads. Eval mode ({@code train(false)}) normalises with the running statistics.
 */
public final class BatchNorm2d implements Layer {
    public final int channels;
    public final double eps, momentum;
    public final Tensor weight, bias;
    public final Tensor runningMean, runningVar;
    private boolean training = true;

    public BatchNorm2d(int channels) { this(channels, 1e-5, 0.1); }

    public BatchNorm2d(int channels, double eps, double momentum) {
        if (channels <= 0) throw new IllegalArgumentException("BatchNorm2d: channels must be positive, got " + channels);
        this.channels = channels;
        this.eps = eps;
        this.momentum = momentum;
        this.weight = Init.ones(channels);
        this.bias = Init.zeros(channels);
        this.runningMean = Tensor.zeros(channels).contiguous().realize();
        this.runningVar = Tensor.ones(channels).contiguous().realize();
    }

    @Override public Tensor forward(Tensor x) {
        int[] s = x.shape();
        if (s.length != 4 || s[1] != channels) {
            throw new IllegalArgumentException(this + ": input of shape " + Arrays.toString(s)
                    + (s.length != 4 ? " is not (N, C, H, W)" : " has " + s[1] + " channels, expected " + channels));
        }
        Tensor w = weight.reshape(1, channels, 1, 1), b = bias.reshape(1, channels, 1, 1);
        if (!training) {
            Tensor scale = runningVar.reshape(1, channels, 1, 1).add(eps).rsqrt();
            return x.sub(runningMean.reshape(1, channels, 1, 1)).mul(scale).mul(w).add(b);
        }
        long n = (long) s[0] * s[2] * s[3];
        if (n <= 1) throw new IllegalArgumentException(this + ": training needs more than one value per channel, got input of shape " + Arrays.toString(s));
        int[] axes = {0, 2, 3};
        Tensor mean = x.mean(axes, true);
        Tensor d = x.sub(mean);
        Tensor var = d.mul(d).mean(axes, true);
        Tensor.noGrad(() -> {
            runningMean.assign(runningMean.mul(1 - momentum).add(mean.detach().reshape(channels).mul(momentum)));
            runningVar.assign(runningVar.mul(1 - momentum).add(var.detach().reshape(channels).mul(momentum * n / (n - 1))));
            return null;
        });
        Tensor.realize(mean, var, runningMean, runningVar);
        return d.mul(var.add(eps).rsqrt()).mul(w).add(b);
    }

    @Override public Map<String, Tensor> namedParameters() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("weight", weight);
        m.put("bias", bias);
        return m;
    }

    /** Parameters and the running statistics, under PyTorch's names. */
    @Override public Map<String, Tensor> stateDict() {
        Map<String, Tensor> m = new LinkedHashMap<>(namedParameters());
        m.put("running_mean", runningMean);
        m.put("running_var", runningVar);
        return m;
    }

    @Override public Layer train(boolean on) {
        training = on;
        return this;
    }

    @Override public String toString() { return "BatchNorm2d(" + channels + ")"; }
}
