// An ONNX operator as jtiny implements it: compiled once per node at load time, run on every OnnxModel.run.
package dev.jtiny.onnx;

/**
 * Compiling reads and checks the node's attributes (so that anything unsupported fails at load time, naming the
 * node) and returns the {@link Step} that turns input values into output values with ordinary lazy Tensor ops.
 */
@FunctionalInterface
interface Operator {
    Step compile(NodeAttrs node);

    /** A compiled node. Values are Tensors, or lists of Tensors for ONNX sequences. */
    @FunctionalInterface
    interface Step {
        Object[] run(Args in);
    }

    /** A step with one output. */
    static Step single(java.util.function.Function<Args, Object> f) { return in -> new Object[]{f.apply(in)}; }
}
