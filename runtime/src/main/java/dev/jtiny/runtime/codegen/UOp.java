// The linearized form of a kernel: a flat list of statements every renderer prints in its own language.
package dev.jtiny.runtime.codegen;

import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.Op;
import dev.jtiny.runtime.view.Expr;

import java.util.List;

/**
 * Statements run once per work item. When a kernel is upcast, a work item computes several lanes at once: a
 * statement marked {@code vec} holds one value per lane (its index expressions use the variable {@code lane});
 * the rest hold one value shared by every lane. {@link Lanes#expand} turns lanes into plain scalar statements for
 * renderers without vectors; the Java renderer can print them with the Vector API instead.
 */
public sealed interface UOp {
    /** {@code out = valid ? data[arg][index] : 0} */
    record Load(String out, DType dtype, int arg, Expr index, Expr valid, boolean vec) implements UOp {}
    /** {@code out = valid ? value : 0} */
    record Const(String out, DType dtype, double value, Expr valid, boolean vec) implements UOp {}
    /** {@code out = op(args)}; {@code srcType} is the dtype of the first operand (of the second for WHERE). */
    record Alu(String out, DType dtype, Op op, DType srcType, List<String> args, boolean vec) implements UOp {}
    /** A variable holding {@code init}: accumulators and guarded values. */
    record DefineVar(String name, DType dtype, double init, boolean vec) implements UOp {}
    /** {@code name = value} */
    record Assign(String name, String value, boolean vec) implements UOp {}
    /** {@code acc = op(acc, value)} for a reduction's accumulate op. */
    record Accumulate(String acc, DType dtype, Op op, String value, boolean vec) implements UOp {}
    /** {@code out = op over the lanes of acc}: ends a reduction whose lanes split the reduced axis. */
    record LaneReduce(String out, DType dtype, Op op, String acc) implements UOp {}
    /**
     * {@code out = op over the work-group of acc}: every work item of a group holds a partial ({@code acc}); they
     * combine through local memory, and every item gets the total. Only in kernels launched with work-groups of
     * {@code group} items ({@link LinearKernel#group()}), never inside a loop or guard.
     */
    record GroupReduce(String out, DType dtype, Op op, String acc, int group) implements UOp {}
    /** {@code for (var = 0; var < extent; var++) {} */
    record Loop(String var, long extent) implements UOp {}
    /** {@code if (cond) {} */
    record If(Expr cond, boolean vec) implements UOp {}
    /** closes the innermost Loop or If */
    record End() implements UOp {}
    /** {@code data[arg][index] = value} */
    record Store(int arg, DType dtype, Expr index, String value, boolean vec) implements UOp {}
    /**
     * An array of {@code size} elements in memory a work-group shares (OpenCL {@code __local}), declared at the top
     * of the kernel. Only in tiled kernels whose work-group is one block of work items (a staged reduction).
     */
    record Shared(String name, DType dtype, int size) implements UOp {}
    /** {@code name[index] = value} into a {@link Shared} array. */
    record SharedStore(String name, Expr index, String value) implements UOp {}
    /** {@code out = name[index]} from a {@link Shared} array. */
    record SharedLoad(String out, DType dtype, String name, Expr index, boolean vec) implements UOp {}
    /** Every work item of the group waits here until all have arrived and their shared stores are visible. */
    record Barrier() implements UOp {}
}
