// ONNX's recurrent layers LSTM, GRU and RNN: the input projection as one matmul, then the time steps unrolled.
package dev.jtiny.onnx;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.DType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

import static dev.jtiny.onnx.Operators.add;

/**
 * Per direction, X·Wᵀ for every time step is one matmul; each step then adds H·Rᵀ and the biases and applies the
 * gates' activations, and its state is realized before the next step (a chain of T steps would otherwise be one
 * ever deeper graph). {@code sequence_lens} masks the steps past each sequence's end: the state stays, Y is zero.
 * Gate activations may be any of Sigmoid, Tanh, Relu, Softsign, Softplus (those with parameters, through
 * activation_alpha/beta, and LSTM's input_forget are refused at load); LSTM peepholes are supported.
 */
final class RecurrentOps {
    private RecurrentOps() {}

    private enum Kind { LSTM(4, 3), GRU(3, 2), RNN(1, 1);
        final int gates, activations;
        Kind(int gates, int activations) { this.gates = gates; this.activations = activations; }
    }

    static void register() {
        add("LSTM", 7, a -> compile(a, Kind.LSTM));
        add("GRU", 7, a -> compile(a, Kind.GRU));
        add("RNN", 7, a -> compile(a, Kind.RNN));
    }

    private static UnaryOperator<Tensor> activation(NodeAttrs a, String name) {
        return switch (name.toLowerCase()) {
            case "sigmoid" -> Tensor::sigmoid;
            case "tanh" -> Tensor::tanh;
            case "relu" -> Tensor::relu;
            case "softsign" -> x -> x.div(x.abs().add(1));
            case "softplus" -> x -> x.relu().add(x.abs().neg().exp().add(1).log());
            default -> throw a.error("activation " + name + " is not supported (Sigmoid, Tanh, Relu, Softsign, Softplus)");
        };
    }

    private static Operator.Step compile(NodeAttrs a, Kind kind) {
        String direction = a.choice("direction", "forward", "forward", "reverse", "bidirectional");
        int dirs = direction.equals("bidirectional") ? 2 : 1;
        int hidden = (int) a.i("hidden_size");
        boolean batchFirst = a.opset >= 14 && a.i("layout", 0) != 0;
        double clip = a.f("clip", Double.NaN);
        if (a.floats("activation_alpha") != null || a.floats("activation_beta") != null) {
            throw a.error("activation_alpha and activation_beta are not supported");
        }
        if (kind == Kind.LSTM) a.choice("input_forget", 0, 0);
        boolean linearBeforeReset = kind == Kind.GRU && a.i("linear_before_reset", 0) != 0;
        String[] names = a.strings("activations");
        List<UnaryOperator<Tensor>> acts = new ArrayList<>();
        for (int d = 0; d < dirs; d++) {
            for (int k = 0; k < kind.activations; k++) {
                String n = names != null ? names[d * kind.activations + k] : (k == 0 && kind != Kind.RNN) ? "Sigmoid" : "Tanh";
                acts.add(activation(a, n));
            }
        }
        if (names != null && names.length != dirs * kind.activations) {
            throw a.error(names.length + " activations given, " + kind + " with direction " + direction + " needs " + dirs * kind.activations);
        }
        return in -> {
            Tensor x = in.t(0), w = in.t(1), r = in.t(2), b = in.opt(3);
            if (batchFirst) x = x.transpose(0, 1);                        // (T, B, I)
            int steps = x.shape()[0], batch = x.shape()[1];
            Tensor lens = in.opt(4);
            long[] lengths = lens == null ? null : lens.toLongArray();
            boolean full = lengths == null || Arrays.stream(lengths).allMatch(l -> l == steps);
            Tensor h0 = in.opt(5), c0 = kind == Kind.LSTM ? in.opt(6) : null, p = kind == Kind.LSTM ? in.opt(7) : null;
            if (batchFirst && h0 != null) h0 = h0.transpose(0, 1);
            if (batchFirst && c0 != null) c0 = c0.transpose(0, 1);
            Tensor[] ys = new Tensor[dirs], hs = new Tensor[dirs], cs = new Tensor[dirs];
            for (int d = 0; d < dirs; d++) {
                boolean reverse = direction.equals("reverse") || d == 1;
                Tensor wd = w.get(d), rd = r.get(d);                        // (G*H, I), (G*H, H)
                Tensor xw = x.matmul(wd.transpose()).realize();            // (T, B, G*H)
                Tensor wb = null, rb = null;
                if (b != null) {
                    wb = b.get(d).slice(0, 0, kind.gates * hidden);
                    rb = b.get(d).slice(0, kind.gates * hidden, 2 * kind.gates * hidden);
                }
                Tensor h = h0 != null ? h0.get(d) : in.full(new int[]{batch, hidden}, 0, x.dtype());
                Tensor c = c0 != null ? c0.get(d) : in.full(new int[]{batch, hidden}, 0, x.dtype());
                List<UnaryOperator<Tensor>> f = acts.subList(d * kind.activations, (d + 1) * kind.activations);
                Tensor[] out = new Tensor[steps];
                for (int i = 0; i < steps; i++) {
                    int t = reverse ? steps - 1 - i : i;
                    Tensor gx = xw.get(t);
                    if (wb != null) gx = gx.add(wb);
                    Tensor[] next = switch (kind) {
                        case LSTM -> lstmStep(gx, h, c, rd, rb, p == null ? null : p.get(d), hidden, clip, f);
                        case GRU -> new Tensor[]{gruStep(gx, h, rd, rb, hidden, clip, linearBeforeReset, f), null};
                        case RNN -> new Tensor[]{f.getFirst().apply(clip(gx.add(h.matmul(rd.transpose())).add(rb == null ? zero(gx) : rb), clip)), null};
                    };
                    Tensor hn = next[0], cn = next[1];
                    if (!full) {
                        long[] le = lengths;
                        boolean[] live = new boolean[batch];
                        for (int k = 0; k < batch; k++) live[k] = t < le[k];
                        Tensor mask = in.on(Tensor.of(live, batch, 1));
                        hn = mask.where(hn, h);
                        if (cn != null) cn = mask.where(cn, c);
                        out[t] = mask.where(hn, 0.0);
                    } else {
                        out[t] = hn;
                    }
                    h = hn.realize();
                    if (cn != null) c = cn.realize();
                }
                Tensor y = out[0].unsqueeze(0);
                if (steps > 1) y = y.cat(0, Arrays.stream(out, 1, steps).map(o -> o.unsqueeze(0)).toArray(Tensor[]::new));
                ys[d] = y.unsqueeze(1);                                   // (T, 1, B, H)
                hs[d] = h.unsqueeze(0);
                cs[d] = c.unsqueeze(0);
            }
            Tensor y = dirs == 1 ? ys[0] : ys[0].cat(1, ys[1]);
            Tensor yh = dirs == 1 ? hs[0] : hs[0].cat(0, hs[1]);
            Tensor yc = dirs == 1 ? cs[0] : cs[0].cat(0, cs[1]);
            if (batchFirst) {
                y = y.permute(2, 0, 1, 3);                                // (B, T, D, H)
                yh = yh.transpose(0, 1);
                yc = yc.transpose(0, 1);
            }
            return kind == Kind.LSTM ? new Object[]{y, yh, yc} : new Object[]{y, yh};
        };
    }

