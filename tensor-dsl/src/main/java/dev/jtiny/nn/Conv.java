// Convolutions, pooling and resizing as compositions of Tensor ops: sliding windows are views built from movement ops.
package dev.jtiny.nn;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.graph.UserOp;
import dev.jtiny.runtime.view.ShapeTracker;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Functional forms of the spatial layers, for NCHW tensors (3-D CHW inputs are treated as a batch of one). Every
 * op here is a few movement ops (pad, reshape, expand, shrink, permute) that lay out the sliding windows as a view,
 * followed by an elementwise op and a reduction, so a convolution with its bias and activation becomes one kernel
 * and gradients follow from the primitives' rules.
 */
public final class Conv {
    private Conv() {}

    // ================================================================ conv2d

    /** Stride 1, no padding, no dilation, one group, no bias. */
    public static Tensor conv2d(Tensor x, Tensor weight) { return conv2d(x, weight, null, 1, 0, 1, 1); }

    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding) {
        return conv2d(x, weight, bias, stride, padding, 1, 1);
    }

    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding, int dilation, int groups) {
        return conv2d(x, weight, bias, pair(stride), pair(padding), pair(dilation), groups);
    }

    /**
     * 2-D cross-correlation as PyTorch's {@code conv2d}: x (N, Cin, H, W), weight (Cout, Cin/groups, KH, KW), bias
     * (Cout) or null; stride, padding and dilation are {rows, columns}. Output (N, Cout, OH, OW) with
     * OH = (H + 2*padding - dilation*(KH-1) - 1) / stride + 1.
     */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return named("conv2d", () -> {
            checkPair("conv2d", "stride", stride, 1);
            checkPair("conv2d", "padding", padding, 0);
            checkPair("conv2d", "dilation", dilation, 1);
            if (x.ndim() == 3) return conv2d(x.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0);
            int[] xs = x.shape(), ws = weight.shape();
            if (x.ndim() != 4) throw new IllegalArgumentException("conv2d: input must be (N, C, H, W) or (C, H, W), got shape " + shape(xs));
            if (ws.length != 4) throw new IllegalArgumentException("conv2d: weight must be (Cout, Cin/groups, KH, KW), got shape " + shape(ws));
            if (groups < 1) throw new IllegalArgumentException("conv2d: groups must be at least 1, got " + groups);
            int n = xs[0], cin = xs[1], cout = ws[0], cg = ws[1];
            if (cout % groups != 0) {
                throw new IllegalArgumentException("conv2d: groups " + groups + " does not divide the weight's " + cout
                        + " output channels (weight shape " + shape(ws) + ")");
            }
            if (cin != cg * groups) {
                throw new IllegalArgumentException("conv2d: input has " + cin + " channels but the weight expects " + cg * groups
                        + " (weight shape " + shape(ws) + ", groups " + groups + ")");
            }
            if (bias != null && !Arrays.equals(bias.shape(), new int[]{cout})) {
                throw new IllegalArgumentException("conv2d: bias must have shape (" + cout + ",) for weight shape " + shape(ws) + ", got " + shape(bias.shape()));
            }
            int[] kernel = {ws[2], ws[3]};
            checkFits("conv2d", xs, kernel, padding, dilation);
            Tensor win = windows(x.pad(spatialPads(4, padding)), kernel, stride, dilation); // (N, Cin, OH, OW, KH, KW)
            int oh = win.shape()[2], ow = win.shape()[3];
            // Line up (N, G, 1, OH, OW, Cg, KH, KW) against weights (1, G, Cout/G, 1, 1, Cg, KH, KW) and sum the last three.
            Tensor xg = win.reshape(n, groups, cg, oh, ow, kernel[0], kernel[1])
                    .permute(0, 1, 3, 4, 2, 5, 6)
                    .reshape(n, groups, 1, oh, ow, cg, kernel[0], kernel[1]);
            Tensor wg = weight.reshape(1, groups, cout / groups, 1, 1, cg, kernel[0], kernel[1]);
            Tensor y = xg.mul(wg).sum(5, 6, 7).reshape(n, cout, oh, ow);
            return bias == null ? y : y.add(bias.reshape(1, cout, 1, 1));
        });
    }

    // ================================================================ any number of spatial dimensions

    /**
     * Convolution over any number k of spatial dimensions (1-D, 2-D, 3-D, …), as ONNX's Conv and PyTorch's convNd:
     * x (N, Cin, D1..Dk), weight (Cout, Cin/groups, K1..Kk), bias (Cout) or null. {@code padding[i]} is
     * {before, after} of spatial dimension i (they may differ); stride and dilation have k entries. Output
     * Oi = (Di + before + after - dilation*(Ki-1) - 1) / stride + 1. The same window view and single reduction as
     * {@link #conv2d}, so bias and activation fuse into the one kernel.
     */
    public static Tensor conv(Tensor x, Tensor weight, Tensor bias, int[] stride, int[][] padding, int[] dilation, int groups) {
        return named("conv", () -> {
            int[] xs = x.shape(), ws = weight.shape();
            int k = ws.length - 2;
            if (k < 1) throw new IllegalArgumentException("conv: weight must be (Cout, Cin/groups, K1, …), got shape " + shape(ws));
            if (xs.length != k + 2) throw new IllegalArgumentException("conv: input of shape " + shape(xs) + " does not match a " + k + "-D kernel (weight shape " + shape(ws) + ")");
            checkSpatial("conv", k, stride, padding, dilation);
            if (groups < 1) throw new IllegalArgumentException("conv: groups must be at least 1, got " + groups);
            int n = xs[0], cin = xs[1], cout = ws[0], cg = ws[1];
            if (cout % groups != 0) throw new IllegalArgumentException("conv: groups " + groups + " does not divide the weight's " + cout + " output channels (weight shape " + shape(ws) + ")");
            if (cin != cg * groups) {
                throw new IllegalArgumentException("conv: input has " + cin + " channels but the weight expects " + cg * groups + " (weight shape " + shape(ws) + ", groups " + groups + ")");
            }
            if (bias != null && !Arrays.equals(bias.shape(), new int[]{cout})) {
                throw new IllegalArgumentException("conv: bias must have shape (" + cout + ",) for weight shape " + shape(ws) + ", got " + shape(bias.shape()));
            }
            int[] kernel = Arrays.copyOfRange(ws, 2, ws.length);
            Tensor xg = grouped(x, kernel, stride, padding, dilation, groups);
            int[] o = Arrays.copyOfRange(xg.shape(), 3, 3 + k);
            int[] ones = new int[k];
            Arrays.fill(ones, 1);
            Tensor wg = weight.reshape(concat(new int[]{1, groups, cout / groups}, ones, new int[]{cg}, kernel));
            int[] summed = new int[k + 1];
            for (int i = 0; i <= k; i++) summed[i] = 3 + k + i;
            Tensor y = xg.mul(wg).sum(summed).reshape(concat(new int[]{n, cout}, o));
            return bias == null ? y : y.add(bias.reshape(concat(new int[]{1, cout}, ones)));
        });
    }

    /** Movement-op chains of {@link #grouped} by input tracker and arguments, for inputs with no gradient. */
    private static final Map<Windows, ShapeTracker> GROUPED = new LinkedHashMap<>(64, 0.75f, true) {
        @Override protected boolean removeEldestEntry(Map.Entry<Windows, ShapeTracker> eldest) { return size() > 256; }
    };

    /** An input's tracker and {@link #grouped}'s arguments (kernel, stride, padding, dilation, groups) as ints, compared by value. */
    private record Windows(ShapeTracker input, int[] args) {
        static Windows of(ShapeTracker input, int[] kernel, int[] stride, int[][] padding, int[] dilation, int groups) {
            int k = kernel.length;
            int[] args = new int[5 * k + 1];
            for (int i = 0; i < k; i++) {
                args[i] = kernel[i];
                args[k + i] = stride[i];
                args[2 * k + i] = padding[i][0];
                args[3 * k + i] = padding[i][1];
                args[4 * k + i] = dilation[i];
            }
            args[5 * k] = groups;
            return new Windows(input, args);
        }

        @Override public boolean equals(Object o) { return o instanceof Windows w && input.equals(w.input) && Arrays.equals(args, w.args); }
        @Override public int hashCode() { return input.hashCode() * 31 + Arrays.hashCode(args); }
    }

    /**
     * The input's sliding windows, padded and grouped as {@link #conv} multiplies them: (N, Cin, D..) becomes
     * (N, G, 1, O.., Cg, K..), a view. It takes some twenty movement ops; a model runs the same convolution on
     * inputs with the same layout again and again, so where no gradient is tracked the resulting view is
     * remembered by the input's shape tracker and applied in one step.
     */
    private static Tensor grouped(Tensor x, int[] kernel, int[] stride, int[][] padding, int[] dilation, int groups) {
        Windows key = null;
        if (!x.requiresGrad()) {
            key = Windows.of(x.lazyBuffer().st, kernel, stride, padding, dilation, groups);
            ShapeTracker known;
            synchronized (GROUPED) {
                known = GROUPED.get(key);
            }
            if (known != null) return x.viewAs(known);
        }
        int[] xs = x.shape();
        int k = kernel.length, n = xs[0], cg = xs[1] / groups;
        Tensor padded = x.pad(fullPads(xs.length, padding));
        checkWindows("conv", padded.shape(), kernel, dilation);
        Tensor win = windows(padded, kernel, stride, dilation);     // (N, Cin, O1..Ok, K1..Kk)
        int[] o = Arrays.copyOfRange(win.shape(), 2, 2 + k);
        // (N, G, Cg, O.., K..) -> (N, G, 1, O.., Cg, K..) against weights (1, G, Cout/G, 1.., Cg, K..); sum Cg and K.
        int[] split = concat(new int[]{n, groups, cg}, o, kernel);
        int[] order = new int[3 + 2 * k];
        order[0] = 0;
        order[1] = 1;
        for (int i = 0; i < k; i++) order[2 + i] = 3 + i;
        order[2 + k] = 2;
        for (int i = 0; i < k; i++) order[3 + k + i] = 3 + k + i;
        Tensor xg = win.reshape(split).permute(order).reshape(concat(new int[]{n, groups, 1}, o, new int[]{cg}, kernel));
        if (key != null) {
            synchronized (GROUPED) {
                GROUPED.put(key, xg.lazyBuffer().st);
            }
        }
        return xg;
    }

    /**
     * Transposed convolution over any number k of spatial dimensions, as ONNX's ConvTranspose: x (N, Cin, D1..Dk),
     * weight (Cin, Cout/groups, K1..Kk). Output Oi = stride*(Di-1) + outputPadding + dilation*(Ki-1) + 1 - before
     * - after. Computed as {@link #convTranspose2d} is: a stride-1 convolution of the input spread out by the
     * stride, with the kernel flipped and its channels swapped.
     */
    public static Tensor convTranspose(Tensor x, Tensor weight, Tensor bias, int[] stride, int[][] padding, int[] outputPadding,
                                       int[] dilation, int groups) {
        return named("convTranspose", () -> {
            int[] xs = x.shape(), ws = weight.shape();
            int k = ws.length - 2;
            if (k < 1) throw new IllegalArgumentException("convTranspose: weight must be (Cin, Cout/groups, K1, …), got shape " + shape(ws));
            if (xs.length != k + 2) throw new IllegalArgumentException("convTranspose: input of shape " + shape(xs) + " does not match a " + k + "-D kernel (weight shape " + shape(ws) + ")");
            checkSpatial("convTranspose", k, stride, padding, dilation);
            if (outputPadding.length != k) throw new IllegalArgumentException("convTranspose: outputPadding needs " + k + " entries, got " + Arrays.toString(outputPadding));
            if (groups < 1 || ws[0] % groups != 0) throw new IllegalArgumentException("convTranspose: groups " + groups + " does not divide the weight's " + ws[0] + " input channels");
            int n = xs[0], cin = xs[1], cog = ws[1], cout = cog * groups;
            if (cin != ws[0]) throw new IllegalArgumentException("convTranspose: input has " + cin + " channels but the weight expects " + ws[0] + " (weight shape " + shape(ws) + ")");
            if (bias != null && !Arrays.equals(bias.shape(), new int[]{cout})) {
                throw new IllegalArgumentException("convTranspose: bias must have shape (" + cout + ",), got " + shape(bias.shape()));
            }
            int[] kernel = Arrays.copyOfRange(ws, 2, ws.length);
            Tensor spread = x;
            for (int i = 0; i < k; i++) spread = spreadAxis(spread, 2 + i, stride[i]);
            int[][] amounts = new int[k + 2][2];
            for (int i = 0; i < k; i++) {
                int edge = dilation[i] * (kernel[i] - 1);
                amounts[i + 2][0] = edge - padding[i][0];
                amounts[i + 2][1] = edge - padding[i][1] + outputPadding[i];
                int out = stride[i] * (xs[i + 2] - 1) + outputPadding[i] + edge + 1 - padding[i][0] - padding[i][1];
                if (out <= 0) throw new IllegalArgumentException("convTranspose: input " + shape(xs) + " gives an empty output along dimension " + (i + 2));
            }
            int[] order = new int[k + 3];
            order[0] = 0;
            order[1] = 2;
            order[2] = 1;
            for (int i = 0; i < k; i++) order[3 + i] = 3 + i;
            int[] flipAxes = new int[k];
            for (int i = 0; i < k; i++) flipAxes[i] = 2 + i;
            Tensor wt = weight.reshape(concat(new int[]{groups, cin / groups, cog}, kernel)).permute(order)
                    .reshape(concat(new int[]{cout, cin / groups}, kernel)).flip(flipAxes);
            int[] ones = new int[k];
            Arrays.fill(ones, 1);
            int[][] none = new int[k][2];
            return conv(padOrShrink(spread, amounts), wt, bias, ones, none, dilation, groups);
        });
    }

    /**
     * Max over windows of the last {@code kernel.length} dimensions, as ONNX's MaxPool: padding {before, after} per
     * dimension never wins (it is the dtype's lowest value); {@code ceilMode} adds a last, partial window where
     * PyTorch and ONNX Runtime do (one that starts inside the input or its leading padding).
     */
    public static Tensor maxPool(Tensor x, int[] kernel, int[] stride, int[][] padding, int[] dilation, boolean ceilMode) {
        return named("maxPool", () -> {
            int k = kernel.length;
            checkSpatial("maxPool", k, stride, padding, dilation);
            if (x.ndim() < k) throw new IllegalArgumentException("maxPool: input of shape " + shape(x.shape()) + " has fewer than " + k + " dimensions");
            int[][] pads = poolPads(x.shape(), kernel, stride, padding, dilation, ceilMode);
            double lowest = x.dtype().min();
            Tensor padded = x.pad(fullPads(x.ndim(), pads), lowest);
            checkWindows("maxPool", padded.shape(), kernel, dilation);
            return windows(padded, kernel, stride, dilation).max(lastAxes(x.ndim() + k, k));
        });
    }

    /**
     * Mean over windows of the last {@code kernel.length} dimensions, as ONNX's AveragePool: with
     * {@code countIncludePad} the padding counts as zeros in the divisor, without it only input elements count; the
     * extra end padding of {@code ceilMode} never counts.
     */
    public static Tensor avgPool(Tensor x, int[] kernel, int[] stride, int[][] padding, int[] dilation, boolean countIncludePad, boolean ceilMode) {
        return named("avgPool", () -> {
            int k = kernel.length;
            checkSpatial("avgPool", k, stride, padding, dilation);
            if (x.ndim() < k) throw new IllegalArgumentException("avgPool: input of shape " + shape(x.shape()) + " has fewer than " + k + " dimensions");
            int[] xs = x.shape();
            int[][] pads = poolPads(xs, kernel, stride, padding, dilation, ceilMode);
            Tensor fx = floating(x);
            Tensor padded = fx.pad(fullPads(x.ndim(), pads));
            checkWindows("avgPool", padded.shape(), kernel, dilation);
            int[] axes = lastAxes(x.ndim() + k, k);
            Tensor sums = windows(padded, kernel, stride, dilation).sum(axes);
            boolean extra = false, anyPad = false;
            for (int i = 0; i < k; i++) {
                extra |= pads[i][1] != padding[i][1];
                anyPad |= padding[i][0] != 0 || padding[i][1] != 0;
            }
            if (!extra && (countIncludePad || !anyPad)) return sums.div((double) product(kernel));
            // Divisors vary by window: count the elements that count, with the same windows over a mask.
            int[] spatial = Arrays.copyOfRange(xs, xs.length - k, xs.length);
            Tensor mask = Tensor.full(spatial, 1, fx.dtype(), x.device());
            int[][] counted = new int[k][2];
            for (int i = 0; i < k; i++) {
                counted[i] = countIncludePad ? padding[i].clone() : new int[2];
                mask = mask.pad(fullPads(k, oneAxis(k, i, counted[i])), 1);
            }
            int[][] rest = new int[k][2];
            for (int i = 0; i < k; i++) rest[i] = new int[]{pads[i][0] - counted[i][0], pads[i][1] - counted[i][1]};
            Tensor counts = windows(mask.pad(fullPads(k, rest)), kernel, stride, dilation).sum(lastAxes(2 * k, k));
            return sums.div(counts);
        });
    }

    /** {before, after} per spatial dimension, with the extra end padding ceil mode needs. */
    private static int[][] poolPads(int[] xs, int[] kernel, int[] stride, int[][] padding, int[] dilation, boolean ceilMode) {
        int k = kernel.length;
        int[][] pads = new int[k][];
        for (int i = 0; i < k; i++) {
            pads[i] = padding[i].clone();
            if (!ceilMode) continue;
            int in = xs[xs.length - k + i];
            int span = in + padding[i][0] + padding[i][1] - dilation[i] * (kernel[i] - 1) - 1;
            if (span < 0) continue;
            int out = (span + stride[i] - 1) / stride[i] + 1;
            if ((out - 1) * stride[i] >= in + padding[i][0]) out--;
            int needed = (out - 1) * stride[i] + dilation[i] * (kernel[i] - 1) + 1 - (in + padding[i][0] + padding[i][1]);
            if (needed > 0) pads[i][1] += needed;
        }
        return pads;
    }

    /** Spreads dimension {@code a} out by {@code s}: s-1 zeros after each element but the last. */
    private static Tensor spreadAxis(Tensor x, int a, int s) {
        if (s == 1) return x;
        int[] sh = x.shape();
        int n = sh[a];
        Tensor t = x.reshape(around(sh, a, n, 1));
        int[][] pads = new int[t.ndim()][2];
        pads[a + 1][1] = s - 1;
        t = t.pad(pads).reshape(around(sh, a, n * s));
        return t.shrink(ranges(t.shape(), a, 0, (n - 1) * s + 1));
    }

    private static void checkSpatial(String op, int k, int[] stride, int[][] padding, int[] dilation) {
        if (stride.length != k || dilation.length != k || padding.length != k) {
            throw new IllegalArgumentException(op + ": stride " + Arrays.toString(stride) + ", padding " + Arrays.deepToString(padding)
                    + " and dilation " + Arrays.toString(dilation) + " need one entry per spatial dimension (" + k + ")");
        }
        for (int i = 0; i < k; i++) {
            if (stride[i] < 1 || dilation[i] < 1) throw new IllegalArgumentException(op + ": stride and dilation must be at least 1, got " + Arrays.toString(stride) + " and " + Arrays.toString(dilation));
            if (padding[i].length != 2 || padding[i][0] < 0 || padding[i][1] < 0) {
                throw new IllegalArgumentException(op + ": padding must be {before, after} pairs of non-negative sizes, got " + Arrays.deepToString(padding));
            }
        }
    }

    /** The dilated kernel must fit in the padded input's last {@code kernel.length} dimensions. */
    private static void checkWindows(String op, int[] padded, int[] kernel, int[] dilation) {
        int k = kernel.length;
        for (int i = 0; i < k; i++) {
            int span = dilation[i] * (kernel[i] - 1) + 1, in = padded[padded.length - k + i];
            if (span > in) {
                throw new IllegalArgumentException(op + ": kernel " + Arrays.toString(kernel) + " (dilation " + Arrays.toString(dilation)
                        + ") is larger than the padded input " + shape(Arrays.copyOfRange(padded, padded.length - k, padded.length)));
            }
        }
    }

    /** Pads for a tensor of rank {@code ndim} with {@code spatial} on its last dimensions. */
    private static int[][] fullPads(int ndim, int[][] spatial) {
        int[][] p = new int[ndim][2];
        for (int i = 0; i < spatial.length; i++) p[ndim - spatial.length + i] = spatial[i].clone();
        return p;
    }

    private static int[][] oneAxis(int k, int i, int[] pad) {
        int[][] p = new int[k][2];
        p[i] = pad.clone();
        return p;
    }

    private static int[] lastAxes(int ndim, int k) {
        int[] a = new int[k];
        for (int i = 0; i < k; i++) a[i] = ndim - k + i;
        return a;
    }

    private static long product(int[] s) {
        long n = 1;
        for (int v : s) n *= v;
        return n;
    }

    private static int[] concat(int[]... parts) {
        int n = 0;
        for (int[] p : parts) n += p.length;
        int[] r = new int[n];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, r, at, p.length);
            at += p.length;
        }
        return r;
    }

    // ================================================================ conv transpose

    public static Tensor convTranspose2d(Tensor x, Tensor weight) { return convTranspose2d(x, weight, null, 1, 0, 0, 1, 1); }

    public static Tensor convTranspose2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding) {
        return convTranspose2d(x, weight, bias, stride, padding, 0, 1, 1);
    }

    public static Tensor convTranspose2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding, int outputPadding, int dilation, int groups) {
        return convTranspose2d(x, weight, bias, pair(stride), pair(padding), pair(outputPadding), pair(dilation), groups);
    }

    /**
     * The gradient of conv2d with respect to its input, as PyTorch's {@code conv_transpose2d}: x (N, Cin, H, W),
     * weight (Cin, Cout/groups, KH, KW). Output rows: (H-1)*stride - 2*padding + dilation*(KH-1) + outputPadding + 1.
     * Computed as a stride-1 conv2d of the input spread out with stride-1 zeros between pixels, with the kernel
     * flipped and its in/out channels swapped.
     */
    public static Tensor convTranspose2d(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] outputPadding,
                                         int[] dilation, int groups) {
        return named("convTranspose2d", () -> {
            checkPair("convTranspose2d", "stride", stride, 1);
            checkPair("convTranspose2d", "padding", padding, 0);
            checkPair("convTranspose2d", "outputPadding", outputPadding, 0);
            checkPair("convTranspose2d", "dilation", dilation, 1);
            if (x.ndim() == 3) return convTranspose2d(x.unsqueeze(0), weight, bias, stride, padding, outputPadding, dilation, groups).squeeze(0);
            int[] xs = x.shape(), ws = weight.shape();
            if (x.ndim() != 4) throw new IllegalArgumentException("convTranspose2d: input must be (N, C, H, W) or (C, H, W), got shape " + shape(xs));
            if (ws.length != 4) throw new IllegalArgumentException("convTranspose2d: weight must be (Cin, Cout/groups, KH, KW), got shape " + shape(ws));
            if (groups < 1) throw new IllegalArgumentException("convTranspose2d: groups must be at least 1, got " + groups);
            int n = xs[0], cin = xs[1], h = xs[2], w = xs[3], cog = ws[1];
            if (ws[0] % groups != 0) {
                throw new IllegalArgumentException("convTranspose2d: groups " + groups + " does not divide the weight's " + ws[0]
                        + " input channels (weight shape " + shape(ws) + ")");
            }
            if (cin != ws[0]) {
                throw new IllegalArgumentException("convTranspose2d: input has " + cin + " channels but the weight expects " + ws[0]
                        + " (weight shape " + shape(ws) + ", groups " + groups + ")");
            }
            int cout = cog * groups;
            if (bias != null && !Arrays.equals(bias.shape(), new int[]{cout})) {
                throw new IllegalArgumentException("convTranspose2d: bias must have shape (" + cout + ",) for weight shape " + shape(ws) + " and groups " + groups + ", got " + shape(bias.shape()));
            }
            int[] k = {ws[2], ws[3]};
            int[] in = {h, w};
            int[][] pads = new int[4][2];
            for (int i = 0; i < 2; i++) {
                if (outputPadding[i] >= Math.max(stride[i], dilation[i])) {
                    throw new IllegalArgumentException("convTranspose2d: outputPadding " + Arrays.toString(outputPadding)
                            + " must be smaller than the stride " + Arrays.toString(stride) + " or the dilation " + Arrays.toString(dilation));
                }
                int out = (in[i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (k[i] - 1) + outputPadding[i] + 1;
                if (out <= 0) {
                    throw new IllegalArgumentException("convTranspose2d: input " + h + "x" + w + " with kernel " + k[0] + "x" + k[1]
                            + ", stride " + Arrays.toString(stride) + ", padding " + Arrays.toString(padding) + " and dilation "
                            + Arrays.toString(dilation) + " gives an empty output (" + out + " along dimension " + (i + 2) + ")");
                }
                int edge = dilation[i] * (k[i] - 1) - padding[i];
                pads[i + 2][0] = edge;
                pads[i + 2][1] = edge + outputPadding[i];
            }
            // Spread the input: (H, W) -> (H, s, W, s) with zeros in the new slots, keeping (H-1)*s+1 rows.
            Tensor spread = x;
            if (stride[0] > 1 || stride[1] > 1) {
                spread = x.reshape(n, cin, h, 1, w, 1)
                        .pad(new int[][]{{0, 0}, {0, 0}, {0, 0}, {0, stride[0] - 1}, {0, 0}, {0, stride[1] - 1}})
                        .reshape(n, cin, h * stride[0], w * stride[1])
                        .shrink(new int[][]{{0, n}, {0, cin}, {0, (h - 1) * stride[0] + 1}, {0, (w - 1) * stride[1] + 1}});
            }
            Tensor wt = weight.reshape(groups, cin / groups, cog, k[0], k[1])
                    .permute(0, 2, 1, 3, 4)
                    .reshape(cout, cin / groups, k[0], k[1])
                    .flip(2, 3);
            return conv2d(padOrShrink(spread, pads), wt, bias, new int[]{1, 1}, new int[]{0, 0}, dilation, groups);
        });
    }

    // ================================================================ pooling

    /** Kernel k, stride k, no padding. */
    public static Tensor maxPool2d(Tensor x, int kernel) { return maxPool2d(x, kernel, kernel, 0); }

    public static Tensor maxPool2d(Tensor x, int kernel, int stride, int padding) {
        return maxPool2d(x, pair(kernel), pair(stride), pair(padding), pair(1));
    }

    /**
     * Maximum over each window of the last two dimensions, as PyTorch's {@code max_pool2d} (floor mode): padding
     * counts as -infinity, so it is never the maximum; it may be at most half the kernel.
     */
    public static Tensor maxPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation) {
        return named("maxPool2d", () -> {
            checkPool("maxPool2d", x, kernel, stride, padding, dilation);
            double lowest = switch (x.dtype()) {   // padding must never win the max
                case FLOAT32, FLOAT64, FLOAT16, BFLOAT16 -> Double.NEGATIVE_INFINITY;
                case INT64 -> Long.MIN_VALUE;
                case INT32 -> Integer.MIN_VALUE;
                case INT8 -> Byte.MIN_VALUE;
                case UINT8, BOOL -> 0;
            };
            Tensor padded = padding[0] == 0 && padding[1] == 0 ? x : x.pad(spatialPads(x.ndim(), padding), lowest);
            return windows(padded, kernel, stride, dilation).max(-2, -1);
        });
    }

    /** Kernel k, stride k, no padding. */
    public static Tensor avgPool2d(Tensor x, int kernel) { return avgPool2d(x, kernel, kernel, 0); }

    public static Tensor avgPool2d(Tensor x, int kernel, int stride, int padding) {
        return avgPool2d(x, pair(kernel), pair(stride), pair(padding));
    }

    /**
     * Mean over each window of the last two dimensions, as PyTorch's {@code avg_pool2d} with its defaults
     * (count_include_pad=True, floor mode): padded zeros count, every window divides by KH*KW.
     */
    public static Tensor avgPool2d(Tensor x, int[] kernel, int[] stride, int[] padding) {
        return named("avgPool2d", () -> {
            checkPool("avgPool2d", x, kernel, stride, padding, pair(1));
            return windows(floating(x).pad(spatialPads(x.ndim(), padding)), kernel, stride, pair(1)).mean(-2, -1);
        });
    }

    // ================================================================ interpolate

    /**
     * Resizes the last two dimensions to outH x outW as PyTorch's {@code interpolate} with sizes given:
     * "nearest" (source index floor(dst * in/out)) or "bilinear" (align_corners=False, half-pixel centres,
     * clamped at the edges). Each axis is a product with a small (out x in) weight matrix built on the host,
     * which costs O(in) per output; nearest upsampling by a whole factor is a broadcast view instead.
     */
    public static Tensor interpolate(Tensor x, int outH, int outW, String mode) {
        return named("interpolate", () -> {
            if (!mode.equals("nearest") && !mode.equals("bilinear")) {
                throw new IllegalArgumentException("interpolate: mode must be \"nearest\" or \"bilinear\", got \"" + mode + "\"");
            }
            if (x.ndim() < 2) throw new IllegalArgumentException("interpolate: input needs at least 2 dimensions (…, H, W), got shape " + shape(x.shape()));
            if (outH < 1 || outW < 1) throw new IllegalArgumentException("interpolate: output size must be positive, got " + outH + "x" + outW);
            Tensor y = resizeAxis(floating(x), x.ndim() - 2, outH, mode);
            return resizeAxis(y, x.ndim() - 1, outW, mode);
        });
    }

    /** A conv layer's sizes: positive channels and kernel, groups dividing both channel counts (the layer names itself only on error). */
    static void checkLayer(Layer layer, int in, int out, int[] kernel, int groups) {
        if (in <= 0 || out <= 0 || kernel[0] <= 0 || kernel[1] <= 0) {
            throw new IllegalArgumentException(layer + ": channels and kernel size must be positive");
        }
        if (groups < 1 || in % groups != 0 || out % groups != 0) {
            throw new IllegalArgumentException(layer + ": groups " + groups + " must divide both " + in + " input and " + out + " output channels");
        }
    }

    /** A conv layer's input: (N, C, H, W) or (C, H, W) with the layer's channel count. */
    static void checkInput(Layer layer, Tensor x, int in) {
        int[] s = x.shape();
        if (s.length != 4 && s.length != 3) {
            throw new IllegalArgumentException(layer + ": input of shape " + java.util.Arrays.toString(s) + " is not (N, C, H, W) or (C, H, W)");
        }
        int c = s[s.length - 3];
        if (c != in) throw new IllegalArgumentException(layer + ": input of shape " + java.util.Arrays.toString(s) + " has " + c + " channels, expected " + in);
    }

    /** Float tensors keep their precision; integers compute in float32. */
    private static Tensor floating(Tensor x) { return x.dtype().isFloat() ? x : x.cast(DType.FLOAT32); }

    private static Tensor resizeAxis(Tensor x, int axis, int out, String mode) {
        int[] s = x.shape();
        int in = s[axis];
        if (in == out) return x;
        if (mode.equals("nearest") && out % in == 0) {
            // Whole-factor upsampling repeats each element: (…, in, 1, …) broadcast to (…, in, f, …).
            int[] one = new int[s.length + 1], rep = new int[s.length + 1];
            for (int i = 0, k = 0; i < s.length; i++) {
                one[k] = s[i];
                rep[k++] = s[i];
                if (i == axis) { one[k] = 1; rep[k++] = out / in; }
            }
            s[axis] = out;
            return x.reshape(one).expand(rep).reshape(s);
        }
        float[] m = new float[out * in];
        if (mode.equals("nearest")) {
            float scale = (float) in / out;
            for (int o = 0; o < out; o++) m[o * in + Math.min((int) Math.floor(o * scale), in - 1)] = 1;
        } else {
            double scale = (double) in / out;
            for (int o = 0; o < out; o++) {
                double src = Math.max(scale * (o + 0.5) - 0.5, 0);
                int i0 = Math.min((int) src, in - 1), i1 = Math.min(i0 + 1, in - 1);
                double l = src - i0;
                m[o * in + i0] += (float) (1 - l);
                m[o * in + i1] += (float) l;
            }
        }
        Tensor r = Tensor.of(m, out, in).to(x.device());
        return axis == s.length - 1 ? x.matmul(r.transpose()) : r.matmul(x);
    }

    // ================================================================ sliding windows

    /**
     * The sliding windows over the last {@code kernel.length} dimensions as a view: (…, I1, …, In) becomes
     * (…, O1, …, On, K1, …, Kn) with element [o…, k…] = x[o*stride + k*dilation] per dimension and
     * O = (I - dilation*(K-1) - 1) / stride + 1. No padding here: pad first.
     */
    static Tensor windows(Tensor x, int[] kernel, int[] stride, int[] dilation) {
        int nk = kernel.length, pre = x.ndim() - nk;
        Tensor t = x;
        // Each dimension in turn becomes (K, O); after step j the shape is (…, K1, O1, …, Kj, Oj, I(j+1), …).
        for (int j = 0; j < nk; j++) t = windowsAlong(t, pre + 2 * j, kernel[j], stride[j], dilation[j]);
        int[] order = new int[t.ndim()];
        for (int i = 0; i < pre; i++) order[i] = i;
        for (int j = 0; j < nk; j++) {
            order[pre + j] = pre + 2 * j + 1;
            order[pre + nk + j] = pre + 2 * j;
        }
        return t.permute(order);
    }

    /**
     * Replaces dimension {@code a} (size I) by (K, O) with [r, o] = x[o*s + r*d], from movement ops only.
     * Repeat the row of I values end to end and read the result as rows of length L = f*I + d: row r then starts
     * at r*L, which is r*d modulo I, so row r is the input shifted left by r*d. The first O*s columns of each row,
     * split into (O, s) with only column 0 kept, are the strided window positions. f makes a row long enough for
     * O*s columns; no position read ever wraps, since (O-1)*s + (K-1)*d < I.
     */
    private static Tensor windowsAlong(Tensor x, int a, int k, int s, int d) {
        int[] sh = x.shape();
        int in = sh[a];
        int o = (in - d * (k - 1) - 1) / s + 1;
        if (d == 1 && s >= k) {
            // Windows that do not overlap (a 2x2 pool of stride 2): the first O*s positions as (O, s), the first k of
            // each: one view, whose gradient is a reshape back, not a sum over repeated rows.
            Tensor t = o * s > in ? x.pad(padAlong(sh.length, a, o * s - in)) : x.shrink(ranges(sh, a, 0, o * s));
            t = t.reshape(around(sh, a, o, s));
            t = t.shrink(ranges(t.shape(), a + 1, 0, k));
            int[] order = new int[t.ndim()];
            for (int i = 0; i < order.length; i++) order[i] = i == a ? a + 1 : i == a + 1 ? a : i;
            return t.permute(order);
        }
        int f = Math.max(1, ceilDiv(o * s - d, in));
        int len = f * in + d;
        int reps = ceilDiv(k * len, in);
        Tensor t = x.reshape(around(sh, a, 1, in)).expand(around(sh, a, reps, in)).reshape(around(sh, a, reps * in))
                .shrink(ranges(around(sh, a, reps * in), a, 0, k * len))
                .reshape(around(sh, a, k, len));
        t = t.shrink(ranges(t.shape(), a + 1, 0, o * s)).reshape(around(sh, a, k, o, s));
        return t.shrink(ranges(t.shape(), a + 2, 0, 1)).reshape(around(sh, a, k, o));
    }

    /** Padding of {@code after} zeros at the end of dimension {@code a} of {@code n}. */
    private static int[][] padAlong(int n, int a, int after) {
        int[][] p = new int[n][2];
        p[a][1] = after;
        return p;
    }

    /** {@code shape} with dimension {@code a} replaced by {@code dims}. */
    private static int[] around(int[] shape, int a, int... dims) {
        int[] r = new int[shape.length - 1 + dims.length];
        System.arraycopy(shape, 0, r, 0, a);
        System.arraycopy(dims, 0, r, a, dims.length);
        System.arraycopy(shape, a + 1, r, a + dims.length, shape.length - a - 1);
        return r;
    }

    /** Full ranges of {@code shape} except [lo, hi) on dimension {@code a}. */
    private static int[][] ranges(int[] shape, int a, int lo, int hi) {
        int[][] r = new int[shape.length][];
        for (int i = 0; i < shape.length; i++) r[i] = i == a ? new int[]{lo, hi} : new int[]{0, shape[i]};
        return r;
    }

    private static int ceilDiv(int a, int b) { return a <= 0 ? 0 : (a + b - 1) / b; }

    // ================================================================ argument checks

    private static Tensor named(String op, Supplier<Tensor> body) {
        Tensor result;
        try (UserOp ignored = UserOp.enter(op)) {
            result = body.get();
        }
        result.lazyBuffer().exposeIfOutermost(); // what the user gets; the windows and sums inside are not exposed
        return result;
    }

    static int[] pair(int v) { return new int[]{v, v}; }

    private static void checkPair(String op, String what, int[] v, int min) {
        if (v == null || v.length != 2) throw new IllegalArgumentException(op + ": " + what + " must be {rows, columns}, got " + Arrays.toString(v));
        if (v[0] < min || v[1] < min) throw new IllegalArgumentException(op + ": " + what + " must be at least " + min + ", got " + Arrays.toString(v));
    }

    private static void checkPool(String op, Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation) {
        checkPair(op, "kernel", kernel, 1);
        checkPair(op, "stride", stride, 1);
        checkPair(op, "padding", padding, 0);
        checkPair(op, "dilation", dilation, 1);
        if (x.ndim() < 2) throw new IllegalArgumentException(op + ": input needs at least 2 dimensions (…, H, W), got shape " + shape(x.shape()));
        if (2 * padding[0] > kernel[0] || 2 * padding[1] > kernel[1]) {
            throw new IllegalArgumentException(op + ": padding " + Arrays.toString(padding) + " must be at most half the kernel " + Arrays.toString(kernel));
        }
        checkFits(op, x.shape(), kernel, padding, dilation);
    }

    /** The dilated kernel must fit in the padded input (the last two dimensions of {@code xs}). */
    private static void checkFits(String op, int[] xs, int[] kernel, int[] padding, int[] dilation) {
        int h = xs[xs.length - 2], w = xs[xs.length - 1];
        int kh = dilation[0] * (kernel[0] - 1) + 1, kw = dilation[1] * (kernel[1] - 1) + 1;
        int ph = h + 2 * padding[0], pw = w + 2 * padding[1];
        if (kh > ph || kw > pw) {
            String dilated = kh != kernel[0] || kw != kernel[1] ? " (dilated " + kh + "x" + kw + ")" : "";
            throw new IllegalArgumentException(op + ": kernel " + kernel[0] + "x" + kernel[1] + dilated + " is larger than the padded input "
                    + ph + "x" + pw + " (input shape " + shape(xs) + ", padding " + Arrays.toString(padding) + ")");
        }
    }

    /** Pads of the last two of {@code ndim} dimensions. */
    private static int[][] spatialPads(int ndim, int[] padding) {
        int[][] p = new int[ndim][2];
        p[ndim - 2] = new int[]{padding[0], padding[0]};
        p[ndim - 1] = new int[]{padding[1], padding[1]};
        return p;
    }

    /** Pads where an amount is positive and cuts where it is negative. */
    private static Tensor padOrShrink(Tensor x, int[][] amounts) {
        int[] s = x.shape();
        int[][] pads = new int[s.length][2], keep = new int[s.length][];
        for (int i = 0; i < s.length; i++) {
            int lo = amounts[i][0], hi = amounts[i][1];
            pads[i] = new int[]{Math.max(lo, 0), Math.max(hi, 0)};
            keep[i] = new int[]{Math.max(-lo, 0), s[i] - Math.max(-hi, 0)};
        }
        return x.shrink(keep).pad(pads);
    }

    /** A shape as PyTorch prints it in messages: (8,4,3,3). */
    static String shape(int[] s) {
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < s.length; i++) { if (i > 0) b.append(','); b.append(s[i]); }
        if (s.length == 1) b.append(',');
        return b.append(')').toString();
    }
}
