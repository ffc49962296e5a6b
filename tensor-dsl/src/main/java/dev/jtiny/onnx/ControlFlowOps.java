// ONNX control flow: If, Loop and Scan run their subgraphs on the host's decision, building Tensor ops as they go.
package dev.jtiny.onnx;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.DType;

import java.util.ArrayList;
import java.util.List;

import static dev.jtiny.onnx.Operators.add;

/**
 * The condition of an If, and a Loop's trip count and condition, are read back to the host (a realize), then the
 * chosen subgraph's nodes build ordinary lazy Tensor ops, reading the enclosing graph's values by name. A Loop
 * (and a Scan) realizes its carried values after every iteration, so a long loop does not grow one ever larger graph.
 */
final class ControlFlowOps {
    private ControlFlowOps() {}

    static void register() {
        add("If", 1, a -> {
            CompiledGraph then = a.subgraph("then_branch"), otherwise = a.subgraph("else_branch");
            if (then.outputNames().size() != a.outputCount() || otherwise.outputNames().size() != a.outputCount()) {
                throw a.error("the branches have " + then.outputNames().size() + " and " + otherwise.outputNames().size()
                        + " outputs, the node " + a.outputCount());
            }
            return in -> {
                CompiledGraph branch = in.scalar(0) != 0 ? then : otherwise;
                CompiledGraph.Scope s = new CompiledGraph.Scope(in.scope);
                branch.bindWeights(s, in.device);
                branch.run(s, in.device);
                return branch.outputNames().stream().map(s::get).toArray();
            };
        });
        add("Loop", 1, a -> {
            CompiledGraph body = a.subgraph("body");
            int carried = a.node.inputs().size() - 2;
            List<String> bodyIn = body.inputNames(), bodyOut = body.outputNames();
            if (carried < 0 || bodyIn.size() != carried + 2) {
                throw a.error("the body takes " + bodyIn.size() + " inputs; it needs the iteration number, the condition and "
                        + Math.max(carried, 0) + " loop-carried values");
            }
            int scans = bodyOut.size() - 1 - carried;
            if (scans < 0 || a.outputCount() > carried + scans) throw a.error("the body's " + bodyOut.size() + " outputs do not match the node's");
            return in -> {
                long max = in.has(0) ? in.scalarLong(0) : Long.MAX_VALUE;
                boolean cond = !in.has(1) || in.scalar(1) != 0;
                Object[] state = new Object[carried];
                for (int i = 0; i < carried; i++) state[i] = in.value(2 + i);
                List<List<Tensor>> scanned = new ArrayList<>();
                for (int j = 0; j < scans; j++) scanned.add(new ArrayList<>());
                for (long it = 0; it < max && cond; it++) {
                    CompiledGraph.Scope s = new CompiledGraph.Scope(in.scope);
                    s.put(bodyIn.get(0), in.full(new int[0], it, DType.INT64));
                    s.put(bodyIn.get(1), in.full(new int[0], 1, DType.BOOL));
                    for (int i = 0; i < carried; i++) s.put(bodyIn.get(2 + i), state[i]);
                    body.bindWeights(s, in.device);
                    body.run(s, in.device);
                    cond = ((Tensor) s.get(bodyOut.get(0))).toDoubleArray()[0] != 0;
                    List<Tensor> toRealize = new ArrayList<>();
                    for (int i = 0; i < carried; i++) {
                        state[i] = s.get(bodyOut.get(1 + i));
                        if (state[i] instanceof Tensor t) toRealize.add(t);
                    }
                    for (int j = 0; j < scans; j++) scanned.get(j).add((Tensor) s.get(bodyOut.get(1 + carried + j)));
                    Tensor.realize(toRealize.toArray(Tensor[]::new));
                }
                Object[] out = new Object[carried + scans];
                System.arraycopy(state, 0, out, 0, carried);
                for (int j = 0; j < scans; j++) {
                    List<Tensor> l = scanned.get(j);
                    if (l.isEmpty()) throw in.error("the loop ran no iterations, so scan output " + j + " has no shape");
                    List<Tensor> u = l.stream().map(t -> t.unsqueeze(0)).toList();
                    out[carried + j] = ShapeOps.concat(in, u, 0);
                }
                return out;
            };
        });
        add("Scan", 9, ControlFlowOps::scan);
    }

    /**
     * Scan (opset 9 on): N state values and M scan inputs sliced along their scan axes, one slice per iteration; the
     * body returns the new states and K slices that are stacked into the scan outputs.
     */
    private static Operator.Step scan(NodeAttrs a) {
        CompiledGraph body = a.subgraph("body");
        int m = (int) a.i("num_scan_inputs");
        int total = a.node.inputs().size(), n = total - m;
        int k = body.outputNames().size() - n;
        if (n < 0 || k < 0 || body.inputNames().size() != total) throw a.error("the body's inputs and outputs do not match " + n + " states and " + m + " scan inputs");
        long[] inAxes = orZeros(a.ints("scan_input_axes"), m), inDirs = orZeros(a.ints("scan_input_directions"), m);
        long[] outAxes = orZeros(a.ints("scan_output_axes"), k), outDirs = orZeros(a.ints("scan_output_directions"), k);
        List<String> bodyIn = body.inputNames(), bodyOut = body.outputNames();
        return in -> {
            Object[] state = new Object[n];
            for (int i = 0; i < n; i++) state[i] = in.value(i);
            Tensor[] xs = new Tensor[m];
            int[] axes = new int[m];
            int steps = -1;
            for (int j = 0; j < m; j++) {
                xs[j] = in.t(n + j);
                axes[j] = ShapeOps.axis(in, (int) inAxes[j], xs[j].ndim());
                int len = xs[j].shape()[axes[j]];
                if (steps >= 0 && len != steps) throw in.error("scan inputs have lengths " + steps + " and " + len);
                steps = len;
            }
            List<List<Tensor>> scanned = new ArrayList<>();
            for (int j = 0; j < k; j++) scanned.add(new ArrayList<>());
            for (int it = 0; it < steps; it++) {
                CompiledGraph.Scope s = new CompiledGraph.Scope(in.scope);
                for (int i = 0; i < n; i++) s.put(bodyIn.get(i), state[i]);
                for (int j = 0; j < m; j++) {
                    int at = inDirs[j] != 0 ? steps - 1 - it : it;
                    s.put(bodyIn.get(n + j), xs[j].slice(axes[j], at, at + 1).squeeze(axes[j]));
                }
                body.bindWeights(s, in.device);
                body.run(s, in.device);
                List<Tensor> toRealize = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    state[i] = s.get(bodyOut.get(i));
                    if (state[i] instanceof Tensor t) toRealize.add(t);
                }
                for (int j = 0; j < k; j++) scanned.get(j).add((Tensor) s.get(bodyOut.get(n + j)));
                Tensor.realize(toRealize.toArray(Tensor[]::new));
            }
            Object[] out = new Object[n + k];
            System.arraycopy(state, 0, out, 0, n);
            for (int j = 0; j < k; j++) {
                List<Tensor> l = new ArrayList<>(scanned.get(j));
                if (l.isEmpty()) throw in.error("the scan ran no iterations, so scan output " + j + " has no shape");
                if (outDirs[j] != 0) java.util.Collections.reverse(l);
                int ax = ShapeOps.axis(in, (int) outAxes[j], l.getFirst().ndim() + 1);
                out[n + j] = ShapeOps.concat(in, l.stream().map(t -> t.unsqueeze(ax)).toList(), ax);
            }
            return out;
        };
    }

    private static long[] orZeros(long[] v, int n) { return v != null ? v : new long[n]; }
}
