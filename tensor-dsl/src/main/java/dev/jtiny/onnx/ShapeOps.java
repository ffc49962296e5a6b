// ONNX operators that move, cut, join and make tensors: views and constants, plus the shape arithmetic that feeds them.
package dev.jtiny.onnx;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.DType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.jtiny.onnx.Operator.single;
import static dev.jtiny.onnx.Operators.add;

/**
 * Movement operators become jtiny's views (reshape, permute, expand, pad, shrink, flip), which cost no kernel of
 * their own. Inputs that say how to move (Reshape's shape, Slice's starts, Pad's pads, ...) are read to the host.
 */
final class ShapeOps {
    private ShapeOps() {}

    static void register() {
        add("Identity", 1, a -> single(in -> in.value(0)));
        add("Dropout", 1, ShapeOps::dropout);
        add("Reshape", 1, ShapeOps::reshape);
        add("Flatten", 1, a -> {
            int axis = a.int32("axis", 1);
            return single(in -> {
                Tensor x = in.t(0);
                int ax = axis < 0 ? axis + x.ndim() : axis;
                if (ax < 0 || ax > x.ndim()) throw in.error("axis " + axis + " is out of range for shape " + Arrays.toString(x.shape()));
                long outer = 1;
                for (int i = 0; i < ax; i++) outer *= x.shape()[i];
                return x.reshape((int) outer, (int) (x.numel() / Math.max(outer, 1)));
            });
        });
        add("Transpose", 1, a -> {
            int[] perm = a.int32s("perm");
            return single(in -> {
                Tensor x = in.t(0);
                int[] p = perm;
                if (p == null) {
                    p = new int[x.ndim()];
                    for (int i = 0; i < p.length; i++) p[i] = p.length - 1 - i;
                }
                return x.permute(p);
            });
        });
        add("Squeeze", 1, a -> {
            int[] attr = a.opset < 13 ? a.int32s("axes") : null;
            return single(in -> {
                Tensor x = in.t(0);
                int[] axes = a.opset < 13 ? attr : in.has(1) ? ints(in, 1) : null;
                if (axes == null) return x.squeeze();
                boolean[] drop = new boolean[x.ndim()];
                for (int ax : axes) {
                    int k = axis(in, ax, x.ndim());
                    if (x.shape()[k] != 1) throw in.error("cannot squeeze axis " + ax + " of size " + x.shape()[k] + " (shape " + Arrays.toString(x.shape()) + ")");
                    drop[k] = true;
                }
                int[] s = new int[x.ndim()];
                int n = 0;
                for (int i = 0; i < drop.length; i++) if (!drop[i]) s[n++] = x.shape()[i];
                return x.reshape(Arrays.copyOf(s, n));
            });
        });
        add("Unsqueeze", 1, a -> {
            int[] attr = a.opset < 13 ? a.int32s("axes") : null;
            if (a.opset < 13 && attr == null) throw a.error("required attribute 'axes' is missing");
            return single(in -> {
                Tensor x = in.t(0);
                int[] axes = a.opset < 13 ? attr : ints(in, 1);
                int rank = x.ndim() + axes.length;
                boolean[] added = new boolean[rank];
                for (int ax : axes) {
                    int k = axis(in, ax, rank);
                    if (added[k]) throw in.error("axis " + ax + " repeats in " + Arrays.toString(axes));
                    added[k] = true;
                }
                int[] s = new int[rank];
                for (int i = 0, j = 0; i < rank; i++) s[i] = added[i] ? 1 : x.shape()[j++];
                return x.reshape(s);
            });
        });
        add("Concat", 1, a -> {
            int axis = a.opset < 4 ? a.int32("axis", 1) : (int) a.i("axis");
            return single(in -> {
                List<Tensor> ts = new ArrayList<>();
                for (int i = 0; i < in.count(); i++) if (in.has(i)) ts.add(in.t(i));
                return concat(in, ts, axis);
            });
        });
        add("Split", 1, ShapeOps::split);
        add("Slice", 1, ShapeOps::slice);
        add("Gather", 1, a -> {
            int axis = a.int32("axis", 0);
            return single(in -> gather(in, in.t(0), in.t(1), axis));
        });
        add("GatherElements", 11, a -> {
            int axis = a.int32("axis", 0);
            return single(in -> {
                Tensor x = in.t(0);
                int ax = axis(in, axis, x.ndim());
                return x.gather(ax, wrapIndex(in.t(1), x.shape()[ax]));
            });
        });
        add("Shape", 1, a -> {
            long start = a.opset >= 15 ? a.i("start", 0) : 0;
            Long end = a.opset >= 15 && a.has("end") ? a.i("end") : null;
            return single(in -> {
                int[] s = in.t(0).shape();
                int r = s.length;
                int lo = (int) Math.clamp(start < 0 ? start + r : start, 0, r);
                int hi = end == null ? r : (int) Math.clamp(end < 0 ? end + r : end, 0, r);
                long[] v = new long[Math.max(hi - lo, 0)];
                for (int i = 0; i < v.length; i++) v[i] = s[lo + i];
                return in.longsTensor(v);
            });
        });
        add("Size", 1, a -> single(in -> in.on(Tensor.of(new long[]{in.t(0).numel()}).reshape())));
        add("Constant", 1, ShapeOps::constant);
        add("ConstantOfShape", 9, a -> {
            Tensor value = a.tensor("value");
            double v = value == null ? 0 : value.toDoubleArray()[0];
            DType d = value == null ? DType.FLOAT32 : value.dtype();
            if (value != null && value.numel() != 1) throw a.error("attribute 'value' must hold one element, got shape " + Arrays.toString(value.shape()));
            return single(in -> in.full(shapeArg(in, 0), v, d));
        });
        add("Expand", 8, a -> single(in -> {
            Tensor x = in.t(0);
            int[] target = ints(in, 1);
            int n = Math.max(target.length, x.ndim());
            int[] out = new int[n];
            for (int i = 0; i < n; i++) {
                int xs = i - (n - x.ndim()) >= 0 ? x.shape()[i - (n - x.ndim())] : 1;
                int ts = i - (n - target.length) >= 0 ? target[i - (n - target.length)] : 1;
                if (xs != ts && xs != 1 && ts != 1) throw in.error("cannot expand shape " + Arrays.toString(x.shape()) + " to " + Arrays.toString(target));
                out[i] = xs == 1 ? ts : xs;
            }
            return x.broadcastTo(out);
        }));
        add("Tile", 6, a -> single(in -> {
            Tensor x = in.t(0);
            int[] reps = ints(in, 1);
            if (reps.length != x.ndim()) throw in.error("repeats " + Arrays.toString(reps) + " must have one entry per dimension of " + Arrays.toString(x.shape()));
            return x.repeat(reps);
        }));
        add("Pad", 1, ShapeOps::pad);
        add("Range", 11, a -> single(in -> {
            Tensor st = in.t(0);
            double start = in.scalar(0), limit = in.scalar(1), delta = in.scalar(2);
            if (delta == 0) throw in.error("delta must not be 0");
            int n = (int) Math.max(Math.ceil((limit - start) / delta), 0);
            double[] v = new double[n];
            for (int i = 0; i < n; i++) v[i] = start + i * delta;
            return in.on(Tensor.of(v, st.dtype(), n));
        }));
        add("DepthToSpace", 1, a -> {
            int b = (int) a.i("blocksize");
            boolean crd = a.opset >= 11 && a.choice("mode", "DCR", "DCR", "CRD").equals("CRD");
            return single(in -> {
                Tensor x = in.t(0);
                int[] s = x.shape();
                if (s.length != 4 || s[1] % (b * b) != 0) throw in.error("input of shape " + Arrays.toString(s) + " is not (N, C*" + b * b + ", H, W)");
                int n = s[0], c = s[1] / (b * b), h = s[2], w = s[3];
                Tensor t = crd ? x.reshape(n, c, b, b, h, w).permute(0, 1, 4, 2, 5, 3)
                        : x.reshape(n, b, b, c, h, w).permute(0, 3, 4, 1, 5, 2);
                return t.reshape(n, c, h * b, w * b);
            });
        });
        add("SpaceToDepth", 1, a -> {
            int b = (int) a.i("blocksize");
            return single(in -> {
                Tensor x = in.t(0);
                int[] s = x.shape();
                if (s.length != 4 || s[2] % b != 0 || s[3] % b != 0) throw in.error("input of shape " + Arrays.toString(s) + " is not (N, C, H*" + b + ", W*" + b + ")");
                int n = s[0], c = s[1], h = s[2] / b, w = s[3] / b;
                return x.reshape(n, c, h, b, w, b).permute(0, 3, 5, 1, 2, 4).reshape(n, c * b * b, h, w);
            });
        });
        add("Trilu", 14, a -> {
            boolean upper = a.i("upper", 1) != 0;
            return single(in -> {
                int k = in.has(1) ? (int) Math.clamp(in.scalarLong(1), -Integer.MAX_VALUE / 2, Integer.MAX_VALUE / 2) : 0;
                return upper ? in.t(0).triu(k) : in.t(0).tril(k);
            });
        });
        add("OneHot", 9, a -> {
            int axis = a.int32("axis", -1);
            return single(in -> {
                Tensor idx = in.t(0), values = in.t(2);
                int depth = (int) in.scalar(1);
                int rank = idx.ndim() + 1;
                int ax = axis(in, axis, rank);
                Tensor i = idx.dtype().isFloat() ? idx.trunc().cast(DType.INT64) : idx.cast(DType.INT64);
                i = i.lt(0).where(i.add(depth), i).unsqueeze(ax);
                int[] pos = new int[rank];
                Arrays.fill(pos, 1);
                pos[ax] = depth;
                Tensor positions = in.on(Tensor.arange(depth)).cast(DType.INT64).reshape(pos);
                Tensor v = values.flatten();
                return i.eq(positions).where(v.slice(0, 1, 2).reshape(), v.slice(0, 0, 1).reshape());
            });
        });
        add("NonZero", 9, a -> single(in -> {
            Tensor x = in.t(0);
            boolean[] nz = x.ne(0).toBooleanArray();
            int[] s = x.shape();
            int count = 0;
            for (boolean b : nz) if (b) count++;
            long[] out = new long[s.length * count];
            for (int flat = 0, k = 0; flat < nz.length; flat++) {
                if (!nz[flat]) continue;
                for (int d = s.length - 1, r = flat; d >= 0; d--) {
                    out[d * count + k] = r % s[d];
                    r /= s[d];
                }
                k++;
            }
            return in.on(Tensor.of(out, s.length, count));
        }));
        add("EyeLike", 9, a -> {
            int k = a.int32("k", 0);
            Integer dtype = a.has("dtype") ? (int) a.i("dtype", 1) : null;
            DType d = dtype == null ? null : OnnxTensors.dtypeOf(dtype, "EyeLike's dtype");
            return single(in -> {
                Tensor x = in.t(0);
                if (x.ndim() != 2) throw in.error("input must be 2-D, got shape " + Arrays.toString(x.shape()));
                int rows = x.shape()[0], cols = x.shape()[1];
                Tensor r = in.on(Tensor.arange(rows)).reshape(rows, 1), c = in.on(Tensor.arange(cols)).reshape(1, cols);
                return c.sub(r).eq(k).cast(d != null ? d : x.dtype());
            });
        });
        add("Einsum", 12, a -> {
            String eq = a.s("equation", "");
            if (eq.contains("...")) throw a.error("equation '" + eq + "' uses an ellipsis, which jtiny's einsum does not support");
            for (String operand : eq.split("->")[0].split(",")) {
                String o = operand.trim();
                if (o.chars().distinct().count() != o.length()) throw a.error("equation '" + eq + "' repeats a letter within an operand (a diagonal), which jtiny's einsum does not support");
            }
            return single(in -> {
                Tensor[] ts = new Tensor[in.count()];
                for (int i = 0; i < ts.length; i++) ts[i] = in.t(i);
                return Tensor.einsum(eq, ts);
            });
        });
    }

