// Updates parameters from their gradients. A step builds every update lazily and realizes them in one schedule.
package dev.jtiny.optim;

import dev.jtiny.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The learning rate lives in a one-element device buffer rather than in kernel source, so schedules that change
 * it every step reuse the same compiled kernels.
 */
public abstract class Optimizer {
    protected final List<Tensor> params;
    protected final Tensor lr;
    private double lrValue;

    protected Optimizer(List<Tensor> params, double lr) {
        if (params.isEmpty()) throw new IllegalArgumentException(getClass().getSimpleName() + ": no parameters to optimize");
        for (Tensor p : params) {
            if (!p.requiresGrad()) throw new IllegalArgumentException(getClass().getSimpleName() + ": a parameter of shape "
                    + java.util.Arrays.toString(p.shape()) + " does not require a gradient");
        }
        this.params = List.copyOf(params);
        this.lrValue = lr;
        this.lr = scalar(lr);
    }

    /** A realized one-element buffer on the parameters' device holding {@code v}. */
    protected final Tensor scalar(double v) {
        return Tensor.of(new float[]{(float) v}).to(params.getFirst().device()).contiguous().realize().detach();
    }

    public double learningRate() { return lrValue; }

    /** Sets the learning rate for the next steps: one tiny copy into the same buffer, so compiled and jitted kernels see it. */
    public void setLearningRate(double v) {
        lrValue = v;
        lr.lazyBuffer().buffer().copyIn(new float[]{(float) v});
    }

    /** Clears every parameter's gradient. */
    public void zeroGrad() { params.forEach(p -> p.setGrad(null)); }

    /** One update of every parameter that has a gradient; realizes parameters and optimizer state together. */
    public void step() {
        List<Tensor> outs = new ArrayList<>();
        try (AutoCloseable ignored = Tensor.noGrad()) {
            for (int i = 0; i < params.size(); i++) {
                Tensor p = params.get(i);
                if (p.grad() == null) continue;
                update(i, p, p.grad(), outs);
                outs.add(p);
            }
            stepState(outs);
        } catch (Exception e) {
            if (e instanceof RuntimeException re) throw re;
            throw new IllegalStateException(e);
        }
        Tensor.realize(outs.toArray(Tensor[]::new));
    }

    /** Assigns the new value of parameter {@code i} (and its state), adding state tensors to realize to {@code outs}. */
    protected abstract void update(int i, Tensor p, Tensor g, List<Tensor> outs);

    /** Per-step state shared by all parameters (e.g. Adam's bias corrections). */
    protected void stepState(List<Tensor> outs) {}
}
