// nn-style ops written as compositions of the others: softmax and its kin, matmul, einsum, attention, dropout.
package dev.jtiny;

import dev.jtiny.runtime.DType;

import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.IntStream;

import static dev.jtiny.Tensor.op;

final class Compositions {
    private Compositions() {}

    // Subtracting the max first keeps exp from overflowing (softmax, logSoftmax, logsumexp); it cancels out of the result.
    static Tensor softmax(Tensor x, int axis) {
        return op("softmax", () -> Elementwise.inFloat(x, f -> {
            Tensor e = f.sub(f.max(axis, true)).exp();
            return e.div(e.sum(axis, true));
        }));
    }

    static Tensor logSoftmax(Tensor x, int axis) {
        return op("logSoftmax", () -> Elementwise.inFloat(x, f -> {
            Tensor shifted = f.sub(f.max(axis, true));
            return shifted.sub(shifted.exp().sum(axis, true).log());
        }));
    }

    static Tensor logsumexp(Tensor x, int axis, boolean keepdim) {
        return op("logsumexp", () -> Elementwise.inFloat(x, f -> {
            Tensor m = f.max(axis, true);
            Tensor r = f.sub(m).exp().sum(axis, true).log().add(m);
            return keepdim ? r : r.squeeze(axis);
        }));
    }

    static Tensor matmul(Tensor x, Tensor w) {
        return op("matmul", () -> {
            int n1 = x.ndim(), n2 = w.ndim();
            if (n1 == 0 || n2 == 0) throw new IllegalArgumentException("matmul: both operands need at least 1 dimension, got shapes " + Arrays.toString(x.shape()) + " and " + Arrays.toString(w.shape()));
            int k1 = x.lb.shape()[n1 - 1];
            int k2 = w.lb.shape()[Math.max(n2 - 2, 0)];
            if (k1 != k2) {
                throw new IllegalArgumentException("matmul: shapes " + Tensor.shapeText(x.shape()) + " and " + Tensor.shapeText(w.shape()) + " do not line up (" + k1 + " != " + k2 + ")");
            }
            x.sameDevice("matmul", w);
            int[] batchA = Arrays.copyOfRange(x.lb.shape(), 0, Math.max(n1 - 2, 0));
            int[] batchB = Arrays.copyOfRange(w.lb.shape(), 0, Math.max(n2 - 2, 0));
            try {
                Movement.broadcastShape("matmul", batchA, batchB);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("matmul: batch dimensions of " + Tensor.shapeText(x.shape()) + " and " + Tensor.shapeText(w.shape())
                        + " do not broadcast (" + Tensor.shapeText(batchA) + " vs " + Tensor.shapeText(batchB) + ")");
            }
            Tensor a = n1 == 1 ? x.unsqueeze(0) : x;
            Tensor b = n2 == 1 ? w.unsqueeze(1) : w;
            // (..., n, k) x (..., k, m): (..., n, 1, k) * (..., 1, m, k) summed over k.
            Tensor p = a.unsqueeze(-2);
            Tensor q = b.transpose(-1, -2).unsqueeze(-3);
            Tensor r = p.mul(q).sum(-1);
            if (n1 == 1) r = r.squeeze(-2);
            if (n2 == 1) r = r.squeeze(-1);
            return r;
        });
    }

