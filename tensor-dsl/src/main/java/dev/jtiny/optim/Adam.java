// Adam, and AdamW (decoupled weight decay): moment estimates with bias correction, all in fused kernels.
package dev.jtiny.optim;

import dev.jtiny.Tensor;

import java.util.ArrayList;
import java.util.List;

public final class Adam extends Optimizer {
    private final double b1, b2, eps, weightDecay;
    private final List<Tensor> m = new ArrayList<>(), v = new ArrayList<>();
    /** b1^t and b2^t after t steps, kept on the device so that steps reuse compiled kernels. */
    private final Tensor b1t, b2t;

    public Adam(List<Tensor> params, double lr) { this(params, lr, 0.9, 0.999, 1e-8, 0); }

    /** AdamW when {@code weightDecay} > 0: the decay is applied to the weights directly, not through the gradient. */
    public Adam(List<Tensor> params, double lr, double b1, double b2, double eps, double weightDecay) {
        super(params, lr);
        this.b1 = b1;
        this.b2 = b2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        for (Tensor p : this.params) {
            m.add(Tensor.zeros(p.shape()).to(p.device()).contiguous().realize().detach());
            v.add(Tensor.zeros(p.shape()).to(p.device()).contiguous().realize().detach());
        }
        b1t = scalar(1);
        b2t = scalar(1);
    }

    public static Adam adamW(List<Tensor> params, double lr, double weightDecay) { return new Adam(params, lr, 0.9, 0.999, 1e-8, weightDecay); }

    @Override protected void update(int i, Tensor p, Tensor g, List<Tensor> outs) {
        Tensor nb1t = b1t.mul(b1), nb2t = b2t.mul(b2);
        Tensor nm = m.get(i).mul(b1).add(g.mul(1 - b1));
        Tensor nv = v.get(i).mul(b2).add(g.mul(g).mul(1 - b2));
        Tensor mHat = nm.div(nb1t.rsub(1)), vHat = nv.div(nb2t.rsub(1));
        Tensor upd = mHat.div(vHat.sqrt().add(eps));
        Tensor w = p.detach();
        if (weightDecay != 0) upd = upd.add(w.mul(weightDecay));
        replaceState(m.get(i), nm);
        replaceState(v.get(i), nv);
        outs.add(m.get(i));
        outs.add(v.get(i));
        p.assign(w.sub(upd.mul(lr)));
    }

    @Override protected void stepState(List<Tensor> outs) {
        replaceState(b1t, b1t.mul(b1));
        replaceState(b2t, b2t.mul(b2));
        outs.add(b1t);
        outs.add(b2t);
    }
}
