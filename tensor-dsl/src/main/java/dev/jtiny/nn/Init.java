// Parameter initialisation: realized leaves that require gradients.
package dev.jtiny.nn;

import dev.jtiny.Tensor;

public final class Init {
    private Init() {}

    /** Uniform in [-bound, bound). */
    public static Tensor uniform(double bound, int... shape) {
        return Tensor.rand(shape).mul(2 * bound).sub(bound).realize().detach().requiresGrad(true);
    }

    public static Tensor ones(int... shape) { return Tensor.ones(shape).contiguous().realize().detach().requiresGrad(true); }

    public static Tensor zeros(int... shape) { return Tensor.zeros(shape).contiguous().realize().detach().requiresGrad(true); }
}
