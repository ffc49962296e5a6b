// ONNX's index-driven operators GatherND, ScatterND and ScatterElements, as one-hot selections over the indexed axes.
package dev.jtiny.onnx;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.DType;

import java.util.Arrays;

import static dev.jtiny.onnx.Operator.single;
import static dev.jtiny.onnx.Operators.add;

/**
 * jtiny has no data-dependent loads or stores, so an index tensor becomes a comparison against every position it
 * could name (a one-hot mask), and gathering or scattering becomes a masked sum: fused, and O(indices x positions)
 * work, which suits the small index tensors these operators usually get. Scatters with repeated indices follow
 * the reduction: none (the specification leaves duplicates undefined; here their values add up), add, mul, max, min.
 */
final class ScatterGatherOps {
    private ScatterGatherOps() {}

    static void register() {
        add("GatherND", 11, a -> {
            int batch = a.opset >= 12 ? a.int32("batch_dims", 0) : 0;
            return single(in -> gatherNd(in, in.t(0), in.t(1), batch));
        });
        add("ScatterND", 11, a -> {
            String reduction = a.opset >= 16 ? a.choice("reduction", "none", "none", "add", "mul", "max", "min") : "none";
            if (reduction.equals("max") || reduction.equals("min")) {
                if (a.opset < 18) throw a.error("reduction " + reduction + " exists from opset 18");
            }
            return single(in -> scatterNd(in, in.t(0), in.t(1), in.t(2), reduction));
        });
        add("ScatterElements", 11, a -> scatterElements(a));
        add("Scatter", 9, a -> {
            if (a.opset >= 11) throw a.error("Scatter was replaced by ScatterElements in opset 11");
            return scatterElements(a);
        });
    }

    /** Row-major linear positions of index tuples (last dimension k) into {@code dims}, negative entries wrapped. */
    private static Tensor linear(Tensor idx, int[] dims) {
        int k = dims.length;
        Tensor i = idx.cast(DType.INT32);
        Tensor lin = null;
        int stride = 1;
        for (int j = k - 1; j >= 0; j--) {
            Tensor c = i.slice(-1, j, j + 1).squeeze(-1);
            c = c.lt(0).where(c.add(dims[j]), c);
            Tensor term = stride == 1 ? c : c.mul(stride);
            lin = lin == null ? term : lin.add(term);
            stride *= dims[j];
        }
        return lin == null ? i.sum(-1).mul(0) : lin;
    }

    private static int product(int[] s, int from, int to) {
        int n = 1;
        for (int i = from; i < to; i++) n *= s[i];
        return n;
    }

    static Tensor gatherNd(Args in, Tensor data, Tensor idx, int b) {
        int[] ds = data.shape(), is = idx.shape();
        int k = is[is.length - 1];
        if (b + k > ds.length) throw in.error("index tuples of length " + k + " with " + b + " batch dimensions do not fit data of shape " + Arrays.toString(ds));
        int batch = product(ds, 0, b), positions = product(ds, b, b + k), rest = product(ds, b + k, ds.length);
        int m = product(is, b, is.length - 1);
        Tensor lin = linear(idx, Arrays.copyOfRange(ds, b, b + k)).reshape(batch, m, 1);
        Tensor hot = lin.eq(in.on(Tensor.arange(positions)).reshape(1, 1, positions));          // (B, M, P)
        Tensor d = data.reshape(batch, 1, positions, rest);
        Tensor picked = hot.unsqueeze(-1).where(d, 0.0).sum(2);                                // (B, M, R)
        int[] out = new int[is.length - 1 + ds.length - b - k];
        System.arraycopy(is, 0, out, 0, is.length - 1);
        System.arraycopy(ds, b + k, out, is.length - 1, ds.length - b - k);
        return picked.cast(data.dtype()).reshape(out);
    }

