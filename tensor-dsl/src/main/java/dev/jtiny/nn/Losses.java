// Loss functions: a scalar to call backward() on. Class labels are int32 tensors of indices.
package dev.jtiny.nn;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.engine.Devices;
import dev.jtiny.runtime.DType;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

public final class Losses {
    private Losses() {}

    /** One-hot float rows for int labels in [0, classes). */
    public static Tensor oneHot(Tensor labels, int classes) {
        if (labels.dtype() != DType.INT32) throw new IllegalArgumentException("oneHot: labels must be int32 class indices, got " + labels.dtype());
        int[] s = labels.shape();
        int[] row = new int[s.length + 1];
        Arrays.fill(row, 1);
        row[s.length] = classes;
        return labels.unsqueeze(-1).eq(classIndices(classes, labels.device()).reshape(row)).cast(DType.FLOAT32);
    }

    /** 0..classes-1 on a device, kept: a training step asks for the same ones every time. */
    private static final Map<String, Tensor> CLASS_INDICES = new LinkedHashMap<>(16, 0.75f, true) {
        @Override protected boolean removeEldestEntry(Map.Entry<String, Tensor> eldest) { return size() > 32; }
    };

    /**
     * The int32 indices 0..classes-1 on {@code device}, in memory there. Made once per class count and device and
     * reused (a fresh tensor over the same memory each time), so a loss in a loop uploads nothing per step.
     */
    private static Tensor classIndices(int classes, String device) {
        String key = classes + "@" + device;
        synchronized (CLASS_INDICES) {
            Tensor known = CLASS_INDICES.get(key);
            // A device closed and opened again since has new memory: the old buffer is not on it.
            if (known != null && known.lazyBuffer().buffer().device == Devices.get(device)) return known.detach();
            Tensor made = Tensor.arange(classes).to(device).realize();
            CLASS_INDICES.put(key, made);
            return made.detach();
        }
    }

    /** Mean cross-entropy of logits [N, C] against int labels [N]. */
    public static Tensor crossEntropy(Tensor logits, Tensor labels) { return crossEntropy(logits, labels, 0); }

    /** With label smoothing: the target puts 1-s on the label and s/C on every class. */
    public static Tensor crossEntropy(Tensor logits, Tensor labels, double smoothing) {
        checkClassification("crossEntropy", logits, labels);
        int c = logits.shape()[1];
        Tensor target = oneHot(labels, c);
        if (smoothing > 0) target = target.mul(1 - smoothing).add(smoothing / c);
        return logits.logSoftmax(1).mul(target).sum(1).mean().neg();
    }

    /** Mean negative log-likelihood of log-probabilities [N, C] at int labels [N]. */
    public static Tensor nllLoss(Tensor logProbs, Tensor labels) {
        checkClassification("nllLoss", logProbs, labels);
        return logProbs.mul(oneHot(labels, logProbs.shape()[1])).sum(1).mean().neg();
    }

    /** Mean binary cross-entropy of probabilities p against targets in [0, 1]. */
    public static Tensor binaryCrossEntropy(Tensor p, Tensor target) {
        checkSame("binaryCrossEntropy", p, target);
        Tensor eps = Tensor.full(new int[0], 1e-12).to(p.device());
        return target.mul(p.maximum(eps).log()).add(target.rsub(1).mul(p.rsub(1).maximum(eps).log())).mean().neg();
    }

    /** The same from logits, computed stably: max(x,0) - x*t + log(1 + exp(-|x|)). */
    public static Tensor binaryCrossEntropyWithLogits(Tensor logits, Tensor target) {
        checkSame("binaryCrossEntropyWithLogits", logits, target);
        return logits.relu().sub(logits.mul(target)).add(logits.abs().neg().exp().add(1).log()).mean();
    }

    public static Tensor mse(Tensor pred, Tensor target) {
        checkSame("mse", pred, target);
        Tensor d = pred.sub(target);
        return d.mul(d).mean();
    }

    public static Tensor l1(Tensor pred, Tensor target) {
        checkSame("l1", pred, target);
        return pred.sub(target).abs().mean();
    }

    private static void checkClassification(String name, Tensor scores, Tensor labels) {
        int[] s = scores.shape(), l = labels.shape();
        if (s.length != 2 || l.length != 1 || s[0] != l[0]) {
            throw new IllegalArgumentException(name + ": expected scores [N, C] and int labels [N], got " + Arrays.toString(s) + " and " + Arrays.toString(l));
        }
    }

    private static void checkSame(String name, Tensor a, Tensor b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException(name + ": prediction " + Arrays.toString(a.shape()) + " and target " + Arrays.toString(b.shape()) + " differ in shape");
        }
    }
}