    // ================================================================ helpers shared by the operators here

    /** An integer input as ints (shape values), clamping nothing: values beyond int range are an error. */
    static int[] ints(Args in, int i) {
        long[] v = in.longs(i);
        int[] r = new int[v.length];
        for (int k = 0; k < v.length; k++) {
            if (v[k] != (int) v[k]) throw in.error("input " + i + " holds " + v[k] + ", beyond the int range jtiny shapes use");
            r[k] = (int) v[k];
        }
        return r;
    }

    /** A shape input: non-negative sizes. */
    static int[] shapeArg(Args in, int i) {
        int[] s = ints(in, i);
        for (int d : s) if (d < 0) throw in.error("shape " + Arrays.toString(s) + " has a negative size");
        return s;
    }

    static int axis(Args in, int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw in.error("axis " + axis + " is out of range for rank " + rank);
        return a;
    }

    /** int32 indices with negative ones counted from the end of a dimension of size {@code n}. */
    static Tensor wrapIndex(Tensor idx, int n) {
        Tensor i = idx.cast(DType.INT32);
        return i.lt(0).where(i.add(n), i);
    }

    static Tensor concat(Args in, List<Tensor> ts, int axis) {
        if (ts.isEmpty()) throw in.error("nothing to concatenate");
        int ax = axis(in, axis, ts.getFirst().ndim());
        List<Tensor> nonEmpty = ts.stream().filter(t -> t.numel() > 0).toList();
        if (nonEmpty.isEmpty()) return ts.getFirst();
        if (nonEmpty.size() == 1) return nonEmpty.getFirst();
        return nonEmpty.getFirst().cat(ax, nonEmpty.subList(1, nonEmpty.size()).toArray(Tensor[]::new));
    }

