// One register-tiled layout of a reduction: the choice the heuristics make and BEAM enumerates.
package dev.jtiny.runtime.codegen.opt;

import dev.jtiny.runtime.codegen.Kernel;
import dev.jtiny.runtime.codegen.LinearKernel;
import dev.jtiny.runtime.codegen.Linearizer;

/**
 * A register tile along two output axes ({@code rows} x {@code cols} outputs per work item), the reduction's unroll,
 * the block of work items, and the chunk of the reduced axis staged through local memory ({@code stage} 0: none)
 * with its prefetch mode.
 */
record TileChoice(int rowAxis, int rows, int colAxis, int cols, int unroll, int blockRows, int blockCols, int stage,
                  int prefetch) {

    /** The kernel laid out this way; null when the linearizer cannot express it. */
    LinearKernel linearize(Kernel k) {
        try {
            Linearizer.Upcast up = Linearizer.Upcast.tile(rowAxis, rows, colAxis, cols, unroll);
            if (stage > 0) up = up.staged(stage, prefetch);
            return Linearizer.linearize(k, up, 0, blockRows, blockCols);
        } catch (Linearizer.CannotUpcast e) {
            return null;
        }
    }
}
