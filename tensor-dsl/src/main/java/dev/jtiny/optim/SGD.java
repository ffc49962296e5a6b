// Stochastic gradient descent with optional momentum (classic or Nesterov) and L2 weight decay.
package dev.jtiny.optim;

import dev.jtiny.Tensor;

import java.util.ArrayList;
import java.util.List;

public final class SGD extends Optimizer {
    private final double momentum, weightDecay;
    private final boolean nesterov;
    private final List<Tensor> velocity = new ArrayList<>();

    public SGD(List<Tensor> params, double lr) { this(params, lr, 0, false, 0); }

    public SGD(List<Tensor> params, double lr, double momentum, boolean nesterov, double weightDecay) {
        super(params, lr);
        if (nesterov && momentum == 0) throw new IllegalArgumentException("SGD: nesterov needs a momentum > 0");
        this.momentum = momentum;
        this.nesterov = nesterov;
        this.weightDecay = weightDecay;
        if (momentum != 0) for (Tensor p : this.params) velocity.add(Tensor.zeros(p.shape()).to(p.device()).contiguous().realize().detach());
    }

    @Override protected void update(int i, Tensor p, Tensor g, List<Tensor> outs) {
        if (weightDecay != 0) g = g.add(p.detach().mul(weightDecay));
        if (momentum != 0) {
            Tensor v = velocity.get(i);
            Tensor nv = v.mul(momentum).add(g);
            g = nesterov ? g.add(nv.mul(momentum)) : nv;
            replaceState(v, nv);
            outs.add(v);
        }
        p.assign(p.detach().sub(g.mul(lr)));
    }
}