    private static Operator.Step dropout(NodeAttrs a) {
        if (a.opset < 7) a.i("is_test", 0);
        if (a.opset < 12) a.f("ratio", 0.5);
        else a.i("seed", 0);
        boolean maskBool = a.opset >= 10;
        return in -> {
            Tensor x = in.t(0);
            if (a.opset >= 12 && in.has(2) && in.scalar(2) != 0) throw in.error("training_mode=true: jtiny runs ONNX models for inference only");
            Tensor mask = maskBool ? in.full(x.shape(), 1, DType.BOOL) : in.full(x.shape(), 1, x.dtype());
            return new Object[]{x, mask};
        };
    }

    private static Operator.Step reshape(NodeAttrs a) {
        int[] attrShape = a.opset < 5 ? a.int32s("shape") : null;
        boolean allowZero = a.opset >= 14 && a.i("allowzero", 0) != 0;
        return single(in -> {
            Tensor x = in.t(0);
            int[] s = a.opset < 5 ? attrShape.clone() : ints(in, 1);
            for (int i = 0; i < s.length; i++) {
                if (s[i] == 0 && !allowZero) {
                    if (i >= x.ndim()) throw in.error("shape " + Arrays.toString(s) + " copies dimension " + i + " that " + Arrays.toString(x.shape()) + " does not have");
                    s[i] = x.shape()[i];
                }
            }
            return x.reshape(s);
        });
    }

