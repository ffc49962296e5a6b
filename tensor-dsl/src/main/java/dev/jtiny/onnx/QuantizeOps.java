// ONNX's quantization boundary operators (QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear) for QDQ models.
package dev.jtiny.onnx;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.DType;

import java.util.Arrays;

import static dev.jtiny.onnx.Operator.single;
import static dev.jtiny.onnx.Operators.add;

/**
 * A QDQ model keeps float operators between DequantizeLinear and QuantizeLinear pairs, so these two (per tensor or
 * per axis, int8 or uint8) are what it takes to run one: q = saturate(round_half_even(x / scale) + zero_point) and
 * x = (q - zero_point) * scale. Blocked quantization (opset 21's block_size) and 8-bit floats are refused at load.
 */
final class QuantizeOps {
    private QuantizeOps() {}

    static void register() {
        add("QuantizeLinear", 10, a -> {
            int axis = a.opset >= 13 ? a.int32("axis", 1) : 1;
            if (a.opset >= 19) a.choice("saturate", 1, 1);
            if (a.opset >= 21) {
                a.choice("block_size", 0, 0);
                if (a.has("output_dtype")) {
                    DType d = OnnxTensors.dtypeOf((int) a.i("output_dtype", 0), "output_dtype");
                    if (d != DType.UINT8 && d != DType.INT8) throw a.error("output_dtype " + d + " is not supported (uint8 or int8)");
                }
            }
            return single(in -> {
                Tensor x = in.t(0), scale = in.t(1), zp = in.opt(2);
                DType out = zp != null ? zp.dtype() : DType.UINT8;
                if (out != DType.UINT8 && out != DType.INT8) throw in.error("quantizing to " + out + " is not supported (uint8 or int8)");
                Tensor s = perAxis(in, scale, x, axis), z = zp == null ? null : perAxis(in, zp, x, axis);
                Tensor q = ElementwiseOps.roundHalfEven(x.cast(DType.FLOAT32).div(s.cast(DType.FLOAT32)));
                if (z != null) q = q.add(z.cast(DType.FLOAT32));
                return q.clamp(out.min(), out.max()).cast(out);
            });
        });
        add("DequantizeLinear", 10, a -> {
            int axis = a.opset >= 13 ? a.int32("axis", 1) : 1;
            if (a.opset >= 21) a.choice("block_size", 0, 0);
            return single(in -> {
                Tensor x = in.t(0), scale = in.t(1), zp = in.opt(2);
                Tensor s = perAxis(in, scale, x, axis);
                Tensor v = x.cast(DType.FLOAT32);
                if (zp != null) v = v.sub(perAxis(in, zp, x, axis).cast(DType.FLOAT32));
                return v.mul(s.cast(DType.FLOAT32)).cast(scale.dtype());
            });
        });
        add("DynamicQuantizeLinear", 11, a -> in -> {
            Tensor x = in.t(0).cast(DType.FLOAT32);
            Tensor lo = x.min().minimum(0), hi = x.max().maximum(0);
            Tensor scale = hi.sub(lo).div(255);
            Tensor zp = ElementwiseOps.roundHalfEven(lo.neg().div(scale)).clamp(0, 255);
            Tensor y = ElementwiseOps.roundHalfEven(x.div(scale)).add(zp).clamp(0, 255).cast(DType.UINT8);
            return new Object[]{y, scale, zp.cast(DType.UINT8)};
        });
    }

    /** A scalar, or a 1-D per-channel parameter laid along {@code axis} of {@code x}. */
    private static Tensor perAxis(Args in, Tensor p, Tensor x, int axis) {
        if (p.numel() == 1) return p.reshape();
        if (p.ndim() != 1) throw in.error("blocked quantization parameters of shape " + Arrays.toString(p.shape()) + " are not supported");
        int ax = ShapeOps.axis(in, axis, x.ndim());
        if (p.shape()[0] != x.shape()[ax]) throw in.error(p.shape()[0] + " per-axis parameters do not match dimension " + ax + " of " + Arrays.toString(x.shape()));
        int[] s = new int[x.ndim()];
        Arrays.fill(s, 1);
        s[ax] = p.shape()[0];
        return p.reshape(s);
    }
}
