// Updates parameters from their gradients. A step builds every update lazily and realizes them in one schedule.
package dev.jtiny.optim;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.engine.Realizer;
import dev.jtiny.runtime.graph.LazyBuffer;
import dev.jtiny.runtime.graph.UserOp;

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
        // The update's intermediate values are the optimizer's own: only what it assigns is exposed.
        try (AutoCloseable ignored = Tensor.noGrad(); UserOp internal = UserOp.internal()) {
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
        // The state values just replaced were read by this update only: their memory goes back to the pool now
        // rather than when the collector finds them. Not while a Jit records: its replays write into them.
        if (!Realizer.recording()) for (LazyBuffer old : replaced) if (old.buffer() != null) old.buffer().close();
        replaced.clear();
    }

    /** State values replaced during the step running now, freed once it is computed (see {@link #replaceState}). */
    private final List<LazyBuffer> replaced = new ArrayList<>();

    /**
     * Assigns {@code value} to a state tensor of this optimizer's own (a moment, a velocity, a step counter), which
     * nothing outside it ever reads: the old value's memory is freed as soon as the step has computed the new one.
     */
    protected final void replaceState(Tensor state, Tensor value) {
        LazyBuffer old = state.lazyBuffer();
        state.assign(value);
        if (old.isBase() && old.buffer() != null) replaced.add(old);
    }

    /** Assigns the new value of parameter {@code i} (and its state), adding state tensors to realize to {@code outs}. */
    protected abstract void update(int i, Tensor p, Tensor g, List<Tensor> outs);

    /** Per-step state shared by all parameters (e.g. Adam's bias corrections). */
    protected void stepState(List<Tensor> outs) {}
}
