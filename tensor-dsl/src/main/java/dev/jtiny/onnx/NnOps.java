// ONNX neural-network operators: convolutions, pooling, normalisation, Gemm/MatMul and the softmax family.
package dev.jtiny.onnx;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.graph.LazyBuffer;
import dev.jtiny.nn.Conv;
import dev.jtiny.runtime.DType;

import java.util.Arrays;

import static dev.jtiny.onnx.Operator.single;
import static dev.jtiny.onnx.Operators.add;

/**
 * Convolutions and pooling go through {@link Conv}'s N-d functions (1-D, 2-D and 3-D alike); normalisations are
 * the textbook formulas over Tensor ops, with per-channel parameters reshaped to broadcast along dimension 1.
 */
final class NnOps {
    private NnOps() {}

    static void register() {
        add("Conv", 1, NnOps::conv);
        add("ConvTranspose", 1, NnOps::convTranspose);
        add("MaxPool", 1, a -> pool(a, true));
        add("AveragePool", 1, a -> pool(a, false));
        add("GlobalAveragePool", 1, a -> single(in -> { Tensor x = in.t(0); return x.mean(spatialAxes(x), true); }));
        add("GlobalMaxPool", 1, a -> single(in -> { Tensor x = in.t(0); return x.max(spatialAxes(x), true); }));
        add("BatchNormalization", 1, NnOps::batchNorm);
        add("InstanceNormalization", 1, a -> {
            double eps = a.f("epsilon", 1e-5);
            return single(in -> {
                Tensor x = in.t(0);
                int[] axes = spatialAxes(x);
                Tensor mean = x.mean(axes, true);
                Tensor d = x.sub(mean);
                Tensor var = d.mul(d).mean(axes, true);
                return d.div(var.add(eps).sqrt()).mul(channel(in.t(1), x)).add(channel(in.t(2), x));
            });
        });
        add("LayerNormalization", 17, a -> {
            int axis = a.int32("axis", -1);
            double eps = a.f("epsilon", 1e-5);
            a.choice("stash_type", 1, 1);
            return in -> {
                Tensor x = in.t(0);
                int ax = ShapeOps.axis(in, axis, x.ndim());
                int[] axes = new int[x.ndim() - ax];
                for (int i = 0; i < axes.length; i++) axes[i] = ax + i;
                Tensor xf = x.cast(x.dtype() == DType.FLOAT64 ? DType.FLOAT64 : DType.FLOAT32);
                Tensor mean = xf.mean(axes, true);
                Tensor d = xf.sub(mean);
                Tensor inv = d.mul(d).mean(axes, true).add(eps).rsqrt();
                Tensor y = d.mul(inv).cast(x.dtype()).mul(in.t(1));
                if (in.has(2)) y = y.add(in.t(2));
                return new Object[]{y, mean, inv};
            };
        });
        add("GroupNormalization", 18, a -> {
            long groups = a.i("num_groups");
            double eps = a.f("epsilon", 1e-5);
            if (a.opset >= 21) a.choice("stash_type", 1, 1);
            boolean perChannel = a.opset >= 21;
            return single(in -> {
                Tensor x = in.t(0);
                int[] s = x.shape();
                int n = s[0], c = s[1], g = (int) groups;
                if (c % g != 0) throw in.error("num_groups " + g + " does not divide " + c + " channels");
                Tensor xg = x.reshape(n, g, -1);
                Tensor mean = xg.mean(new int[]{2}, true);
                Tensor d = xg.sub(mean);
                Tensor y = d.div(d.mul(d).mean(new int[]{2}, true).add(eps).sqrt()).reshape(s);
                Tensor scale = in.t(1), bias = in.t(2);
                if (!perChannel) { // opset 18: one scale and bias per group
                    scale = scale.reshape(g, 1).expand(g, c / g).reshape(c);
                    bias = bias.reshape(g, 1).expand(g, c / g).reshape(c);
                }
                return y.mul(channel(scale, x)).add(channel(bias, x));
            });
        });
        add("LpNormalization", 1, a -> {
            int axis = a.int32("axis", -1);
            long p = a.choice("p", 2, 1, 2);
            return single(in -> {
                Tensor x = in.t(0);
                int ax = ShapeOps.axis(in, axis, x.ndim());
                Tensor norm = p == 1 ? x.abs().sum(ax, true) : x.mul(x).sum(ax, true).sqrt();
                return x.div(norm);
            });
        });
        add("MeanVarianceNormalization", 9, a -> {
            long[] axes = a.ints("axes");
            int[] ax = axes == null ? new int[]{0, 2, 3} : Arrays.stream(axes).mapToInt(v -> (int) v).toArray();
            return single(in -> {
                Tensor x = in.t(0);
                int[] norm = Arrays.stream(ax).map(v -> ShapeOps.axis(in, v, x.ndim())).toArray();
                Tensor d = x.sub(x.mean(norm, true));
                return d.div(d.mul(d).mean(norm, true).sqrt().add(1e-9));
            });
        });
        add("LRN", 1, a -> {
            double alpha = a.f("alpha", 1e-4), beta = a.f("beta", 0.75), bias = a.f("bias", 1.0);
            int size = (int) a.i("size");
            return single(in -> lrn(in.t(0), size, alpha, beta, bias));
        });
        add("Gemm", 1, NnOps::gemm);
        add("MatMul", 1, a -> single(in -> in.t(0).matmul(in.t(1))));
        add("Softmax", 1, a -> softmaxLike(a, (x, ax) -> x.softmax(ax)));
        add("LogSoftmax", 1, a -> softmaxLike(a, (x, ax) -> x.logSoftmax(ax)));
        add("Hardmax", 1, a -> softmaxLike(a, (x, ax) -> {
            int n = x.shape()[ax];
            int[] pos = new int[x.ndim()];
            Arrays.fill(pos, 1);
            pos[ax] = n;
            Tensor positions = Tensor.arange(n).to(x.device()).reshape(pos);
            return x.argmax(ax, true).eq(positions).cast(x.dtype());
        }));
        Resize.register();
    }