    private static Operator.Step constant(NodeAttrs a) {
        if (a.opset >= 11 && a.has("sparse_value")) throw a.error("attribute 'sparse_value' (a sparse constant) is not supported");
        if (a.opset >= 12 && (a.has("value_string") || a.has("value_strings"))) throw a.error("string constants are not supported: jtiny has no string dtype");
        Tensor value = a.tensor("value");
        if (value == null && a.opset >= 12) {
            if (a.has("value_float")) value = Tensor.scalar(a.f("value_float", 0));
            else if (a.has("value_floats")) { float[] f = a.floats("value_floats"); value = Tensor.of(f, f.length); }
            else if (a.has("value_int")) value = Tensor.of(new long[]{a.i("value_int", 0)}).reshape();
            else if (a.has("value_ints")) { long[] v = a.ints("value_ints"); value = Tensor.of(v, v.length); }
        }
        if (value == null) throw a.error("no value attribute");
        Tensor host = value.realize();
        DeviceCopies copies = new DeviceCopies(host);
        return single(in -> copies.on(in.device));
    }

    /** A host tensor and its copies on the devices it has been used on (so a Constant is copied once per device). */
    static final class DeviceCopies {
        private final Tensor host;
        private final java.util.Map<String, Tensor> copies = new java.util.concurrent.ConcurrentHashMap<>();

        /** A short integer constant's values are remembered on the host too (see {@link HostValues}). */
        DeviceCopies(Tensor host) { this.host = HostValues.read(host); }

        Tensor on(String device) {
            if (host.device().equals(device)) return host;
            return copies.computeIfAbsent(device, d -> HostValues.read(host.to(d).realize()));
        }
    }

    private static Operator.Step split(NodeAttrs a) {
        int axis = a.int32("axis", 0);
        int[] attrSplit = a.opset < 13 ? a.int32s("split") : null;
        int numOutputs = a.opset >= 18 && a.has("num_outputs") ? (int) a.i("num_outputs") : -1;
        int outs = a.outputCount();
        return in -> {
            Tensor x = in.t(0);
            int ax = axis(in, axis, x.ndim());
            int n = x.shape()[ax];
            int[] sizes = attrSplit;
            if (sizes == null && in.has(1)) sizes = ints(in, 1);
            if (sizes == null) {
                int parts = numOutputs > 0 ? numOutputs : outs;
                sizes = new int[parts];
                if (numOutputs > 0) {
                    int chunk = (n + parts - 1) / parts;
                    for (int i = 0; i < parts; i++) sizes[i] = Math.max(Math.min(chunk, n - i * chunk), 0);
                } else {
                    if (n % parts != 0) throw in.error("cannot split dimension " + ax + " of size " + n + " into " + parts + " equal parts");
                    Arrays.fill(sizes, n / parts);
                }
            }
            if (Arrays.stream(sizes).sum() != n) throw in.error("split sizes " + Arrays.toString(sizes) + " do not add up to " + n);
            Object[] r = new Object[sizes.length];
            for (int i = 0, at = 0; i < sizes.length; at += sizes[i], i++) r[i] = x.slice(ax, at, at + sizes[i]);
            return r;
        };
    }