    static Tensor einsum(String formula, Tensor... operands) {
        return op("einsum", () -> {
            String f = formula.replace(" ", "");
            int arrow = f.indexOf("->");
            String lhs = arrow < 0 ? f : f.substring(0, arrow);
            String[] ins = lhs.split(",", -1);
            if (ins.length != operands.length) {
                throw new IllegalArgumentException("einsum: '" + formula + "' names " + ins.length + " operands, got " + operands.length);
            }
            String out;
            if (arrow >= 0) out = f.substring(arrow + 2);
            else {
                // Implicit output: letters that appear once, alphabetically.
                StringBuilder o = new StringBuilder();
                lhs.chars().filter(Character::isLetter).distinct().sorted()
                        .filter(ch -> lhs.chars().filter(x -> x == ch).count() == 1).forEach(ch -> o.append((char) ch));
                out = o.toString();
            }
            StringBuilder all = new StringBuilder(out);
            for (String in : ins) for (char ch : in.toCharArray()) if (all.indexOf(String.valueOf(ch)) < 0) all.append(ch);
            Map<Character, Integer> sizes = new HashMap<>();
            Tensor prod = null;
            for (int t = 0; t < ins.length; t++) {
                String in = ins[t];
                Tensor x = operands[t];
                if (in.length() != x.ndim()) {
                    throw new IllegalArgumentException("einsum: operand " + t + " ('" + in + "') has shape " + Arrays.toString(x.shape()) + " with " + x.ndim() + " dimensions");
                }
                if (in.chars().distinct().count() != in.length()) throw new IllegalArgumentException("einsum: repeated letter within operand " + t + " ('" + in + "') is not supported");
                for (int d = 0; d < in.length(); d++) {
                    char ch = in.charAt(d);
                    Integer prev = sizes.putIfAbsent(ch, x.shape()[d]);
                    if (prev != null && prev != x.shape()[d] && prev != 1 && x.shape()[d] != 1) {
                        throw new IllegalArgumentException("einsum: letter '" + ch + "' has size " + prev + " and " + x.shape()[d]);
                    }
                    if (prev != null && prev == 1) sizes.put(ch, x.shape()[d]);
                }
                // permute to the order of `all`, then insert size-1 dims for missing letters
                int[] order = in.chars().boxed().sorted(Comparator.comparingInt(ch -> all.indexOf(String.valueOf((char) (int) ch))))
                        .mapToInt(ch -> in.indexOf(ch)).toArray();
                Tensor p = x.permute(order);
                int[] shape = new int[all.length()];
                for (int d = 0; d < all.length(); d++) {
                    int at = in.indexOf(all.charAt(d));
                    shape[d] = at < 0 ? 1 : x.shape()[at];
                }
                p = p.reshape(shape);
                prod = prod == null ? p : prod.mul(p);
            }
            for (char ch : out.toCharArray()) if (!sizes.containsKey(ch)) throw new IllegalArgumentException("einsum: output letter '" + ch + "' appears in no operand");
            int[] full = new int[all.length()];
            for (int d = 0; d < all.length(); d++) full[d] = sizes.get(all.charAt(d));
            prod = prod.expand(full);
            int[] summed = IntStream.range(out.length(), all.length()).toArray();
            return summed.length == 0 ? prod : prod.sum(summed);
        });
    }

    static Tensor dropout(Tensor x, double p) {
        if (p < 0 || p >= 1) throw new IllegalArgumentException("dropout: p must be in [0, 1), got " + p);
        if (p == 0) return x;
        return op("dropout", () -> Tensor.rand(x.shape()).to(x.device()).ge(p).where(x.mul(1 / (1 - p)), 0.0));
    }

    static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal) {
        return op("scaledDotProductAttention", () -> {
            int d = q.shape()[q.ndim() - 1];
            Tensor scores = q.matmul(k.transpose()).div(Math.sqrt(d));
            if (causal) {
                int lq = scores.shape()[scores.ndim() - 2], lk = scores.shape()[scores.ndim() - 1];
                Tensor allowed = Tensor.full(new int[]{lq, lk}, 1).to(q.device()).tril(lk - lq).cast(DType.BOOL);
                scores = allowed.where(scores, Double.NEGATIVE_INFINITY);
            }
            if (mask != null) scores = mask.dtype() == DType.BOOL ? mask.where(scores, Double.NEGATIVE_INFINITY) : scores.add(mask);
            return scores.softmax(-1).matmul(v);
        });
    }
}