    private static Tensor zero(Tensor like) { return Tensor.full(new int[0], 0, like.dtype(), like.device()); }

    private static Tensor clip(Tensor x, double clip) { return Double.isNaN(clip) ? x : x.clamp(-clip, clip); }

    /** Gates i, o, f, c (the specification's order); peepholes p = [Pi, Po, Pf]. Returns {H, C}. */
    private static Tensor[] lstmStep(Tensor gx, Tensor h, Tensor c, Tensor r, Tensor rb, Tensor p, int n, double clip,
                                     List<UnaryOperator<Tensor>> f) {
        Tensor g = gx.add(h.matmul(r.transpose()));
        if (rb != null) g = g.add(rb);
        Tensor i = g.slice(-1, 0, n), o = g.slice(-1, n, 2 * n), fg = g.slice(-1, 2 * n, 3 * n), cc = g.slice(-1, 3 * n, 4 * n);
        if (p != null) {
            i = i.add(p.slice(0, 0, n).mul(c));
            fg = fg.add(p.slice(0, 2 * n, 3 * n).mul(c));
        }
        Tensor it = f.get(0).apply(clip(i, clip)), ft = f.get(0).apply(clip(fg, clip)), ct = f.get(1).apply(clip(cc, clip));
        Tensor cn = ft.mul(c).add(it.mul(ct));
        if (p != null) o = o.add(p.slice(0, n, 2 * n).mul(cn));
        Tensor ot = f.get(0).apply(clip(o, clip));
        return new Tensor[]{ot.mul(f.get(2).apply(cn)), cn};
    }

    /** Gates z, r, h. */
    private static Tensor gruStep(Tensor gx, Tensor h, Tensor r, Tensor rb, int n, double clip, boolean linearBeforeReset,
                                  List<UnaryOperator<Tensor>> f) {
        Tensor rz = r.slice(0, 0, n), rr = r.slice(0, n, 2 * n), rh = r.slice(0, 2 * n, 3 * n);
        Tensor bz = rb == null ? null : rb.slice(0, 0, n), br = rb == null ? null : rb.slice(0, n, 2 * n), bh = rb == null ? null : rb.slice(0, 2 * n, 3 * n);
        Tensor z = gx.slice(-1, 0, n).add(h.matmul(rz.transpose()));
        Tensor rg = gx.slice(-1, n, 2 * n).add(h.matmul(rr.transpose()));
        if (bz != null) { z = z.add(bz); rg = rg.add(br); }
        Tensor zt = f.get(0).apply(clip(z, clip)), rt = f.get(0).apply(clip(rg, clip));
        Tensor hh;
        if (linearBeforeReset) {
            Tensor lin = h.matmul(rh.transpose());
            if (bh != null) lin = lin.add(bh);
            hh = gx.slice(-1, 2 * n, 3 * n).add(rt.mul(lin));
        } else {
            hh = gx.slice(-1, 2 * n, 3 * n).add(rt.mul(h).matmul(rh.transpose()));
            if (bh != null) hh = hh.add(bh);
        }
        Tensor ht = f.get(1).apply(clip(hh, clip));
        return zt.rsub(1).mul(ht).add(zt.mul(h));
    }
}
