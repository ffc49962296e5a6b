// ONNX's preview training Gradient operator, answered by jtiny's own autograd.
package dev.jtiny.onnx;

import dev.jtiny.Tensor;

import static dev.jtiny.onnx.Operators.add;

/**
 * {@code Gradient(xs, y)} outputs dy/dx for each x in xs. The model marks every x as needing a gradient the moment
 * it is bound (see {@link NodeAttrs#gradientSources}), so the ordinary graph from x to y records how to go back;
 * the step runs backward from y and reads each x's gradient.
 */
final class GradientOp {
    private GradientOp() {}

    static void register() {
        add(Operators.TRAINING, "Gradient", 1, a -> {
            String[] xs = a.strings("xs");
            String y = a.s("y", "");
            if (xs == null || y.isEmpty()) throw a.error("attributes 'xs' and 'y' are required");
            if (xs.length != a.outputCount()) throw a.error(xs.length + " xs but " + a.outputCount() + " outputs");
            a.gradientSources.addAll(java.util.List.of(xs));
            int yAt = a.extraInput(y);
            return in -> {
                Tensor out = in.t(yAt);
                if (out.numel() != 1) throw in.error("y '" + y + "' has shape " + java.util.Arrays.toString(out.shape()) + "; jtiny differentiates scalars");
                if (!out.requiresGrad()) throw in.error("y '" + y + "' does not depend on any of xs");
                out.backward();
                Object[] r = new Object[xs.length];
                for (int i = 0; i < xs.length; i++) {
                    Tensor x = in.t(i);
                    r[i] = x.grad() != null ? x.grad() : x.zerosLike();
                }
                return r;
            };
        });
    }
}
