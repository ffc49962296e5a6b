// One scheduled kernel before codegen: its input graph, its arguments and where it came from.
package dev.jtiny.runtime.codegen;

import dev.jtiny.runtime.DType;

import java.util.List;

/**
 * @param root     the value stored, element by element, into argument 0 (contiguous, shape {@code outShape})
 * @param argTypes dtype of each argument; argument 0 is the output
 * @param fusedOps the user-level ops this kernel computes, in graph order
 */
public record Kernel(KNode root, int[] outShape, List<DType> argTypes, List<String> fusedOps) {
}