    private static Operator.Step slice(NodeAttrs a) {
        long[] starts = a.opset < 10 ? a.ints("starts") : null, ends = a.opset < 10 ? a.ints("ends") : null;
        long[] axesAttr = a.opset < 10 ? a.ints("axes") : null;
        if (a.opset < 10 && (starts == null || ends == null)) throw a.error("attributes 'starts' and 'ends' are required");
        return single(in -> {
            Tensor x = in.t(0);
            long[] st = a.opset < 10 ? starts : in.longs(1), en = a.opset < 10 ? ends : in.longs(2);
            long[] ax = a.opset < 10 ? axesAttr : in.has(3) ? in.longs(3) : null;
            long[] steps = a.opset >= 10 && in.has(4) ? in.longs(4) : null;
            if (st.length != en.length) throw in.error("starts " + Arrays.toString(st) + " and ends " + Arrays.toString(en) + " differ in length");
            for (int i = 0; i < st.length; i++) {
                int axis = axis(in, ax == null ? i : (int) ax[i], x.ndim());
                x = sliceAxis(in, x, axis, st[i], en[i], steps == null ? 1 : steps[i]);
            }
            return x;
        });
    }

    /** numpy's x[start:end:step] on one axis, with ONNX's clamping of out-of-range starts and ends. */
    static Tensor sliceAxis(Args in, Tensor x, int axis, long start, long end, long step) {
        if (step == 0) throw in.error("slice step must not be 0");
        long dim = x.shape()[axis];
        if (start < 0) start += dim;
        if (end < 0) end += dim;
        int[][] r = new int[x.ndim()][];
        for (int i = 0; i < r.length; i++) r[i] = new int[]{0, x.shape()[i]};
        if (step > 0) {
            start = Math.clamp(start, 0, dim);
            end = Math.clamp(end, 0, dim);
            int count = (int) Math.max(0, (end - start + step - 1) / step);
            if (count == 0) { r[axis] = new int[]{0, 0}; return x.shrink(r); }
            r[axis] = new int[]{(int) start, (int) (start + (count - 1) * step + 1)};
            Tensor t = x.shrink(r);
            return step == 1 ? t : t.slice(axis, 0, t.shape()[axis], (int) step);
        }
        start = Math.clamp(start, 0, dim - 1);
        end = Math.clamp(end, -1, dim - 1);
        long s = -step;
        int count = (int) Math.max(0, (start - end + s - 1) / s);
        if (count == 0) { r[axis] = new int[]{0, 0}; return x.shrink(r); }
        r[axis] = new int[]{(int) (start - (count - 1) * s), (int) start + 1};
        Tensor t = x.shrink(r).flip(axis);
        return s == 1 ? t : t.slice(axis, 0, t.shape()[axis], (int) s);
    }

    /**
     * numpy's take: out = data.shape[:axis] + indices.shape + data.shape[axis+1:]. A handful of indices known on the
     * host (a constant, a shape position) become slices, a view; others a one-hot selection over the axis.
     */
    static Tensor gather(Args in, Tensor x, Tensor idx, int axis) {
        int ax = axis(in, axis, x.ndim());
        int n = x.shape()[ax];
        int[] xs = x.shape(), is = idx.shape();
        int[] out = new int[xs.length - 1 + is.length];
        System.arraycopy(xs, 0, out, 0, ax);
        System.arraycopy(is, 0, out, ax, is.length);
        System.arraycopy(xs, ax + 1, out, ax + is.length, xs.length - ax - 1);
        if (idx.isRealized() && idx.numel() <= 8 && idx.numel() > 0) {
            long[] v = idx.toLongArray();
            Tensor[] parts = new Tensor[v.length];
            for (int k = 0; k < v.length; k++) {
                long i = v[k] < 0 ? v[k] + n : v[k];
                if (i < 0 || i >= n) throw in.error("index " + v[k] + " is out of range for dimension " + ax + " of size " + n);
                parts[k] = x.slice(ax, (int) i, (int) i + 1);
            }
            Tensor t = parts.length == 1 ? parts[0] : parts[0].cat(ax, Arrays.copyOfRange(parts, 1, parts.length));
            return t.reshape(out);
        }
        Tensor flat = wrapIndex(idx, n).flatten();
        return x.take(ax, flat).reshape(out);
    }

