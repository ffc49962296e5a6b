// One optimisation step of a kernel's plan: what is done, along which axis, by how much.
package dev.jtiny.runtime.codegen;

/**
 * @param axis   the output (or reduced) axis the step applies to; -1 for steps that apply to the reduction's loop
 *               or to the whole kernel
 * @param amount the factor: lanes, items, elements per chunk, work-group size
 */
public record Opt(Kind kind, int axis, int amount) {
    public enum Kind {
        /** Each work item computes {@code amount} consecutive outputs along {@code axis} (lanes). */
        UPCAST,
        /** Each work item keeps {@code amount} partials of the reduction along reduced axis {@code axis}. */
        UPCAST_REDUCE,
        /** The reduction's innermost loop is unrolled {@code amount} times. */
        UNROLL,
        /** A work-group's items are laid out {@code amount} deep along output {@code axis} (a block of a tile). */
        LOCAL,
        /** The reduction is staged through work-group memory {@code amount} elements at a time. */
        STAGE,
        /** Each chunk's reads are issued a chunk ahead: 1 behind a second barrier, 2 double-buffered. */
        PREFETCH,
        /** {@code amount} work items compute each output together (a grouped reduction). */
        GROUP,
        /** One work-group of {@code amount} items per row computes the row's reductions and writes the row. */
        GROUP_ROW,
        /** Output axes from {@code axis} on are loops inside each work item (a CPU's scalar kernel). */
        LOOP
    }

    public static Opt of(Kind kind, int axis, int amount) { return new Opt(kind, axis, amount); }
}
