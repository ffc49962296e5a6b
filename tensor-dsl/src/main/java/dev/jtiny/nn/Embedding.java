// A lookup table: int32 indices select rows of a learned (vocab, dim) weight.
package dev.jtiny.nn;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.DType;

import java.util.Arrays;
import java.util.Map;

/**
 * As PyTorch's Embedding (weight starts standard normal). The lookup is {@link Tensor#take}: each index is compared
 * with every row number and the matching row is summed out, so it costs O(vocab) per index instead of a gather's
 * O(1), but needs no data-dependent load, fuses, and gets its gradient (rows summed over repeated indices) from the
 * primitives'. Indices outside [0, vocab) match no row: their vectors are zeros rather than an error, since checking
 * them would mean reading the indices back.
 */
public final class Embedding implements Layer {
    public final int vocab, dim;
    public final Tensor weight;

    public Embedding(int vocab, int dim) {
        if (vocab <= 0 || dim <= 0) throw new IllegalArgumentException("Embedding: sizes must be positive, got vocab=" + vocab + " dim=" + dim);
        this.vocab = vocab;
        this.dim = dim;
        this.weight = Tensor.randn(vocab, dim).realize().detach().requiresGrad(true);
    }

    /** Indices of any shape (int32) to vectors of shape (…, dim). */
    @Override public Tensor forward(Tensor indices) {
        if (indices.dtype() != DType.INT32) {
            throw new IllegalArgumentException(this + ": indices must be int32, got a " + indices.dtype() + " tensor of shape " + Arrays.toString(indices.shape()));
        }
        int[] out = Arrays.copyOf(indices.shape(), indices.ndim() + 1);
        out[indices.ndim()] = dim;
        return weight.take(0, indices.reshape(-1)).reshape(out);
    }

    @Override public Map<String, Tensor> namedParameters() { return Map.of("weight", weight); }

    @Override public String toString() { return "Embedding(" + vocab + ", " + dim + ")"; }
}
