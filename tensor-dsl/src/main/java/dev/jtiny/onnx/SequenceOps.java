// ONNX sequence operators: a sequence is an immutable List of Tensors that flows between nodes like a tensor does.
package dev.jtiny.onnx;

import dev.jtiny.Tensor;

import java.util.ArrayList;
import java.util.List;

import static dev.jtiny.onnx.Operator.single;
import static dev.jtiny.onnx.Operators.add;

/** Sequences live only inside a run: graph inputs and outputs are tensors. Positions may count from the end. */
final class SequenceOps {
    private SequenceOps() {}

    static void register() {
        add("SequenceEmpty", 11, a -> {
            if (a.has("dtype")) OnnxTensors.dtypeOf((int) a.i("dtype", 1), "SequenceEmpty's dtype");
            return single(in -> List.of());
        });
        add("SequenceConstruct", 11, a -> single(in -> {
            List<Tensor> l = new ArrayList<>();
            for (int i = 0; i < in.count(); i++) l.add(in.t(i));
            return List.copyOf(l);
        }));
        add("SequenceInsert", 11, a -> single(in -> {
            List<Tensor> l = new ArrayList<>(in.seq(0));
            int at = in.has(2) ? position(in, in.scalarLong(2), l.size(), true) : l.size();
            l.add(at, in.t(1));
            return List.copyOf(l);
        }));
        add("SequenceErase", 11, a -> single(in -> {
            List<Tensor> l = new ArrayList<>(in.seq(0));
            if (l.isEmpty()) throw in.error("cannot erase from an empty sequence");
            int at = in.has(1) ? position(in, in.scalarLong(1), l.size(), false) : l.size() - 1;
            l.remove(at);
            return List.copyOf(l);
        }));
        add("SequenceAt", 11, a -> single(in -> {
            List<Tensor> l = in.seq(0);
            return l.get(position(in, in.scalarLong(1), l.size(), false));
        }));
        add("SequenceLength", 11, a -> single(in -> in.on(Tensor.of(new long[]{in.seq(0).size()}).reshape())));
        add("SplitToSequence", 11, a -> {
            int axis = a.int32("axis", 0);
            boolean keep = a.i("keepdims", 1) != 0;
            return single(in -> {
                Tensor x = in.t(0);
                int ax = ShapeOps.axis(in, axis, x.ndim());
                int n = x.shape()[ax];
                List<Tensor> l = new ArrayList<>();
                if (!in.has(1)) {
                    for (int i = 0; i < n; i++) {
                        Tensor part = x.slice(ax, i, i + 1);
                        l.add(keep ? part : part.squeeze(ax));
                    }
                    return List.copyOf(l);
                }
                Tensor split = in.t(1);
                int[] sizes;
                if (split.ndim() == 0) {
                    int chunk = (int) in.scalarLong(1);
                    if (chunk <= 0) throw in.error("split size " + chunk + " must be positive");
                    sizes = new int[(n + chunk - 1) / chunk];
                    for (int i = 0; i < sizes.length; i++) sizes[i] = Math.min(chunk, n - i * chunk);
                } else {
                    sizes = ShapeOps.ints(in, 1);
                }
                int at = 0;
                for (int s : sizes) {
                    l.add(x.slice(ax, at, at + s));
                    at += s;
                }
                if (at != n) throw in.error("split sizes " + java.util.Arrays.toString(sizes) + " do not add up to " + n);
                return List.copyOf(l);
            });
        });
        add("ConcatFromSequence", 11, a -> {
            int axis = (int) a.i("axis");
            boolean newAxis = a.i("new_axis", 0) != 0;
            return single(in -> {
                List<Tensor> l = in.seq(0);
                if (l.isEmpty()) throw in.error("cannot concatenate an empty sequence");
                if (!newAxis) return ShapeOps.concat(in, l, axis);
                int ax = ShapeOps.axis(in, axis, l.getFirst().ndim() + 1);
                List<Tensor> u = l.stream().map(t -> t.unsqueeze(ax)).toList();
                return ShapeOps.concat(in, u, ax);
            });
        });
    }

    /** A position in [-n, n) (or [-n, n] where inserting at the end is allowed), as a list index. */
    private static int position(Args in, long p, int n, boolean insert) {
        long q = p < 0 ? p + n : p;
        if (q < 0 || q > n || (!insert && q == n)) throw in.error("position " + p + " is out of range for a sequence of " + n);
        return (int) q;
    }
}