    // ================================================================ convolution and pooling

    /** Spatial attributes shared by Conv, ConvTranspose and the pools, with pads resolved once the input is known. */
    private record Spatial(int[] kernel, int[] strides, int[] dilations, long[] pads, String autoPad) {
        static Spatial read(NodeAttrs a, boolean dilationsAllowed) {
            String autoPad = a.choice("auto_pad", "NOTSET", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID");
            int[] kernel = a.int32s("kernel_shape");
            int[] strides = a.int32s("strides");
            int[] dil = dilationsAllowed ? a.int32s("dilations") : null;
            long[] pads = a.ints("pads");
            return new Spatial(kernel, strides, dil, pads, autoPad);
        }

        int[] strides(int k) { return strides == null ? ones(k) : strides; }
        int[] dilations(int k) { return dilations == null ? ones(k) : dilations; }

        /** {before, after} per spatial dimension for a forward (conv or pool) window over {@code in}. */
        int[][] forwardPads(Args args, int[] in, int[] kernel) {
            int k = kernel.length;
            int[] s = strides(k), d = dilations(k);
            int[][] p = new int[k][2];
            if (autoPad.equals("SAME_UPPER") || autoPad.equals("SAME_LOWER")) {
                for (int i = 0; i < k; i++) {
                    int out = (in[i] + s[i] - 1) / s[i];
                    int total = Math.max((out - 1) * s[i] + (kernel[i] - 1) * d[i] + 1 - in[i], 0);
                    int small = total / 2, big = total - small;
                    p[i] = autoPad.equals("SAME_UPPER") ? new int[]{small, big} : new int[]{big, small};
                }
            } else if (autoPad.equals("NOTSET") && pads != null) {
                if (pads.length != 2 * k) throw args.error("pads " + Arrays.toString(pads) + " must have 2 values per spatial dimension (" + k + ")");
                for (int i = 0; i < k; i++) p[i] = new int[]{(int) pads[i], (int) pads[i + k]};
            }
            return p;
        }

        void checkRank(Args args, int k) {
            if (strides != null && strides.length != k) throw args.error("strides " + Arrays.toString(strides) + " need " + k + " values");
            if (dilations != null && dilations.length != k) throw args.error("dilations " + Arrays.toString(dilations) + " need " + k + " values");
            if (kernel != null && kernel.length != k) throw args.error("kernel_shape " + Arrays.toString(kernel) + " needs " + k + " values");
        }
    }

    private static int[] ones(int k) {
        int[] r = new int[k];
        Arrays.fill(r, 1);
        return r;
    }

    private static int[] spatialShape(Tensor x) { return Arrays.copyOfRange(x.shape(), 2, x.ndim()); }

    private static int[] spatialAxes(Tensor x) {
        int[] a = new int[x.ndim() - 2];
        for (int i = 0; i < a.length; i++) a[i] = i + 2;
        return a;
    }

