// ONNX Resize and Upsample: each resized axis is a small (out x in) interpolation matrix built on the host.
package dev.jtiny.onnx;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.DType;

import java.util.Arrays;

import static dev.jtiny.onnx.Operator.single;
import static dev.jtiny.onnx.Operators.add;

/**
 * Resizing is separable: along each axis, output position o reads the input at a coordinate given by the
 * coordinate transformation mode, rounded (nearest) or interpolated between 2 (linear) or 4 (cubic) neighbours.
 * Those weights form an (out x in) matrix per axis; nearest becomes a gather (or a broadcast view for whole-factor
 * upsampling), linear and cubic a product with the matrix. tf_crop_and_resize and antialiasing are not supported.
 */
final class Resize {
    private Resize() {}

    private record Settings(String mode, String transform, String nearest, double cubicA, boolean excludeOutside) {}

    static void register() {
        add("Resize", 10, Resize::resize);
        add("Upsample", 7, a -> {
            if (a.opset >= 10) throw a.error("Upsample was removed in opset 10; use Resize");
            String mode = a.choice("mode", "nearest", "nearest", "linear", "bilinear");
            float[] scales = a.opset < 9 ? a.floats("scales") : null;
            if (a.opset < 9 && scales == null) throw a.error("required attribute 'scales' is missing");
            Settings s = new Settings(mode.equals("nearest") ? "nearest" : "linear", "asymmetric", "legacy", -0.75, false);
            return single(in -> {
                double[] sc = scales != null ? toDoubles(scales) : in.t(1).cast(DType.FLOAT64).toDoubleArray();
                return apply(in, in.t(0), sc, null, s);
            });
        });
    }

