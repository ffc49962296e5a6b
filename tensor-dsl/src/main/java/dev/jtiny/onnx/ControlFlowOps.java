// ONNX control flow: If and Loop run their subgraphs on the host's decision, building Tensor ops as they go.
package dev.jtiny.onnx;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.DType;

import java.util.ArrayList;
import java.util.List;

import static dev.jtiny.onnx.Operators.add;

/**
 * The condition of an If, and a Loop's trip count and condition, are read back to the host (a realize), then the
 * chosen subgraph's nodes build ordinary lazy Tensor ops, reading the enclosing graph's values by name. A Loop
 * realizes its loop-carried values after every iteration, so a long loop does not grow one ever larger graph.
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
    }
}