    private static Operator.Step conv(NodeAttrs a) {
        Spatial sp = Spatial.read(a, true);
        int group = (int) a.i("group", 1);
        return single(in -> {
            Tensor x = in.t(0), w = in.t(1);
            int k = w.ndim() - 2;
            sp.checkRank(in, k);
            int[] kernel = Arrays.copyOfRange(w.shape(), 2, w.ndim());
            if (sp.kernel() != null && !Arrays.equals(sp.kernel(), kernel)) {
                throw in.error("kernel_shape " + Arrays.toString(sp.kernel()) + " does not match the weight's " + Arrays.toString(w.shape()));
            }
            int[][] pads = sp.forwardPads(in, spatialShape(x), kernel);
            return Conv.conv(x, w, in.opt(2), sp.strides(k), pads, sp.dilations(k), group);
        });
    }

    private static Operator.Step convTranspose(NodeAttrs a) {
        Spatial sp = Spatial.read(a, true);
        int group = (int) a.i("group", 1);
        int[] outputPadding = a.int32s("output_padding");
        int[] outputShape = a.int32s("output_shape");
        return single(in -> {
            Tensor x = in.t(0), w = in.t(1);
            int k = w.ndim() - 2;
            sp.checkRank(in, k);
            int[] kernel = Arrays.copyOfRange(w.shape(), 2, w.ndim());
            int[] s = sp.strides(k), d = sp.dilations(k);
            int[] op = outputPadding == null ? new int[k] : outputPadding.clone();
            int[] xs = spatialShape(x);
            int[][] pads = new int[k][2];
            String auto = sp.autoPad();
            if (outputShape != null || auto.startsWith("SAME")) {
                int[] target = new int[k];
                for (int i = 0; i < k; i++) {
                    target[i] = outputShape != null ? outputShape[outputShape.length - k + i] : xs[i] * s[i];
                    int total = s[i] * (xs[i] - 1) + op[i] + (kernel[i] - 1) * d[i] + 1 - target[i];
                    if (total < 0) {  // a larger output than the padding-free one: the difference is output padding
                        op[i] -= total;
                        total = 0;
                    }
                    int small = total / 2, big = total - small;
                    pads[i] = auto.equals("SAME_UPPER") ? new int[]{small, big} : new int[]{big, small};
                }
            } else if (sp.pads() != null && auto.equals("NOTSET")) {
                if (sp.pads().length != 2 * k) throw in.error("pads " + Arrays.toString(sp.pads()) + " must have 2 values per spatial dimension");
                for (int i = 0; i < k; i++) pads[i] = new int[]{(int) sp.pads()[i], (int) sp.pads()[i + k]};
            }
            return Conv.convTranspose(x, w, in.opt(2), s, pads, op, d, group);
        });
    }

    private static Operator.Step pool(NodeAttrs a, boolean max) {
        Spatial sp = Spatial.read(a, max ? a.opset >= 10 : a.opset >= 19);
        if (sp.kernel() == null) throw a.error("required attribute 'kernel_shape' is missing");
        boolean ceil = a.opset >= 10 && a.i("ceil_mode", 0) != 0;
        boolean countPad = !max && a.opset >= 7 && a.i("count_include_pad", 0) != 0;
        if (max && a.opset >= 8) a.choice("storage_order", 0, 0, 1);
        if (max && a.hasOutput(1)) throw a.error("the Indices output of MaxPool is not supported");
        int[] kernel = sp.kernel();
        return single(in -> {
            Tensor x = in.t(0);
            int k = kernel.length;
            sp.checkRank(in, k);
            if (x.ndim() != k + 2) throw in.error("input of shape " + Arrays.toString(x.shape()) + " does not match kernel_shape " + Arrays.toString(kernel));
            int[][] pads = sp.forwardPads(in, spatialShape(x), kernel);
            return max ? Conv.maxPool(x, kernel, sp.strides(k), pads, sp.dilations(k), ceil)
                    : Conv.avgPool(x, kernel, sp.strides(k), pads, sp.dilations(k), countPad, ceil);
        });
    }

    // ================================================================ normalisation

    /** A per-channel vector (C) shaped to broadcast along dimension 1 of {@code x}. */
    static Tensor channel(Tensor v, Tensor x) {
        if (v.ndim() != 1) return v;
        int[] s = new int[x.ndim() - 1];
        Arrays.fill(s, 1);
        s[0] = v.shape()[0];
        return v.reshape(s);
    }