    private static Operator.Step resize(NodeAttrs a) {
        String mode = a.choice("mode", "nearest", "nearest", "linear", "cubic");
        boolean v10 = a.opset < 11;
        String transform = v10 ? "asymmetric" : a.choice("coordinate_transformation_mode", "half_pixel",
                "half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn", "half_pixel_symmetric");
        if (transform.equals("half_pixel_symmetric") && a.opset < 19) throw a.error("coordinate_transformation_mode half_pixel_symmetric exists from opset 19");
        String nearest = v10 ? "legacy" : a.choice("nearest_mode", "round_prefer_floor", "round_prefer_floor", "round_prefer_ceil", "floor", "ceil");
        double cubicA = v10 ? -0.75 : a.f("cubic_coeff_a", -0.75);
        boolean exclude = !v10 && a.i("exclude_outside", 0) != 0;
        if (!v10) a.f("extrapolation_value", 0);  // only used by tf_crop_and_resize, which is refused above
        if (v10 && mode.equals("cubic")) throw a.error("mode cubic exists from opset 11");
        int[] axesAttr = null;
        if (a.opset >= 18) {
            a.choice("antialias", 0, 0);
            a.choice("keep_aspect_ratio_policy", "stretch", "stretch");
            axesAttr = a.int32s("axes");
        }
        Settings s = new Settings(mode, transform, nearest, cubicA, exclude);
        int[] axes = axesAttr;
        return single(in -> {
            Tensor x = in.t(0);
            int r = x.ndim();
            int[] ax = axes == null ? null : Arrays.stream(axes).map(i -> ShapeOps.axis(in, i, r)).toArray();
            int scalesAt = v10 ? 1 : 2, sizesAt = 3;
            double[] scales = null;
            int[] sizes = null;
            if (in.has(scalesAt) && in.t(scalesAt).numel() > 0) scales = in.t(scalesAt).cast(DType.FLOAT64).toDoubleArray();
            if (!v10 && in.has(sizesAt) && in.t(sizesAt).numel() > 0) sizes = ShapeOps.ints(in, sizesAt);
            if ((scales == null) == (sizes == null)) throw in.error("exactly one of scales and sizes must be given");
            int n = ax == null ? r : ax.length;
            if ((scales != null ? scales.length : sizes.length) != n) throw in.error("scales or sizes need " + n + " values");
            double[] fullScales = new double[r];
            int[] fullSizes = null;
            Arrays.fill(fullScales, 1);
            if (sizes != null) {
                fullSizes = x.shape();
                for (int i = 0; i < n; i++) fullSizes[ax == null ? i : ax[i]] = sizes[i];
            } else {
                for (int i = 0; i < n; i++) fullScales[ax == null ? i : ax[i]] = scales[i];
            }
            return apply(in, x, fullScales, fullSizes, s);
        });
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    /** Resizes every axis whose size or scale changes, one axis at a time. */
    private static Tensor apply(Args in, Tensor x, double[] scales, int[] sizes, Settings s) {
        int[] shape = x.shape();
        if (scales.length != shape.length) throw in.error("scales " + Arrays.toString(scales) + " need one value per dimension of " + Arrays.toString(shape));
        boolean exact = x.dtype().isFloat() || s.mode.equals("nearest");
        Tensor y = exact ? x : x.cast(DType.FLOAT32);
        for (int axis = 0; axis < shape.length; axis++) {
            int inLen = shape[axis];
            int outLen;
            double scale;
            if (sizes != null) {
                outLen = sizes[axis];
                scale = (double) outLen / inLen;
            } else {
                scale = scales[axis];
                if (scale <= 0) throw in.error("scale " + scale + " must be positive");
                outLen = (int) Math.floor(inLen * scale);
            }
            if (outLen == inLen && scale == 1) continue;
            if (outLen < 1) throw in.error("resizing dimension " + axis + " of size " + inLen + " by " + scale + " leaves nothing");
            y = resizeAxis(in, y, axis, inLen, outLen, scale, s);
        }
        return exact ? y : y.add(0.5).floor().cast(x.dtype());
    }

    private static Tensor resizeAxis(Args in, Tensor x, int axis, int inLen, int outLen, double scale, Settings s) {
        if (s.mode.equals("nearest")) {
            int[] idx = new int[outLen];
            for (int o = 0; o < outLen; o++) {
                double c = coordinate(o, inLen, outLen, scale, s.transform);
                idx[o] = Math.clamp(round(c, s.nearest, scale < 1), 0, inLen - 1);
            }
            if (outLen % inLen == 0 && isRepeat(idx, outLen / inLen)) return repeatEach(x, axis, outLen / inLen);
            return x.take(axis, in.on(Tensor.of(idx, outLen)));
        }
        float[] m = new float[outLen * inLen];
        for (int o = 0; o < outLen; o++) {
            double c = coordinate(o, inLen, outLen, scale, s.transform);
            if (s.mode.equals("linear")) {
                c = Math.clamp(c, 0, inLen - 1);
                int i0 = (int) Math.floor(c), i1 = Math.min(i0 + 1, inLen - 1);
                double w = c - i0;
                m[o * inLen + i0] += (float) (1 - w);
                m[o * inLen + i1] += (float) w;
            } else {
                int base = (int) Math.floor(c);
                double t = c - base;
                double[] w = {cubic(1 + t, s.cubicA), cubic(t, s.cubicA), cubic(1 - t, s.cubicA), cubic(2 - t, s.cubicA)};
                double total = 0;
                for (int j = 0; j < 4; j++) {
                    int i = base - 1 + j;
                    if (s.excludeOutside && (i < 0 || i >= inLen)) w[j] = 0;
                    total += w[j];
                }
                for (int j = 0; j < 4; j++) {
                    int i = Math.clamp(base - 1 + j, 0, inLen - 1);
                    m[o * inLen + i] += (float) (s.excludeOutside ? w[j] / total : w[j]);
                }
            }
        }
        Tensor mat = in.on(Tensor.of(m, outLen, inLen)).cast(x.dtype());
        Tensor moved = x.transpose(axis, -1);
        return moved.matmul(mat.transpose()).transpose(axis, -1);
    }

    /** The input coordinate output position {@code o} reads, per ONNX's coordinate_transformation_mode. */
    static double coordinate(int o, int inLen, int outLen, double scale, String mode) {
        return switch (mode) {
            case "half_pixel" -> (o + 0.5) / scale - 0.5;
            case "pytorch_half_pixel" -> outLen > 1 ? (o + 0.5) / scale - 0.5 : 0;
            case "align_corners" -> outLen == 1 ? 0 : o * (double) (inLen - 1) / (outLen - 1);
            case "asymmetric" -> o / scale;
            case "tf_half_pixel_for_nn" -> (o + 0.5) / scale;
            case "half_pixel_symmetric" -> {
                double adjustment = outLen / (scale * inLen);
                double offset = inLen / 2.0 * (1 - adjustment);
                yield offset + (o + 0.5) / scale - 0.5;
            }
            default -> throw new IllegalArgumentException("coordinate mode " + mode);
        };
    }

    /** A coordinate rounded to an input index per nearest_mode ("legacy": opset 10 and Upsample, as ONNX Runtime). */
    private static int round(double c, String mode, boolean downsampling) {
        return switch (mode) {
            case "round_prefer_floor" -> c == Math.floor(c) + 0.5 ? (int) Math.floor(c) : (int) Math.round(c);
            case "round_prefer_ceil" -> (int) Math.round(c);
            case "floor" -> (int) Math.floor(c);
            case "ceil" -> (int) Math.ceil(c);
            default -> downsampling ? (int) Math.ceil(c) : (int) Math.floor(c);
        };
    }

    private static double cubic(double t, double a) {
        t = Math.abs(t);
        if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
        if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
        return 0;
    }

    private static boolean isRepeat(int[] idx, int f) {
        for (int o = 0; o < idx.length; o++) if (idx[o] != o / f) return false;
        return true;
    }

    /** Each element repeated f times along {@code axis}: a broadcast view, no kernel. */
    private static Tensor repeatEach(Tensor x, int axis, int f) {
        int[] s = x.shape();
        int[] one = new int[s.length + 1], rep = new int[s.length + 1];
        for (int i = 0, k = 0; i < s.length; i++) {
            one[k] = s[i];
            rep[k++] = s[i];
            if (i == axis) { one[k] = 1; rep[k++] = f; }
        }
        int[] out = s.clone();
        out[axis] = s[axis] * f;
        return x.reshape(one).expand(rep).reshape(out);
    }
}