    // ================================================================ Pad

    private static Operator.Step pad(NodeAttrs a) {
        String mode = a.choice("mode", "constant", "constant", "reflect", "edge", "wrap");
        if (mode.equals("wrap") && a.opset < 19) throw a.error("mode \"wrap\" exists from opset 19");
        long[] attrPads = a.opset < 11 ? a.ints(a.opset < 2 ? "paddings" : "pads") : null;
        double attrValue = a.opset < 11 ? a.f("value", 0) : 0;
        if (a.opset < 11 && attrPads == null) throw a.error("required attribute 'pads' is missing");
        return single(in -> {
            Tensor x = in.t(0);
            long[] pads = a.opset < 11 ? attrPads : in.longs(1);
            double value = a.opset < 11 ? attrValue : in.has(2) ? in.scalar(2) : 0;
            int r = x.ndim();
            int[] axes;
            if (a.opset >= 18 && in.has(3)) {
                int[] ax = ints(in, 3);
                axes = new int[ax.length];
                for (int i = 0; i < ax.length; i++) axes[i] = axis(in, ax[i], r);
            } else {
                axes = new int[r];
                for (int i = 0; i < r; i++) axes[i] = i;
            }
            if (pads.length != 2 * axes.length) throw in.error("pads " + Arrays.toString(pads) + " must have 2 values per padded axis (" + axes.length + " axes)");
            int[][] p = new int[r][2];
            for (int i = 0; i < axes.length; i++) {
                p[axes[i]][0] = (int) pads[i];
                p[axes[i]][1] = (int) pads[i + axes.length];
            }
            return padTensor(in, x, p, mode, value);
        });
    }

    /** Pads {before, after} per dimension (negative amounts cut) in one of ONNX's modes. */
    static Tensor padTensor(Args in, Tensor x, int[][] p, String mode, double value) {
        int r = x.ndim();
        int[][] keep = new int[r][];
        int[][] grow = new int[r][2];
        for (int i = 0; i < r; i++) {
            int lo = p[i][0], hi = p[i][1], n = x.shape()[i];
            keep[i] = new int[]{Math.max(-lo, 0), n - Math.max(-hi, 0)};
            if (keep[i][0] > keep[i][1]) throw in.error("pads " + Arrays.deepToString(p) + " cut more than dimension " + i + " of size " + n + " holds");
            grow[i] = new int[]{Math.max(lo, 0), Math.max(hi, 0)};
        }
        Tensor t = x.shrink(keep);
        if (mode.equals("constant")) return t.pad(grow, value);
        for (int i = 0; i < r; i++) {
            int lo = grow[i][0], hi = grow[i][1], n = t.shape()[i];
            if (lo == 0 && hi == 0) continue;
            List<Tensor> parts = new ArrayList<>();
            switch (mode) {
                case "edge" -> {
                    if (lo > 0) parts.add(expandAxis(t.slice(i, 0, 1), i, lo));
                    parts.add(t);
                    if (hi > 0) parts.add(expandAxis(t.slice(i, n - 1, n), i, hi));
                }
                case "reflect" -> {
                    if (lo >= n || hi >= n) throw in.error("reflect padding " + lo + "/" + hi + " needs more than " + n + " values in dimension " + i);
                    if (lo > 0) parts.add(t.slice(i, 1, lo + 1).flip(i));
                    parts.add(t);
                    if (hi > 0) parts.add(t.slice(i, n - 1 - hi, n - 1).flip(i));
                }
                default -> { // wrap
                    if (lo > n || hi > n) throw in.error("wrap padding " + lo + "/" + hi + " needs more than " + n + " values in dimension " + i);
                    if (lo > 0) parts.add(t.slice(i, n - lo, n));
                    parts.add(t);
                    if (hi > 0) parts.add(t.slice(i, 0, hi));
                }
            }
            t = parts.getFirst().cat(i, parts.subList(1, parts.size()).toArray(Tensor[]::new));
        }
        return t;
    }

    private static Tensor expandAxis(Tensor t, int axis, int n) {
        int[] s = t.shape();
        s[axis] = n;
        return t.expand(s);
    }
}