    private static Operator.Step batchNorm(NodeAttrs a) {
        double eps = a.f("epsilon", 1e-5);
        a.f("momentum", 0.9);
        if (a.opset < 7) a.i("is_test", 0);
        if (a.opset < 9) a.choice("spatial", 1, 1);
        if (a.opset >= 14 && a.i("training_mode", 0) != 0) throw a.error("training_mode=1 is not supported: jtiny runs ONNX models for inference");
        for (int i = 1; i < a.outputCount(); i++) {
            if (a.hasOutput(i)) throw a.error("output " + i + " (running statistics of training) is not supported");
        }
        // x * k + shift with k = scale / sqrt(var + eps) and shift = bias - mean * k, as inference runtimes fold it.
        // The statistics are weights, the same on every run, so k and shift are computed once (two small kernels)
        // and kept: a run builds two ops here, and a consumer that reads the normalised value many times (a
        // convolution's windows) loads two numbers per channel instead of recomputing a square root.
        var made = new Object() {
            LazyBuffer[] from;
            int rank;
            Tensor k, shift;
        };
        return single(in -> {
            Tensor x = in.t(0);
            LazyBuffer[] from = {in.t(1).lazyBuffer(), in.t(2).lazyBuffer(), in.t(3).lazyBuffer(), in.t(4).lazyBuffer()};
            boolean tracked = false;
            for (int i = 1; i <= 4; i++) tracked |= in.t(i).requiresGrad();
            synchronized (made) {
                if (tracked || made.rank != x.ndim() || !Arrays.equals(made.from, from)) {
                    Tensor scale = channel(in.t(1), x), var = channel(in.t(4), x);
                    Tensor mean = channel(in.t(3), x), k = scale.mul(var.add(eps).rsqrt()), bias = channel(in.t(2), x);
                    if (tracked) return x.sub(mean).mul(k).add(bias); // a gradient needs the ops on the tracked tensors themselves
                    made.from = from;
                    made.rank = x.ndim();
                    made.k = k.realize();
                    made.shift = bias.sub(mean.mul(made.k)).realize();
                }
                return x.mul(made.k).add(made.shift);
            }
        });
    }

    /** Local response normalisation across channels: x / (bias + alpha/size * sum of squares in the window)^beta. */
    private static Tensor lrn(Tensor x, int size, double alpha, double beta, double bias) {
        int c = x.shape()[1];
        int before = (size - 1) / 2, after = size - 1 - before;
        int[][] pads = new int[x.ndim()][2];
        pads[1] = new int[]{before, after};
        Tensor sq = x.mul(x).pad(pads);
        Tensor sum = null;
        for (int j = 0; j < size; j++) {
            Tensor part = sq.slice(1, j, j + c);
            sum = sum == null ? part : sum.add(part);
        }
        return x.div(sum.mul(alpha / size).add(bias).pow(beta));
    }

    // ================================================================ Gemm and the softmax family

    private static Operator.Step gemm(NodeAttrs a) {
        double alpha = a.f("alpha", 1.0), beta = a.f("beta", 1.0);
        boolean ta = a.i("transA", 0) != 0, tb = a.i("transB", 0) != 0;
        boolean legacy = a.opset < 7;
        boolean broadcast = legacy && a.i("broadcast", 0) != 0;
        return single(in -> {
            Tensor x = in.t(0), w = in.t(1);
            if (x.ndim() != 2 || w.ndim() != 2) throw in.error("Gemm needs 2-D A and B, got " + Arrays.toString(x.shape()) + " and " + Arrays.toString(w.shape()));
            if (ta) x = x.transpose();
            if (tb) w = w.transpose();
            Tensor y = x.matmul(w);
            if (alpha != 1) y = y.mul(alpha);
            if (in.has(2)) {
                Tensor c = in.t(2);
                if (legacy && !broadcast && !Arrays.equals(c.shape(), y.shape())) {
                    throw in.error("C of shape " + Arrays.toString(c.shape()) + " needs broadcast=1 to fit " + Arrays.toString(y.shape()));
                }
                y = y.add(beta == 1 ? c : c.mul(beta));
            }
            return y;
        });
    }

    /**
     * Softmax, LogSoftmax and Hardmax: from opset 13 along one axis (default -1); before, over the input coerced to
     * 2-D at {@code axis} (default 1): all dimensions from {@code axis} on form one row.
     */
    private static Operator.Step softmaxLike(NodeAttrs a, java.util.function.BiFunction<Tensor, Integer, Tensor> f) {
        boolean coerce = a.opset < 13;
        int axis = a.int32("axis", coerce ? 1 : -1);
        return single(in -> {
            Tensor x = in.t(0);
            int ax = ShapeOps.axis(in, axis, Math.max(x.ndim(), 1));
            if (!coerce) return f.apply(x, ax);
            long outer = 1;
            for (int i = 0; i < ax; i++) outer *= x.shape()[i];
            if (ax == x.ndim() - 1) return f.apply(x, ax);
            return f.apply(x.reshape((int) outer, (int) (x.numel() / Math.max(outer, 1))), 1).reshape(x.shape());
        });
    }
}