    static Tensor scatterNd(Args in, Tensor data, Tensor idx, Tensor updates, String reduction) {
        int[] ds = data.shape(), is = idx.shape();
        int k = is[is.length - 1];
        int positions = product(ds, 0, k), rest = product(ds, k, ds.length), m = product(is, 0, is.length - 1);
        Tensor lin = linear(idx, Arrays.copyOfRange(ds, 0, k)).reshape(m, 1, 1);
        Tensor hot = lin.eq(in.on(Tensor.arange(positions)).reshape(1, positions, 1));           // (M, P, 1)
        Tensor upd = updates.reshape(m, 1, rest);
        Tensor d = data.reshape(positions, rest);
        return combine(hot, upd, d, 0, reduction).reshape(ds);
    }

    /**
     * Folds updates into data over the index axis {@code axis} of {@code hot} (a bool mask broadcasting against
     * {@code upd}); positions no index names keep their data.
     */
    private static Tensor combine(Tensor hot, Tensor upd, Tensor data, int axis, String reduction) {
        Tensor any = hot.cast(DType.INT32).max(axis).cast(DType.BOOL);
        Tensor r = switch (reduction) {
            case "none" -> hot.where(upd, 0.0).sum(axis).cast(data.dtype());
            case "add" -> data.add(hot.where(upd, 0.0).sum(axis).cast(data.dtype()));
            case "mul" -> data.mul(hot.where(upd, 1.0).prod(axis).cast(data.dtype()));
            case "max" -> data.maximum(hot.where(upd, data.dtype().min()).max(axis).cast(data.dtype()));
            default -> data.minimum(hot.where(upd, data.dtype().max()).min(axis).cast(data.dtype()));
        };
        return any.broadcastTo(data.shape()).where(r, data);
    }

    private static Operator.Step scatterElements(NodeAttrs a) {
        int axis = a.int32("axis", 0);
        String reduction = a.opset >= 16 && a.opType().equals("ScatterElements")
                ? a.choice("reduction", "none", "none", "add", "mul", "max", "min") : "none";
        if ((reduction.equals("max") || reduction.equals("min")) && a.opset < 18) throw a.error("reduction " + reduction + " exists from opset 18");
        return single(in -> {
            Tensor data = in.t(0), idx = in.t(1), upd = in.t(2);
            int r = data.ndim();
            int ax = ShapeOps.axis(in, axis, r);
            int[] ds = data.shape(), is = idx.shape();
            if (is.length != r || !Arrays.equals(is, upd.shape())) {
                throw in.error("indices " + Arrays.toString(is) + " and updates " + Arrays.toString(upd.shape()) + " must have one shape, of the data's rank " + r);
            }
            int n = ds[ax];
            // hot[..., i_ax, p, ...] = idx[..., i_ax, ...] == p, with p on a new axis after ax
            Tensor i = ShapeOps.wrapIndex(idx, n).unsqueeze(ax + 1);
            int[] pos = new int[r + 1];
            Arrays.fill(pos, 1);
            pos[ax + 1] = n;
            Tensor hot = i.eq(in.on(Tensor.arange(n)).reshape(pos));
            // the other dimensions of indices may be shorter than the data's: pad the mask and updates out to them
            int[][] pads = new int[r + 1][2];
            for (int d = 0, k = 0; d < r; d++, k++) {
                if (d == ax) { k++; continue; }
                pads[k][1] = ds[d] - is[d];
                if (pads[k][1] < 0) throw in.error("indices of shape " + Arrays.toString(is) + " are larger than the data " + Arrays.toString(ds));
            }
            Tensor hotP = hot.pad(pads);
            Tensor updP = upd.unsqueeze(ax + 1).pad(onlyOthers(pads, ax));
            return combine(hotP, updP, data, ax, reduction);
        });
    }

    private static int[][] onlyOthers(int[][] pads, int ax) {
        int[][] p = new int[pads.length][];
        for (int i = 0; i < pads.length; i++) p[i] = pads[i].clone();
        p[ax + 1] = new int[]{0, 0};
        return p;
    }
}
