// A kernel after linearization: what renderers print and what the runtime launches and logs.
package dev.jtiny.runtime.codegen;

import dev.jtiny.runtime.DType;

import java.util.List;

/**
 * @param name      E_… for elementwise kernels, r_… for kernels with a reduction; the dims follow
 * @param uops      the statements run for each output element {@code gidx}
 * @param global    number of work items
 * @param lanes     output elements (or reduction partials) per work item: 1 unless upcast
 * @param flops     floating-point (or integer) ops for one launch, estimated from the statements
 * @param plan      the optimisation steps it was linearized with
 * @param group     0, or the size of the work-group that computes each output element together ({@code global}
 *                  groups of {@code group} items; the statements read their item's number as {@code lid})
 * @param block     0, or the work-group size a staged kernel must launch with: its block's items share the copies
 *                  in work-group memory (the global size is a multiple of it)
 */
public record LinearKernel(String name, List<UOp> uops, List<DType> argTypes, int global, int lanes, long flops,
                           List<String> fusedOps, Plan plan, int group, int block) {

    /** The statements with lanes expanded into scalars, for renderers without vectors. */
    public List<UOp> scalarUops() { return Lanes.expand(uops, lanes); }

    /** A readable listing of the statements, for DEBUG=5. */
    public String listing() {
        StringBuilder b = new StringBuilder();
        int depth = 0;
        for (UOp u : uops) {
            if (u instanceof UOp.End) depth--;
            b.append("  ".repeat(Math.max(depth, 0)) + u).append('\n');
            if (u instanceof UOp.Loop || u instanceof UOp.If) depth++;
        }
        return b.toString();
    }
}
